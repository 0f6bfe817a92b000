package io.sessiond.tenant;

import io.vertx.core.Future;

/** Whether a tenant may make one more request now: per instance, or shared by every replica. */
public interface RequestRate {
  Future<Boolean> ALLOWED = Future.succeededFuture(true);
  Future<Boolean> REFUSED = Future.succeededFuture(false);

  /**
   * True when the request may go on. Mostly an already completed future (no I/O); when it is not, it
   * completes on the caller's context. Never fails.
   */
  Future<Boolean> acquire(TenantSpec tenant);

  /** The per-instance limiter: each instance allows the tenant's full rate. */
  static RequestRate local(RateLimiter limiter) {
    return tenant -> limiter.tryAcquire(tenant, System.nanoTime()) ? ALLOWED : REFUSED;
  }

  default Future<Void> close() {
    return Future.succeededFuture();
  }
}
