package io.sessiond.admin;

import io.sessiond.config.RedisConfig;
import io.sessiond.tenant.RateLimiter;
import io.sessiond.tenant.RequestRate;
import io.sessiond.tenant.TenantSpec;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tenant's {@code requestsPerSecond} enforced across all replicas: one token bucket per tenant in
 * Redis ({@code <prefix>{rate:<tenant>}}, refilled by Redis's clock in {@code lua/admin/rate_take.lua}),
 * from which each instance takes tokens a small batch at a time (a twentieth of the rate, 1 to 50), so
 * most requests spend a token held locally and cost no Redis call. A batch is fetched ahead when half
 * is spent; tokens an instance holds expire after a second, so none are hoarded. Requests that arrive
 * while a batch is being fetched wait for it (at most {@link #MAX_WAITING} per tenant).
 *
 * <p>When Redis cannot be reached the limiter falls back, for a second at a time, to the per-instance
 * bucket: each replica then allows the tenant's full rate (N replicas allow N times the rate at most),
 * rather than refusing every request (fail closed would take the API down with Redis) or allowing
 * any rate (fail open would let one tenant flood the store while it recovers).
 */
public final class SharedRateLimiter implements RequestRate {
  private static final Logger LOG = LoggerFactory.getLogger(SharedRateLimiter.class);
  static final AdminRedis.Script TAKE = AdminRedis.Script.named("rate_take");
  static final int MAX_WAITING = 1000;
  private static final long HOLD_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long FALLBACK_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final AdminRedis redis;
  private final RateLimiter fallback = new RateLimiter();
  private final ConcurrentHashMap<String, Allowance> allowances = new ConcurrentHashMap<>();
  private volatile long fallbackUntil;

  public SharedRateLimiter(Vertx vertx, RedisConfig config) {
    this.redis = new AdminRedis(vertx, config);
  }

  /** Tokens taken from Redis per call for a tenant of this rate. */
  static int batch(long rate) {
    return (int) Math.max(1, Math.min(50, rate / 20));
  }

  @Override
  public Future<Boolean> acquire(TenantSpec tenant) {
    long rate = tenant.limits().requestsPerSecond();
    if (rate <= 0) {
      return ALLOWED;
    }
    long now = System.nanoTime();
    if (now - fallbackUntil < 0) {
      return fallback.tryAcquire(tenant, now) ? ALLOWED : REFUSED;
    }
    Allowance a = allowances.computeIfAbsent(tenant.id(), id -> new Allowance());
    Promise<Boolean> waiting;
    boolean fetch;
    synchronized (a) {
      a.spec = tenant;
      if (a.rate != rate) {
        a.rate = rate;
        a.tokens = 0;
      }
      if (a.tokens > 0 && now - a.expires < 0) {
        a.tokens--;
        if (a.tokens <= batch(rate) / 2 && !a.fetching) {
          a.fetching = true;
          fetch(tenant.id(), a, rate);
        }
        return ALLOWED;
      }
      if (a.waiting.size() >= MAX_WAITING) {
        return REFUSED;
      }
      ContextInternal ctx = (ContextInternal) Vertx.currentContext();
      waiting = ctx == null ? Promise.promise() : ctx.promise();
      a.waiting.add(waiting);
      fetch = !a.fetching;
      a.fetching = true;
    }
    if (fetch) {
      fetch(tenant.id(), a, rate);
    }
    return waiting.future();
  }

  private void fetch(String tenant, Allowance a, long rate) {
    int want;
    synchronized (a) {
      want = Math.min(batch(rate) + a.waiting.size(), (int) Math.min(rate, Integer.MAX_VALUE));
    }
    redis.eval(TAKE, redis.rate(tenant), List.of(Long.toString(rate), Long.toString(rate), Integer.toString(Math.max(1, want))))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            granted(a, ar.result().toInteger());
          } else {
            outage(tenant, a, ar.cause());
          }
        });
  }

  /** Gives new tokens to the waiting requests first; those left waiting when the bucket is empty are refused. */
  private void granted(Allowance a, int granted) {
    ArrayDeque<Promise<Boolean>> allowed = new ArrayDeque<>();
    ArrayDeque<Promise<Boolean>> refused = new ArrayDeque<>();
    synchronized (a) {
      long now = System.nanoTime();
      a.tokens = (now - a.expires < 0 ? a.tokens : 0) + granted;
      a.expires = now + HOLD_NANOS;
      while (a.tokens > 0 && !a.waiting.isEmpty()) {
        a.tokens--;
        allowed.add(a.waiting.poll());
      }
      refused.addAll(a.waiting);
      a.waiting.clear();
      a.fetching = false;
    }
    allowed.forEach(p -> p.complete(true));
    refused.forEach(p -> p.complete(false));
  }

  private void outage(String tenant, Allowance a, Throwable cause) {
    if (System.nanoTime() - fallbackUntil >= 0) {
      LOG.warn("The shared rate limit cannot reach Redis ({}); each instance limits tenants on its own until it can",
          cause.getMessage());
    }
    fallbackUntil = System.nanoTime() + FALLBACK_NANOS;
    ArrayDeque<Promise<Boolean>> waiting;
    TenantSpec spec;
    synchronized (a) {
      waiting = new ArrayDeque<>(a.waiting);
      a.waiting.clear();
      a.fetching = false;
      spec = a.spec;
    }
    // The requests that waited are judged by the per-instance bucket as well.
    waiting.forEach(p -> p.complete(fallback.tryAcquire(spec, System.nanoTime())));
  }

  @Override
  public Future<Void> close() {
    return redis.close();
  }

  /** The tokens this instance holds for one tenant, and the requests waiting for more. */
  private static final class Allowance {
    TenantSpec spec;
    long rate;
    long tokens;
    long expires;
    boolean fetching;
    final ArrayDeque<Promise<Boolean>> waiting = new ArrayDeque<>();
  }
}
