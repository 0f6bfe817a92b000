package io.sessiond.http;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.Poll;
import io.sessiond.testing.DaemonExtension;
import io.sessiond.testing.TestDaemon;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Time-to-live over HTTP, on a daemon that sweeps every 50 ms and whose default TTL is one second:
 * expired sessions are gone everywhere, activity keeps them alive, 0 never expires.
 */
@ExtendWith(VertxExtension.class)
class ExpiryApiTest {
  private static final long DEADLINE_MS = 5000;
  private static final long POLL_MS = 50;
  private static final String TENANT = TestDaemon.freshTenant();
  @RegisterExtension
  static final DaemonExtension daemon = DaemonExtension.of(TestDaemon.builder().tenant(TENANT)
      .set("EXPIRY_SWEEP_INTERVAL_MS", 50).set("SESSION_TTL_SECONDS", 1));

  private static Api api() {
    return daemon.api(TENANT);
  }

  /**
   * A session holding creds, a key and a message, without expiry yet: a loaded machine must not
   * expire it before the test has seen it live.
   */
  private static Future<HttpResponse<Buffer>> withContent(String id) {
    String base = "/v1/sessions/" + id;
    return api().create(id, new JsonObject().put("ttlSeconds", 0).put("creds", new JsonObject().put("c", 1)))
        .compose(r -> api().post(base + "/keys", new JsonObject().put("pre-key", new JsonObject().put("1", "k"))))
        .compose(r -> api().post(base + "/messages", new JsonObject().put("role", "user").put("content", "m")));
  }

  /** Gives the session a TTL of 1 s from now (a replace without creds keeps them). */
  private static Future<HttpResponse<Buffer>> expireInOneSecond(String id) {
    return api().put("/v1/sessions/" + id, new JsonObject().put("ttlSeconds", 1)).map(r -> {
      assertEquals(200, r.statusCode(), r.bodyAsString());
      return r;
    });
  }

  private static boolean listed(HttpResponse<Buffer> r, String id) {
    return r.bodyAsJsonObject().getJsonArray("sessions").stream().anyMatch(s -> id.equals(((JsonObject) s).getString("id")));
  }

  private static Future<HttpResponse<Buffer>> keyQuery(String id) {
    return api().post("/v1/sessions/" + id + "/keys/query", new JsonObject().put("type", "pre-key")
        .put("ids", new JsonArray().add("1")));
  }

  /** Each endpoint, with its own session, and what it answers while the session lives and once it is gone. */
  private static final Map<String, Function<String, Future<HttpResponse<Buffer>>>> READS = Map.of(
      "get", id -> api().get("/v1/sessions/" + id),
      "status", id -> api().get("/v1/sessions/" + id + "/status"),
      "creds", id -> api().get("/v1/sessions/" + id + "/creds"),
      "keys query", ExpiryApiTest::keyQuery,
      "messages", id -> api().get("/v1/sessions/" + id + "/messages"),
      "export", id -> api().get("/v1/sessions/" + id + "/export"),
      "list", id -> api().get("/v1/sessions?limit=1000"),
      "status of all", id -> api().get("/v1/sessions/status?limit=1000"));

  private static boolean present(String endpoint, String id, HttpResponse<Buffer> r) {
    if (endpoint.equals("list") || endpoint.equals("status of all")) {
      return listed(r, id);
    }
    return r.statusCode() == 200;
  }

  @Test
  void expiredSession_isGone_fromEveryEndpoint(Vertx vertx, VertxTestContext ctx) {
    List<Future<?>> all = new ArrayList<>();
    READS.forEach((endpoint, read) -> {
      String id = TestDaemon.freshSession();
      all.add(withContent(id)
          .compose(r -> read.apply(id))
          .compose(r -> {
            ctx.verify(() -> assertTrue(present(endpoint, id, r), endpoint + " shows the live session: " + r.bodyAsString()));
            return expireInOneSecond(id);
          })
          .compose(r -> Poll.until(vertx, DEADLINE_MS, POLL_MS, id + " is gone from " + endpoint,
              () -> read.apply(id).map(now -> !present(endpoint, id, now))))
          .compose(v -> read.apply(id))
          .map(r -> {
            ctx.verify(() -> {
              if (!endpoint.startsWith("list") && !endpoint.startsWith("status of")) {
                assertProblem(r, 404);
              }
            });
            return r;
          }));
    });
    Future.all(all).onComplete(ctx.succeeding(v -> ctx.completeNow()));
  }

