package io.sessiond.tenant;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-tenant token buckets: a tenant may send {@code requestsPerSecond} on average and burst up to
 * one second's worth. Shared by every HTTP verticle of an instance; the limit holds per instance.
 */
public final class RateLimiter {
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  /** Whether the tenant may make one more request now; always true when it has no rate limit. */
  public boolean tryAcquire(TenantSpec tenant, long nowNanos) {
    long rate = tenant.limits().requestsPerSecond();
    if (rate <= 0) {
      return true;
    }
    Bucket b = buckets.get(tenant.id());
    if (b == null || b.rate != rate) { // new, or its limit was changed over the administration API
      b = new Bucket(rate, nowNanos);
      buckets.put(tenant.id(), b);
    }
    return b.tryTake(nowNanos);
  }

  private static final class Bucket {
    final long rate;
    private final double perNano;
    private final double capacity;
    private double tokens;
    private long last;

    Bucket(long rate, long now) {
      this.rate = rate;
      this.perNano = rate / 1e9;
      this.capacity = rate;
      this.tokens = rate;
      this.last = now;
    }

    synchronized boolean tryTake(long now) {
      tokens = Math.min(capacity, tokens + (now - last) * perNano);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }
  }
}
