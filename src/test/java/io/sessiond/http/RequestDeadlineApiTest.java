package io.sessiond.http;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every request has a deadline: with Redis paused (commands neither answered nor refused) and a
 * Redis command timeout far longer than the request timeout, a request still answers 503 with a
 * problem once {@code REQUEST_TIMEOUT_MS} has passed, long before Redis answers; and the daemon
 * answers normally again once Redis does.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class RequestDeadlineApiTest {
  private static final long PAUSE_MS = 4_000;

  @Test
  void requestToAStoreThatDoesNotAnswer_gets503_atItsDeadline(Vertx vertx, VertxTestContext ctx) {
    TestRedis.Server redis = TestRedis.privateServer();
    String tenant = TestDaemon.freshTenant();
    String id = TestDaemon.freshSession();
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    AtomicLong sent = new AtomicLong();
    TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_URL", redis.url())
        .set("REDIS_PREFIX", TestRedis.uniquePrefix()).set("REDIS_TIMEOUT_MS", 30_000).set("REQUEST_TIMEOUT_MS", 300)
        .tenant(tenant).start(vertx)
        .compose(d -> {
          daemon.set(d);
          return d.api(tenant).create(id, new JsonObject());
        })
        .compose(r -> vertx.executeBlocking(() -> redis.command("CLIENT PAUSE " + PAUSE_MS + " ALL")))
        .compose(paused -> {
          ctx.verify(() -> assertEquals("+OK", paused));
          sent.set(System.nanoTime());
          return daemon.get().api(tenant).get("/v1/sessions/" + id);
        })
        .compose(r -> {
          long tookMs = (System.nanoTime() - sent.get()) / 1_000_000;
          ctx.verify(() -> {
            JsonObject p = assertProblem(r, 503);
            assertTrue(p.getString("detail").contains("REQUEST_TIMEOUT_MS"), p.encode());
            assertEquals("1", r.getHeader("Retry-After"));
            // Answered by the deadline, not by Redis coming back.
            assertTrue(tookMs < PAUSE_MS - 1_000, "answered after " + tookMs + " ms");
          });
          return io.sessiond.testing.Poll.until(vertx, 15_000, 100, "the session answers again once Redis does",
              () -> daemon.get().api(tenant).get("/v1/sessions/" + id).map(g -> g.statusCode() == 200));
        })
        .eventually(() -> daemon.get() == null ? Future.succeededFuture() : daemon.get().stop())
        .onComplete(ctx.succeeding(v -> {
          redis.stop();
          ctx.completeNow();
        }));
  }
}
