package io.sessiond.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.store.EventIds;
import io.sessiond.testing.Api;
import io.sessiond.testing.Poll;
import io.sessiond.testing.SseClient;
import io.sessiond.testing.SseClient.Frame;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two replicas on one Redis, one of them restarted while a client of its event stream is away: the
 * client, resuming with its {@code Last-Event-ID}, receives every change made through either replica
 * exactly once, in order per session (each session's versions 1, 2, 3, … without a gap or a repeat),
 * with ids increasing through the whole stream.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class EventsAcrossReplicasTest {
  private static final long DEADLINE_MS = 30_000;
  private static final int SESSIONS = 3;
  private final String tenant = TestDaemon.freshTenant();
  private final String key = "test-" + UUID.randomUUID();
  private final String prefix = TestRedis.uniquePrefix();

  private TestDaemon.Builder replica() {
    TestDaemon.Builder b = TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_PREFIX", prefix)
        .set("EVENTS_POLL_MS", 20).tenantWithKeys(tenant, key);
    TestRedis.settings().forEach(b::set);
    return b;
  }

  @Test
  void aClientAwayDuringAReplicaRestart_resumes_withEveryChangeExactlyOnce_inOrderPerSession(Vertx vertx,
                                                                                            VertxTestContext ctx) {
    String ids = "r-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) {
      sessions.add(ids + i);
    }
    List<Frame> received = new ArrayList<>();
    TestDaemon[] a = new TestDaemon[1];
    TestDaemon[] b = new TestDaemon[1];
    replica().start(vertx).compose(d -> {
      a[0] = d;
      return replica().start(vertx);
    }).compose(d -> {
      b[0] = d;
      return SseClient.open(vertx, a[0].port(), key, "/v1/events?prefix=" + ids, null);
    }).compose(first -> {
      assertEquals(200, first.status());
      return create(a[0].api(tenant), b[0].api(tenant), sessions)
          .compose(v -> rounds(a[0].api(tenant), b[0].api(tenant), sessions, 5))
          .compose(v -> until(vertx, "the first client has every event so far",
              () -> first.events().size() == SESSIONS * 6))
          .compose(v -> first.close())
          .map(v -> {
            received.addAll(first.events());
            return first.lastEventId();
          });
    }).compose(last -> rounds(b[0].api(tenant), b[0].api(tenant), sessions, 3)
        // Replica A restarts: stopped (its streams end), changes go on through B, then a new A.
        .compose(v -> a[0].stop())
        .compose(v -> rounds(b[0].api(tenant), b[0].api(tenant), sessions, 3))
        .compose(v -> replica().start(vertx))
        .compose(d -> {
          a[0] = d;
          return rounds(a[0].api(tenant), b[0].api(tenant), sessions, 3);
        })
        .compose(v -> SseClient.open(vertx, a[0].port(), key, "/v1/events?prefix=" + ids, last))
        .compose(second -> rounds(a[0].api(tenant), b[0].api(tenant), sessions, 2)
            .compose(v -> until(vertx, "the resumed client has every event",
                () -> received.size() + second.events().size() >= SESSIONS * 17))
            .compose(v -> second.close())
            .map(v -> {
              received.addAll(second.events());
              return received;
            })))
        .eventually(() -> Future.join(a[0] == null ? Future.succeededFuture() : a[0].stop(),
            b[0] == null ? Future.succeededFuture() : b[0].stop()))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          assertEquals(SESSIONS * 17, all.size(), "every change once: " + all.size() + " events");
          Map<String, List<Long>> versions = new HashMap<>();
          Set<String> seen = new HashSet<>();
          for (int i = 0; i < all.size(); i++) {
            Frame f = all.get(i);
            assertTrue(seen.add(f.id()), "event " + f.id() + " came twice");
            if (i > 0) {
              assertTrue(EventIds.compare(all.get(i - 1).id(), f.id()) < 0, "ids increase: " + all.get(i - 1).id()
                  + " then " + f.id());
            }
            versions.computeIfAbsent(f.json().getString("sessionId"), s -> new ArrayList<>()).add(f.json().getLong("version"));
          }
          for (String s : sessions) {
            List<Long> expected = new ArrayList<>();
            for (long v = 1; v <= 17; v++) {
              expected.add(v);
            }
            assertEquals(expected, versions.get(s), "versions of " + s);
          }
          ctx.completeNow();
        })));
  }

  private static Future<Void> create(Api one, Api two, List<String> sessions) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < sessions.size(); i++) {
      Api api = i % 2 == 0 ? one : two;
      String id = sessions.get(i);
      chain = chain.compose(v -> api.create(id, new JsonObject()).mapEmpty());
    }
    return chain;
  }

  /** {@code n} rounds of one change to each session, alternating between the two replicas. */
  private static Future<Void> rounds(Api one, Api two, List<String> sessions, int n) {
    Future<Void> chain = Future.succeededFuture();
    for (int r = 0; r < n; r++) {
      for (int i = 0; i < sessions.size(); i++) {
        Api api = (r + i) % 2 == 0 ? one : two;
        String path = "/v1/sessions/" + sessions.get(i);
        int round = r;
        chain = chain.compose(v -> api.patch(path, new JsonObject().put("round", round)).map(resp -> {
          assertEquals(200, resp.statusCode(), resp.bodyAsString());
          return null;
        }));
      }
    }
    return chain;
  }

  private static Future<Void> until(Vertx vertx, String what, java.util.function.BooleanSupplier check) {
    return Poll.until(vertx, DEADLINE_MS, 20, what, () -> Future.succeededFuture(check.getAsBoolean()));
  }
}
