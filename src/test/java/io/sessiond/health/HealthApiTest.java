package io.sessiond.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.sessiond.testing.Poll;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Liveness and readiness over HTTP: with Redis gone, readiness answers 503 naming the store check
 * (liveness stays 200), the change is published once on the event bus, and readiness comes back by
 * itself with Redis.
 */
@ExtendWith(VertxExtension.class)
class HealthApiTest {

  @Test
  void redisDown_readinessIs503NamingTheStore_livenessStays200_andItRecovers(Vertx vertx, VertxTestContext ctx) {
    TestRedis.Server redis = TestRedis.privateServer();
    String tenant = TestDaemon.freshTenant();
    List<HealthReport> published = new ArrayList<>();
    TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_URL", redis.url()).set("HEALTH_INTERVAL_MS", 100)
        .set("REDIS_RECONNECT_MAX_BACKOFF_MS", 200).tenant(tenant).start(vertx).compose(d -> {
          d.vertx().eventBus().<HealthReport>consumer(HealthAddresses.CHANGED, m -> {
            synchronized (published) {
              published.add(m.body());
            }
          });
          return ready(vertx, d, 5000).compose(v -> {
            redis.stop();
            return Poll.until(vertx, 10_000, 50, "readiness answers 503", () -> d.client().get("/health/ready").send()
                .map(r -> r.statusCode() == 503 && storeCheck(r.bodyAsJsonObject()).getString("status").equals("DOWN")));
          }).compose(v -> d.client().get("/health/ready").send()).compose(r -> {
            ctx.verify(() -> {
              JsonObject body = r.bodyAsJsonObject();
              assertEquals("DOWN", body.getString("status"));
              assertFalse(body.getBoolean("draining"));
              assertNotNull(storeCheck(body).getString("detail"), body.encode());
            });
            return d.client().get("/health/live").send();
          }).compose(live -> {
            ctx.verify(() -> assertEquals(200, live.statusCode()));
            redis.start();
            return ready(vertx, d, 10_000);
          }).eventually(d::stop);
        }).onComplete(ar -> {
          redis.stop();
          ctx.verify(() -> {
            if (ar.failed()) {
              throw new AssertionError(ar.cause());
            }
            synchronized (published) {
              // Down first, up again later, then (possibly delivered before the instance closed) draining at
              // stop. An event is published whenever readiness, draining or any one check changes, so while
              // Redis shuts down or comes back the store and request-store checks may move one after the
              // other: what must hold is one event per change, never a repeat of the same state.
              List<String> states = published.stream().map(HealthApiTest::state).toList();
              assertTrue(published.size() >= 2, "events: " + states);
              assertFalse(published.get(0).ready(), "the first event is the outage: " + states);
              assertTrue(published.subList(1, published.size()).stream().anyMatch(HealthReport::ready),
                  "recovered: " + states);
              for (int i = 1; i < states.size(); i++) {
                assertNotEquals(states.get(i - 1), states.get(i), "one event per change: " + states);
              }
            }
          });
          ctx.completeNow();
        });
  }

  private static Future<Void> ready(Vertx vertx, TestDaemon d, long timeoutMs) {
    return Poll.until(vertx, timeoutMs, 50, "readiness answers 200", () -> d.client().get("/health/ready").send()
        .map(r -> r.statusCode() == 200));
  }

  /** What an event announces: readiness, draining and which checks are up. */
  private static String state(HealthReport report) {
    return "ready=" + report.ready() + " draining=" + report.draining() + " up=" + report.checks().stream()
        .map(c -> c.id() + ":" + c.up()).sorted().toList();
  }

  private static JsonObject storeCheck(JsonObject report) {
    return report.getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("id").equals("store")).findFirst().orElseThrow();
  }
}
