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
 * An event taken by replicas that then stop is not lost: the replica that took it fails its first
 * attempt and waits a long backoff; both replicas stop; a new one claims the pending event once it has
 * been idle for WEBHOOKS_CLAIM_IDLE_MS and delivers it.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class WebhookTakeoverTest {
  private final String tenant = TestDaemon.freshTenant();
  private final String key = "test-" + UUID.randomUUID();
  private final String prefix = TestRedis.uniquePrefix();

  private TestDaemon.Builder replica() {
    TestDaemon.Builder d = TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_PREFIX", prefix)
        .set("WEBHOOKS_POLL_MS", 20).set("WEBHOOKS_BACKOFF_MS", 600_000).set("WEBHOOKS_CLAIM_IDLE_MS", 500)
        .set("WEBHOOKS_ALLOW_PRIVATE", true)
        .tenantWithKeys(tenant, key);
    TestRedis.settings().forEach(d::set);
    return d;
  }

  @Test
  void anEventTheStoppedReplicasHeld_isDeliveredByAnother(Vertx vertx, VertxTestContext ctx) {
    List<String> statuses = new ArrayList<>();
    List<String> eventIds = new ArrayList<>();
    String id = "takeover-" + UUID.randomUUID();
    TestDaemon[] d = new TestDaemon[3];
    HttpServer[] receiver = new HttpServer[1];
    vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      int status;
      synchronized (statuses) {
        status = statuses.isEmpty() ? 500 : 200;
        statuses.add(status + "#" + req.getHeader("Sessiond-Delivery-Attempt"));
        eventIds.add(req.getHeader("Sessiond-Event-Id"));
      }
      req.response().setStatusCode(status).end();
    })).listen(0, "127.0.0.1")
        .compose(s -> {
          receiver[0] = s;
          return replica().start(vertx);
        })
        .compose(a -> {
          d[0] = a;
          return replica().start(vertx);
        })
        .compose(b -> {
          d[1] = b;
          return d[0].api(tenant).post("/v1/webhooks", new JsonObject()
              .put("url", "http://127.0.0.1:" + receiver[0].actualPort() + "/in"));
        })
        .compose(r -> {
          assertEquals(201, r.statusCode(), r.bodyAsString());
          return d[1].api(tenant).create(id, new JsonObject());
        })
        .compose(r -> Poll.until(vertx, 30_000, 20, "the first attempt fails",
            () -> Future.succeededFuture(count(statuses) == 1)))
        // The replica that took the event now waits ten minutes to retry: stop both.
        .compose(v -> Future.join(d[0].stop(), d[1].stop()))
        .compose(v -> {
          d[0] = null;
          d[1] = null;
          assertEquals(1, count(statuses), "nothing delivered it meanwhile");
          return replica().start(vertx);
        })
        .compose(c -> {
          d[2] = c;
          return Poll.until(vertx, 30_000, 20, "another replica delivers it",
              () -> Future.succeededFuture(count(statuses) >= 2));
        })
        .eventually(() -> Future.join(d[2] == null ? Future.succeededFuture() : d[2].stop(),
            receiver[0] == null ? Future.succeededFuture() : receiver[0].close()))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          synchronized (statuses) {
            assertEquals(List.of("500#1", "200#1"), statuses, "failed once, then claimed and delivered (attempts restart)");
            assertEquals(1, eventIds.stream().distinct().count(), "the same event: " + eventIds);
            assertTrue(eventIds.get(0).matches("\\d+-\\d+"), eventIds.get(0));
          }
          ctx.completeNow();
        })));
  }

  private static int count(List<String> statuses) {
    synchronized (statuses) {
      return statuses.size();
    }
  }
}
