package io.sessiond.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Poll;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * On Redis, a webhook whose consumer group fell behind the stream's trimming (no replica delivered while
 * the tenant made more changes than EVENTS_MAX_LEN) is sent events-lost before the events that are left.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class WebhookEventsLostTest {
  private final String tenant = TestDaemon.freshTenant();
  private final String key = "test-" + UUID.randomUUID();
  private final String prefix = TestRedis.uniquePrefix();

  private TestDaemon.Builder replica(boolean webhooks) {
    TestDaemon.Builder d = TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_PREFIX", prefix)
        .set("WEBHOOKS_ENABLED", webhooks).set("EVENTS_MAX_LEN", 10).set("WEBHOOKS_POLL_MS", 20)
        .set("WEBHOOKS_ALLOW_PRIVATE", true).tenantWithKeys(tenant, key);
    TestRedis.settings().forEach(d::set);
    return d;
  }

  @Test
  void eventsTrimmedBeforeDelivery_areAnnouncedByEventsLost(Vertx vertx, VertxTestContext ctx) {
    List<JsonObject> received = new ArrayList<>();
    HttpServer[] receiver = new HttpServer[1];
    TestDaemon[] d = new TestDaemon[1];
    String id = "lost-" + UUID.randomUUID();
    vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      synchronized (received) {
        received.add(b.toJsonObject().put("_type", req.getHeader("Sessiond-Event-Type")));
      }
      req.response().setStatusCode(204).end();
    })).listen(0, "127.0.0.1")
        .compose(s -> {
          receiver[0] = s;
          return replica(true).start(vertx);
        })
        .compose(a -> a.api(tenant).post("/v1/webhooks", new JsonObject()
                .put("url", "http://127.0.0.1:" + receiver[0].actualPort() + "/in"))
            .map(r -> {
              assertEquals(201, r.statusCode(), r.bodyAsString());
              return a;
            }))
        // Nobody delivers while the tenant makes far more changes than the log keeps (trimmed in nodes of ~100).
        .compose(TestDaemon::stop)
        .compose(v -> replica(false).start(vertx))
        .compose(writer -> {
          Future<Void> chain = writer.api(tenant).create(id, new JsonObject()).mapEmpty();
          for (int i = 0; i < 250; i++) {
            int n = i;
            chain = chain.compose(v -> writer.api(tenant).patch("/v1/sessions/" + id, new JsonObject().put("n", n))
                .map(r -> {
                  assertEquals(200, r.statusCode(), r.bodyAsString());
                  return null;
                }));
          }
          return chain.compose(v -> writer.stop());
        })
        .compose(v -> replica(true).start(vertx))
        .compose(a -> {
          d[0] = a;
          return Poll.until(vertx, 30_000, 20, "events-lost and the events left arrive", () -> {
            synchronized (received) {
              return Future.succeededFuture(received.stream().anyMatch(e -> "events-lost".equals(e.getString("_type")))
                  && received.stream().anyMatch(e -> e.getLong("version", 0L) == 251));
            }
          });
        })
        .eventually(() -> Future.join(d[0] == null ? Future.succeededFuture() : d[0].stop(), receiver[0].close()))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          synchronized (received) {
            JsonObject lost = received.stream().filter(e -> "events-lost".equals(e.getString("_type"))).findFirst()
                .orElseThrow();
            assertEquals("events-lost", lost.getString("type"));
            assertTrue(lost.getString("requestedId").matches("\\d+-\\d+"), lost.encode());
            assertEquals(1, received.stream().filter(e -> "events-lost".equals(e.getString("_type"))).count(),
                "announced once");
            assertTrue(received.size() < 252, "the trimmed events were not delivered: " + received.size());
          }
          ctx.completeNow();
        })));
  }
}
