package io.sessiond.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.tenant.TenantLimits;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * With Redis unreachable the shared rate limit falls back to the instance's own bucket: the tenant
 * still gets its rate (not refused outright, which failing closed would do) and no more (not every
 * request, which failing open would do).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class SharedRateLimitOutageTest {
  private static final int RATE = 5;
  private static final int REQUESTS = 30;

  @Test
  void redisDown_limitsEachInstanceOnItsOwn(Vertx vertx, VertxTestContext tc) {
    TestRedis.Server server = TestRedis.privateServer();
    String tenant = TestDaemon.freshTenant();
    int[] counts = new int[3];
    long[] elapsedMs = new long[1];
    TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_URL", server.url())
        .set("REDIS_RECONNECT_MAX_BACKOFF_MS", 200).tenant(tenant, new TenantLimits(0, 0, RATE)).start(vertx)
        .compose(d -> {
          server.stop();
          long start = System.currentTimeMillis();
          return sequential(d, tenant, 0, counts).onComplete(x -> elapsedMs[0] = System.currentTimeMillis() - start)
              .eventually(d::stop);
        })
        .onComplete(ar -> {
          server.stop();
          tc.verify(() -> {
            assertTrue(ar.succeeded(), String.valueOf(ar.cause()));
            // The burst of RATE, plus what the bucket refilled while the requests ran.
            long refilled = (long) Math.ceil(elapsedMs[0] * RATE / 1000.0);
            assertTrue(counts[0] >= RATE && counts[0] <= RATE + refilled + 1,
                "allowed " + counts[0] + " in " + elapsedMs[0] + " ms");
            assertTrue(counts[1] > 0, "requests over the rate are refused");
            assertEquals(REQUESTS - counts[0], counts[1], "the others are 429");
            assertEquals(0, counts[2], "no other answer");
          });
          tc.completeNow();
        });
  }

  /** A path no route serves: after the rate limit it is a 404 that needs no store. */
  private static Future<Void> sequential(TestDaemon d, String tenant, int i, int[] counts) {
    if (i >= REQUESTS) {
      return Future.succeededFuture();
    }
    return d.api(tenant).get("/v1/rate-probe").compose(r -> {
      counts[r.statusCode() == 404 ? 0 : r.statusCode() == 429 ? 1 : 2]++;
      return sequential(d, tenant, i + 1, counts);
    });
  }
}
