package io.sessiond.metrics;

import io.sessiond.testing.Api;
import io.sessiond.testing.Poll;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The tenant gauges on the Redis and the memory store, with a status budget of 2 per refresh (1 per
 * tenant) every 500 ms: the session count is exact every refresh however far the bounded walk is
 * behind (40 sessions would take that walk 40 refreshes, 20 s), and after writes, a deletion and
 * expiries all three gauges settle on the exact counts.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class TenantGaugesApiTest {
  private static final long INTERVAL_MS = 500;

  private static TestDaemon.Builder daemon(String store, String big, String small) {
    TestDaemon.Builder b = TestDaemon.builder().set("TENANT_METRICS_INTERVAL_MS", INTERVAL_MS)
        .set("TENANT_METRICS_BUDGET", 2).set("EXPIRY_SWEEP_INTERVAL_MS", 100).tenant(big).tenant(small);
    if (store.equals("redis")) {
      b.set("SESSION_STORE", "redis").set("REDIS_PREFIX", TestRedis.uniquePrefix())
          .set("REDIS_TIMEOUT_MS", 15_000).set("REDIS_CONNECT_TIMEOUT_MS", 15_000);
      TestRedis.settings().forEach(b::set);
    } else {
      b.set("SESSION_STORE", "memory");
    }
    return b;
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis", "memory"})
  void gauges_showTheExactCounts_afterWritesDeletionsAndExpiries(String store, Vertx vertx, VertxTestContext ctx) {
    String big = TestDaemon.freshTenant();
    String small = TestDaemon.freshTenant();
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    daemon(store, big, small).start(vertx).compose(d -> {
      daemon.set(d);
      Api bigApi = d.api(big);
      Api api = d.api(small);
      List<Future<?>> creates = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        creates.add(bigApi.create("b-" + i, new JsonObject()).compose(r -> expect(r.statusCode(), 201)));
      }
      return Future.all(creates)
          // The count comes from the store's index, not from the walk: exact long before the walk could be.
          .compose(v -> gauge(vertx, d, "sessiond_sessions", big, 40, 8 * INTERVAL_MS + 4_000))
          .compose(v -> smallTenant(api))
          .compose(v -> gauge(vertx, d, "sessiond_sessions", small, 8, 30_000))
          .compose(v -> gauge(vertx, d, "sessiond_sessions_connected", small, 3, 30_000))
          .compose(v -> gauge(vertx, d, "sessiond_keys", small, 2 * 5 + 3, 30_000))
          // A deletion and four expiries (ttl 1 s): 8 - 1 - 4 sessions; the deleted one was connected.
          .compose(v -> api.delete("/v1/sessions/s-0")).compose(r -> expect(r.statusCode(), 204))
          .compose(v -> gauge(vertx, d, "sessiond_sessions", small, 3, 30_000))
          .compose(v -> gauge(vertx, d, "sessiond_sessions_connected", small, 2, 30_000))
          .compose(v -> gauge(vertx, d, "sessiond_keys", small, 5 + 3, 30_000))
          .compose(v -> gauge(vertx, d, "sessiond_sessions", big, 40, 30_000));
    }).eventually(() -> daemon.get() == null ? Future.succeededFuture() : daemon.get().stop())
        .onComplete(ctx.succeedingThenComplete());
  }

  /**
   * Eight sessions: s-0..s-3 live for an hour, s-0..s-2 connected, s-0 and s-1 with five keys each,
   * s-2 with three; e-0..e-3 expire after a second.
   */
  private static Future<Void> smallTenant(Api api) {
    List<Future<?>> all = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String id = "s-" + i;
      int keys = i < 2 ? 5 : i == 2 ? 3 : 0;
      boolean connected = i < 3;
      all.add(api.create(id, new JsonObject().put("ttlSeconds", 3600)).compose(r -> expect(r.statusCode(), 201))
          .compose(v -> connected ? connect(api, id) : Future.succeededFuture())
          .compose(v -> keys == 0 ? Future.succeededFuture() : writeKeys(api, id, keys)));
      all.add(api.create("e-" + i, new JsonObject().put("ttlSeconds", 1)).compose(r -> expect(r.statusCode(), 201)));
    }
    return Future.all(all).mapEmpty();
  }

  private static Future<Void> connect(Api api, String id) {
    Future<Void> chain = Future.succeededFuture();
    for (String state : List.of("registering", "registered", "connected")) {
      chain = chain.compose(v -> api.post("/v1/sessions/" + id + "/state", new JsonObject().put("state", state)))
          .compose(r -> expect(r.statusCode(), 200));
    }
    return chain;
  }

  private static Future<Void> writeKeys(Api api, String id, int n) {
    JsonObject values = new JsonObject();
    for (int k = 0; k < n; k++) {
      values.put("k" + k, new JsonObject().put("v", k));
    }
    return api.post("/v1/sessions/" + id + "/keys", new JsonObject().put("pre-key", values))
        .compose(r -> r.statusCode() / 100 == 2 ? Future.succeededFuture()
            : Future.failedFuture("key batch answered " + r.statusCode() + ": " + r.bodyAsString()));
  }

  private static Future<Void> expect(int status, int wanted) {
    return status == wanted ? Future.succeededFuture() : Future.failedFuture("expected " + wanted + ", got " + status);
  }

  /** Polls /metrics until the tenant's gauge shows {@code value}; fails with the last value seen. */
  private static Future<Void> gauge(Vertx vertx, TestDaemon d, String name, String tenant, long value, long timeoutMs) {
    AtomicReference<String> seen = new AtomicReference<>("none");
    Pattern p = Pattern.compile("(?m)^" + name + "\\{tenant=\"" + Pattern.quote(tenant) + "\"} ([0-9.E]+)$");
    return Poll.until(vertx, timeoutMs, 50, name + " of " + tenant + " = " + value, () -> d.client().get("/metrics").send()
        .map(r -> {
          Matcher m = p.matcher(r.bodyAsString());
          if (!m.find()) {
            return false;
          }
          seen.set(m.group(1));
          return (long) Double.parseDouble(m.group(1)) == value;
        })).recover(e -> Future.failedFuture(new AssertionError(name + " of " + tenant + ": expected " + value
            + ", last seen " + seen.get(), e)));
  }
}
