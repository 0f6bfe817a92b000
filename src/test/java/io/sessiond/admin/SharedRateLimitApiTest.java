package io.sessiond.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.DaemonExtension;
import io.sessiond.testing.Poll;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * A tenant's requestsPerSecond holds across two replicas: clients hammering both replicas at once get,
 * together, the tenant's rate (within 10 %) once the first second's burst is spent, not twice it; the
 * requests over the limit are 429 problems with Retry-After; a request with a body that waits for the
 * first batch of tokens is served whole.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class SharedRateLimitApiTest {
  private static final String ADMIN_KEY = "admin-" + UUID.randomUUID();
  private static final String PREFIX = TestRedis.uniquePrefix();
  private static final long RATE = 40;
  private static final long RUN_MS = 6_000;
  /** The first second is left out: the bucket starts full (one second's burst). */
  private static final long WARMUP_MS = 1_000;
  private static final int CLIENTS_PER_REPLICA = 8;
  @RegisterExtension
  static final DaemonExtension first = DaemonExtension.of(replica());
  @RegisterExtension
  static final DaemonExtension second = DaemonExtension.of(replica());

  private static TestDaemon.Builder replica() {
    TestDaemon.Builder b = TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_PREFIX", PREFIX)
        .set("ADMIN_API_KEY", ADMIN_KEY);
    TestRedis.settings().forEach(b::set);
    return b;
  }

  @Test
  void twoReplicasTogether_allowTheTenantsRate_withinTenPercent(Vertx vertx, VertxTestContext tc) {
    String tenant = TestDaemon.freshTenant();
    Api admin = first.apiWithKey(ADMIN_KEY);
    admin.post("/v1/admin/tenants", new JsonObject().put("id", tenant).put("limits", new JsonObject().put("requestsPerSecond", RATE)))
        .compose(r -> admin.post("/v1/admin/tenants/" + tenant + "/keys", new JsonObject()))
        .map(r -> r.bodyAsJsonObject().getString("key"))
        .compose(key -> Poll.until(vertx, 5_000, 20, "both replicas know the key",
                () -> second.apiWithKey(key).get("/v1/sessions?limit=1").map(r -> r.statusCode() == 200))
            // The tenant's first request on the first replica waits for its first batch of tokens: a
            // body sent meanwhile must still reach the body handler.
            .compose(v -> first.apiWithKey(key).put("/v1/sessions/first", new JsonObject().put("data", new JsonObject().put("a", 1))))
            .compose(r -> r.statusCode() == 201 ? Future.succeededFuture()
                : Future.failedFuture(new AssertionError("a body sent while the first batch was fetched: " + r.statusCode()
                    + " " + r.bodyAsString())))
            // Let the bucket fill again after the checks, so every run starts from the same state.
            .compose(v -> vertx.timer(1_100))
            .compose(v -> load(vertx, key)))
        .onComplete(tc.succeeding(counts -> tc.verify(() -> {
          double seconds = (RUN_MS - WARMUP_MS) / 1000.0;
          double combined = (counts[0] + counts[1]) / seconds;
          LoggerFactory.getLogger(SharedRateLimitApiTest.class).info(
              "Shared rate limit {}/s over two replicas: {} + {} allowed in {} s after the first second = {}/s combined; "
                  + "{} refused with 429 in the whole run", RATE, counts[0], counts[1], seconds,
              String.format("%.1f", combined), counts[2]);
          assertTrue(Math.abs(combined - RATE) <= RATE * 0.10, "combined rate " + combined + " for a limit of " + RATE);
          assertTrue(counts[0] > 0 && counts[1] > 0, "both replicas served some");
          assertTrue(counts[2] > 0, "requests over the limit were refused");
          assertEquals(0, counts[3], "answers other than 404 and 429");
          tc.completeNow();
        })));
  }

  /** Clients on both replicas for RUN_MS: {allowed (404) on the first after warm-up, on the second, 429s, others}. */
  private static Future<long[]> load(Vertx vertx, String key) {
    long start = System.currentTimeMillis();
    long[] counts = new long[4];
    List<Future<Void>> clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS_PER_REPLICA; i++) {
      clients.add(client(first.apiWithKey(key), start, counts, 0));
      clients.add(client(second.apiWithKey(key), start, counts, 1));
    }
    return Future.all(clients).map(counts);
  }

  private static Future<Void> client(Api api, long start, long[] counts, int replica) {
    Promise<Void> done = Promise.promise();
    next(api, start, counts, replica, done);
    return done.future();
  }

  private static void next(Api api, long start, long[] counts, int replica, Promise<Void> done) {
    if (System.currentTimeMillis() - start >= RUN_MS) {
      done.complete();
      return;
    }
    // A path no route serves: authentication and the rate limit run first, then it is a 404 without
    // any store work, so the clients (not the store, on a loaded test machine) set the pace.
    api.get("/v1/rate-probe").onComplete(ar -> {
      long at = System.currentTimeMillis() - start;
      synchronized (counts) {
        if (ar.failed()) {
          counts[3]++;
        } else if (ar.result().statusCode() == 404) {
          if (at >= WARMUP_MS && at < RUN_MS) {
            counts[replica]++;
          }
        } else if (ar.result().statusCode() == 429 && "1".equals(ar.result().getHeader("Retry-After"))) {
          counts[2]++;
        } else {
          counts[3]++;
        }
      }
      next(api, start, counts, replica, done);
    });
  }
}
