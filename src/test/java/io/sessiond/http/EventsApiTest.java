package io.sessiond.http;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.DaemonExtension;
import io.sessiond.testing.Poll;
import io.sessiond.testing.SseClient;
import io.sessiond.testing.SseClient.Frame;
import io.sessiond.testing.TestDaemon;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Change events over {@code GET /v1/events} (Server-Sent Events), on the memory store and on Redis
 * (the build runs this class on both): every change is one event of the right type and version, in
 * order; a stream resumes after its {@code Last-Event-ID} with exactly the events it missed; filters;
 * the events-lost marker; the sweeper's expiries; heartbeats; 4xx for bad input.
 */
@ExtendWith(VertxExtension.class)
class EventsApiTest {
  private static final long DEADLINE_MS = 10_000;
  private static final String TENANT = TestDaemon.freshTenant();
  private static final String KEY = "test-" + UUID.randomUUID();
  @RegisterExtension
  static final DaemonExtension daemon = DaemonExtension.of(TestDaemon.builder().tenantWithKeys(TENANT, KEY)
      .set("EXPIRY_SWEEP_INTERVAL_MS", 50).set("EVENTS_POLL_MS", 20).set("EVENTS_HEARTBEAT_MS", 200));
  /** A log of (about) ten events, so a reader that falls behind loses some. */
  @RegisterExtension
  static final DaemonExtension smallLog = DaemonExtension.of(TestDaemon.builder().tenantWithKeys(TENANT, KEY)
      .set("EVENTS_MAX_LEN", 10).set("EVENTS_POLL_MS", 20));

  private static Api api() {
    return daemon.api(TENANT);
  }

  private static Future<SseClient> open(Vertx vertx, DaemonExtension d, String query, String lastEventId) {
    return SseClient.open(vertx, d.port(), KEY, "/v1/events" + query, lastEventId).map(sse -> {
      assertEquals(200, sse.status());
      assertTrue(sse.response().getHeader("Content-Type").startsWith("text/event-stream"));
      return sse;
    });
  }

  private static Future<Void> until(Vertx vertx, String what, java.util.function.BooleanSupplier check) {
    return Poll.until(vertx, DEADLINE_MS, 20, what, () -> Future.succeededFuture(check.getAsBoolean()));
  }

  private static String types(List<Frame> frames) {
    return String.join(",", frames.stream().map(Frame::event).toList());
  }

  private static List<Long> versions(List<Frame> frames) {
    return frames.stream().map(f -> f.json().getLong("version")).toList();
  }