  @Test
  void expiredSession_writesAre404_andAPutStartsAFreshOne(Vertx vertx, VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String base = "/v1/sessions/" + id;
    withContent(id)
        .compose(r -> expireInOneSecond(id))
        .compose(r -> Poll.until(vertx, DEADLINE_MS, POLL_MS, id + " expires",
            () -> api().get(base + "/status").map(s -> s.statusCode() == 404)))
        .compose(v -> Future.all(List.of(
            api().post(base + "/touch", new JsonObject()),
            api().patch(base, new JsonObject().put("a", 1)),
            api().post(base + "/keys", new JsonObject().put("pre-key", new JsonObject().put("2", "k"))),
            api().post(base + "/messages", new JsonObject().put("role", "user").put("content", "late")),
            api().post(base + "/state", new JsonObject().put("state", "registering")))))
        .compose(writes -> {
          ctx.verify(() -> {
            for (int i = 0; i < writes.size(); i++) {
              HttpResponse<Buffer> r = writes.resultAt(i);
              assertProblem(r, 404);
            }
          });
          return api().put(base, new JsonObject().put("ttlSeconds", 0));
        })
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(201, r.statusCode(), r.bodyAsString());
            assertEquals(1, r.bodyAsJsonObject().getLong("version"));
            assertEquals(false, r.bodyAsJsonObject().getBoolean("hasCreds"));
          });
          return api().get(base + "/status");
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(new JsonObject(), r.bodyAsJsonObject().getJsonObject("keyCounts"), "the old keys died with it");
          assertEquals(0, r.bodyAsJsonObject().getInteger("messageCount"));
          ctx.completeNow();
        })));
  }

  @Test
  void sessionTouchedEvery300ms_staysAlivePastItsTtl(Vertx vertx, VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String base = "/v1/sessions/" + id;
    api().create(id, new JsonObject().put("ttlSeconds", 1))
        .compose(created -> touchEvery(vertx, base, 300, 6)
            .compose(v -> api().get(base))
            .map(r -> {
              ctx.verify(() -> {
                assertEquals(200, r.statusCode(), "alive after being touched for 1.8 s with a 1 s TTL");
                Instant createdAt = Instant.parse(created.bodyAsJsonObject().getString("createdAt"));
                assertTrue(Duration.between(createdAt, Instant.now()).toMillis() > 1500);
                assertEquals(7, r.bodyAsJsonObject().getLong("version"));
              });
              return r;
            }))
        .compose(r -> Poll.until(vertx, DEADLINE_MS, POLL_MS, id + " expires once left alone",
            () -> api().get(base).map(s -> s.statusCode() == 404)))
        .onComplete(ctx.succeeding(v -> ctx.completeNow()));
  }

  /** Touches {@code times} times, {@code everyMs} apart; fails at the first touch that is not a 200. */
  private static Future<Void> touchEvery(Vertx vertx, String base, long everyMs, int times) {
    Promise<Void> done = Promise.promise();
    int[] count = {0};
    vertx.setPeriodic(everyMs, timer -> api().post(base + "/touch", new JsonObject()).onComplete(ar -> {
      if (done.future().isComplete()) {
        return;
      }
      if (ar.failed() || ar.result().statusCode() != 200) {
        vertx.cancelTimer(timer);
        done.tryFail(new AssertionError("touch " + count[0] + " failed: "
            + (ar.failed() ? ar.cause() : ar.result().statusCode() + " " + ar.result().bodyAsString())));
      } else if (++count[0] == times) {
        vertx.cancelTimer(timer);
        done.tryComplete();
      }
    }));
    return done.future();
  }

  @Test
  void ttlZero_neverExpires(Vertx vertx, VertxTestContext ctx) {
    String forever = TestDaemon.freshSession();
    String control = TestDaemon.freshSession();
    api().create(forever, new JsonObject().put("ttlSeconds", 0))
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(0, r.bodyAsJsonObject().getLong("ttlSeconds"));
            assertNull(r.bodyAsJsonObject().getValue("expiresAt"));
          });
          return api().create(control, new JsonObject().put("ttlSeconds", 1));
        })
        .compose(r -> Poll.until(vertx, DEADLINE_MS, POLL_MS, "the 1 s control session expires",
            () -> api().get("/v1/sessions/" + control).map(s -> s.statusCode() == 404)))
        .compose(v -> api().get("/v1/sessions/" + forever + "/status"))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(200, r.statusCode(), r.bodyAsString());
          assertNull(r.bodyAsJsonObject().getValue("expiresAt"));
          assertEquals(0, r.bodyAsJsonObject().getLong("ttlSeconds"));
          ctx.completeNow();
        })));
  }

  @Test
  void defaultTtl_appliesWhenPutHasNone_andAReplaceWithoutOneKeepsTheSessionsTtl(Vertx vertx, VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String kept = TestDaemon.freshSession();
    api().create(id, new JsonObject())
        .compose(r -> {
          ctx.verify(() -> {
            JsonObject s = r.bodyAsJsonObject();
            assertEquals(1, s.getLong("ttlSeconds"), "SESSION_TTL_SECONDS applies");
            assertEquals(Instant.parse(s.getString("lastActivityAt")).plusSeconds(1), Instant.parse(s.getString("expiresAt")));
          });
          return api().create(kept, new JsonObject().put("ttlSeconds", 600));
        })
        .compose(r -> api().put("/v1/sessions/" + kept, new JsonObject().put("data", new JsonObject().put("x", 1))))
        .compose(r -> {
          ctx.verify(() -> assertEquals(600, r.bodyAsJsonObject().getLong("ttlSeconds"), "a replace keeps the TTL"));
          return Poll.until(vertx, DEADLINE_MS, POLL_MS, id + " expires after the default TTL",
              () -> api().get("/v1/sessions/" + id).map(s -> s.statusCode() == 404));
        })
        .compose(v -> api().get("/v1/sessions/" + kept))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(200, r.statusCode());
          ctx.completeNow();
        })));
  }
}