  @Test
  void everyKindOfChange_isOneEvent_ofItsType_atItsVersion_inOrder(Vertx vertx, VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String base = "/v1/sessions/" + id;
    open(vertx, daemon, "?prefix=" + id, null).compose(sse -> api().create(id, new JsonObject())
        .compose(r -> api().patch(base, new JsonObject().put("a", 1)))
        .compose(r -> api().post(base + "/state", new JsonObject().put("state", "registering")))
        .compose(r -> api().put(base + "/creds", new JsonObject().put("me", "x")))
        .compose(r -> api().post(base + "/keys", new JsonObject().put("pre-key", new JsonObject().put("1", "k"))))
        .compose(r -> api().post(base + "/messages", new JsonObject().put("role", "user").put("content", "hi")))
        .compose(r -> api().post(base + "/touch", new JsonObject()))
        .compose(r -> api().delete(base))
        .compose(r -> until(vertx, "eight events arrive", () -> sse.events().size() >= 8))
        .compose(v -> sse.close())
        .map(v -> sse.events()))
        .onComplete(ctx.succeeding(events -> ctx.verify(() -> {
          assertEquals("created,updated,state-changed,creds-changed,updated,updated,updated,deleted", types(events));
          assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 7L), versions(events));
          for (int i = 0; i < events.size(); i++) {
            JsonObject e = events.get(i).json();
            assertEquals(id, e.getString("sessionId"));
            assertEquals(events.get(i).id(), e.getString("id"));
            assertEquals(events.get(i).event(), e.getString("type"));
            assertTrue(e.getString("time").endsWith("Z"), e.encode());
            assertEquals(5, e.size(), "an event carries no value: " + e.encode());
          }
          ctx.completeNow();
        })));
  }

  @Test
  void aLeaseGrantAndRelease_areLeaseEvents_withHolderAndToken(Vertx vertx, VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String lease = "/v1/sessions/" + id + "/lease";
    open(vertx, daemon, "?prefix=" + id, null).compose(sse -> api().create(id, new JsonObject())
        .compose(r -> api().post(lease, new JsonObject().put("holder", "worker-1").put("ttlSeconds", 30)))
        .compose(r -> {
          assertEquals(201, r.statusCode(), r.bodyAsString());
          long token = r.bodyAsJsonObject().getLong("token");
          return api().request(io.vertx.core.http.HttpMethod.DELETE, lease).putHeader("Fence", Long.toString(token))
              .send().map(token);
        })
        .compose(token -> until(vertx, "three events arrive", () -> sse.events().size() >= 3)
            .compose(v -> sse.close())
            .map(v -> {
              List<Frame> events = sse.events();
              assertEquals("created,lease-acquired,lease-lost", types(events));
              for (Frame f : events.subList(1, 3)) {
                assertEquals("worker-1", f.json().getString("holder"), f.data());
                assertEquals(token, f.json().getLong("token"), f.data());
                assertEquals(1L, f.json().getLong("version"), f.data());
              }
              return null;
            })))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aLeaseThatLapses_withNobodyTakingItOver_isALeaseLostEvent_once(Vertx vertx, VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String lease = "/v1/sessions/" + id + "/lease";
    open(vertx, daemon, "?prefix=" + id, null).compose(sse -> api().create(id, new JsonObject())
        .compose(r -> api().post(lease, new JsonObject().put("holder", "worker-1").put("ttlSeconds", 1)))
        .compose(r -> {
          assertEquals(201, r.statusCode(), r.bodyAsString());
          long token = r.bodyAsJsonObject().getLong("token");
          return until(vertx, "the lapse is an event", () -> sse.events().size() >= 3).map(token);
        })
        // A later grant to another holder finds the lease ended already: no second lease-lost.
        .compose(token -> api().post(lease, new JsonObject().put("holder", "worker-2").put("ttlSeconds", 30))
            .compose(r -> until(vertx, "the new grant is an event", () -> sse.events().size() >= 4))
            .compose(v -> api().patch("/v1/sessions/" + id, new JsonObject().put("after", 1)))
            .compose(r -> until(vertx, "the write after it is an event", () -> sse.events().size() >= 5))
            .compose(v -> sse.close())
            .map(v -> {
              List<Frame> events = sse.events();
              assertEquals("created,lease-acquired,lease-lost,lease-acquired,updated", types(events));
              assertEquals("worker-1", events.get(2).json().getString("holder"));
              assertEquals(token, events.get(2).json().getLong("token"));
              assertEquals("worker-2", events.get(3).json().getString("holder"));
              return null;
            })))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aStream_resumedWithLastEventId_getsExactlyTheEventsItMissed(Vertx vertx, VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String base = "/v1/sessions/" + id;
    open(vertx, daemon, "?prefix=" + id, null).compose(first -> api().create(id, new JsonObject())
        .compose(r -> api().post(base + "/touch", new JsonObject()))
        .compose(r -> until(vertx, "two events arrive", () -> first.events().size() == 2))
        .compose(v -> first.close())
        // Changes while no one listens.
        .compose(v -> api().post(base + "/touch", new JsonObject()))
        .compose(r -> api().patch(base, new JsonObject().put("b", 2)))
        .compose(r -> api().post(base + "/touch", new JsonObject()))
        .compose(r -> open(vertx, daemon, "?prefix=" + id, first.lastEventId()))
        .compose(second -> api().post(base + "/touch", new JsonObject())
            .compose(r -> until(vertx, "the missed and the new events arrive", () -> second.events().size() >= 4))
            .compose(v -> second.close())
            .map(v -> List.of(first.events(), second.events()))))
        .onComplete(ctx.succeeding(both -> ctx.verify(() -> {
          assertEquals(List.of(1L, 2L), versions(both.get(0)));
          assertEquals(List.of(3L, 4L, 5L, 6L), versions(both.get(1)));
          assertEquals("updated,updated,updated,updated", types(both.get(1)));
          ctx.completeNow();
        })));
  }

  @Test
  void filters_keepOnlyThePrefixAndTheTypesAskedFor(Vertx vertx, VertxTestContext ctx) {
    String prefix = "f-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    String mine = prefix + "a";
    String other = "x" + prefix + "b";
    open(vertx, daemon, "?prefix=" + prefix + "&types=state-changed,deleted", null).compose(sse ->
        api().create(mine, new JsonObject())
            .compose(r -> api().create(other, new JsonObject()))
            .compose(r -> api().post("/v1/sessions/" + other + "/state", new JsonObject().put("state", "registering")))
            .compose(r -> api().post("/v1/sessions/" + mine + "/state", new JsonObject().put("state", "registering")))
            .compose(r -> api().patch("/v1/sessions/" + mine, new JsonObject().put("a", 1)))
            .compose(r -> api().delete("/v1/sessions/" + other))
            .compose(r -> api().delete("/v1/sessions/" + mine))
            .compose(r -> until(vertx, "the deletion of " + mine + " arrives",
                () -> sse.events().stream().anyMatch(f -> f.event().equals("deleted"))))
            .compose(v -> sse.close())
            .map(v -> sse.events()))
        .onComplete(ctx.succeeding(events -> ctx.verify(() -> {
          assertEquals("state-changed,deleted", types(events));
          assertTrue(events.stream().allMatch(f -> f.json().getString("sessionId").equals(mine)), events.toString());
          ctx.completeNow();
        })));
  }

  @Test
  void anIdNewerThanTheLog_getsTheEventsLostMarker_thenTheLog(Vertx vertx, VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    open(vertx, daemon, "?prefix=" + id, "999999999999999-0").compose(sse -> api().create(id, new JsonObject())
            .compose(r -> until(vertx, "the creation arrives", () -> sse.events().size() == 1))
            .compose(v -> sse.close())
            .map(v -> sse.frames()))
        .onComplete(ctx.succeeding(frames -> ctx.verify(() -> {
          assertEquals("events-lost", frames.get(0).event(), frames.toString());
          assertEquals("999999999999999-0", frames.get(0).json().getString("requestedId"));
          assertEquals("created", frames.get(frames.size() - 1).event());
          ctx.completeNow();
        })));
  }

  @Test
  void aReaderTheTrimmedLogLeftBehind_getsTheEventsLostMarker(Vertx vertx, VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    Api api = smallLog.api(TENANT);
    String base = "/v1/sessions/" + id;
    open(vertx, smallLog, "?prefix=" + id, null).compose(first -> api.create(id, new JsonObject())
        .compose(r -> until(vertx, "the creation arrives", () -> first.events().size() == 1))
        .compose(v -> first.close())
        // Redis trims whole stream nodes (100 entries): 300 changes leave the first far behind.
        .compose(v -> touches(api, base, 300))
        .compose(v -> open(vertx, smallLog, "?prefix=" + id, first.lastEventId()))
        .compose(second -> until(vertx, "the log's last event arrives",
                () -> second.events().stream().anyMatch(f -> f.json().getLong("version") == 301))
            .compose(v -> second.close())
            .map(v -> second.frames())))
        .onComplete(ctx.succeeding(frames -> ctx.verify(() -> {
          assertEquals("events-lost", frames.get(0).event(), frames.get(0).toString());
          List<Long> versions = versions(frames.subList(1, frames.size()));
          assertTrue(versions.get(0) > 2, "the log no longer holds version 2: " + versions);
          assertTrue(versions.size() < 300, "the log keeps fewer than 300 events: " + versions.size());
          for (int i = 1; i < versions.size(); i++) {
            assertEquals(versions.get(i - 1) + 1, versions.get(i), "no gap after the marker");
          }
          ctx.completeNow();
        })));
  }

  private static Future<Void> touches(Api api, String base, int n) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < n; i++) {
      chain = chain.compose(v -> api.post(base + "/touch", new JsonObject()).map(r -> {
        assertEquals(200, r.statusCode(), r.bodyAsString());
        return null;
      }));
    }
    return chain;
  }

  @Test
  void theSweepersExpiry_isAnExpiredEvent_atTheLastVersion(Vertx vertx, VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    open(vertx, daemon, "?prefix=" + id, null).compose(sse -> api().create(id, new JsonObject().put("ttlSeconds", 1))
            .compose(r -> until(vertx, "the expiry arrives", () -> sse.events().size() == 2))
            .compose(v -> sse.close())
            .map(v -> sse.events()))
        .onComplete(ctx.succeeding(events -> ctx.verify(() -> {
          assertEquals("created,expired", types(events));
          assertEquals(List.of(1L, 1L), versions(events));
          ctx.completeNow();
        })));
  }

  @Test
  void anIdleStream_getsHeartbeats(Vertx vertx, VertxTestContext ctx) {
    open(vertx, daemon, "?prefix=" + TestDaemon.freshSession(), null)
        .compose(sse -> until(vertx, "three heartbeats arrive", () -> sse.comments() >= 4).compose(v -> sse.close()))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void badInput_isRefusedWith400_andNoKeyWith401(Vertx vertx, VertxTestContext ctx) {
    Api api = api();
    api.request(io.vertx.core.http.HttpMethod.GET, "/v1/events").putHeader("Last-Event-ID", "abc").send()
        .map(r -> assertProblem(r, 400).getString("detail").contains("event id"))
        .compose(ok -> api.request(io.vertx.core.http.HttpMethod.GET, "/v1/events")
            .putHeader("Last-Event-ID", "1-2-3").send())
        .map(r -> assertProblem(r, 400))
        .compose(ok -> api.get("/v1/events?lastEventId=1234567890123456-0"))
        .map(r -> assertProblem(r, 400))
        .compose(ok -> api.get("/v1/events?types=created,bogus"))
        .map(r -> {
          String detail = assertProblem(r, 400).getString("detail");
          assertTrue(detail.contains("bogus") && detail.contains("lease-acquired"), detail);
          return r;
        })
        .compose(ok -> api.get("/v1/events?prefix=a%20b"))
        .map(r -> assertProblem(r, 400))
        .compose(ok -> daemon.apiWithKey(null).get("/v1/events"))
        .map(r -> assertProblem(r, 401))
        .onComplete(ctx.succeedingThenComplete());
  }
}
