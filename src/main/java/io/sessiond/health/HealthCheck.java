package io.sessiond.health;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

/** One dependency probe. Never fails: a failing dependency is a check that is down, with a detail. */
public interface HealthCheck {

  Future<HealthReport.Check> run(Vertx vertx);

  /**
   * An event-bus round trip to {@code address}: up when it answers within {@code timeoutMs}. The
   * store verticle's ping also checks its backend (a Redis PING on the Redis store), so the latency
   * is the store's.
   */
  static HealthCheck ping(String id, String address, long timeoutMs) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs);
    return vertx -> {
      long start = System.nanoTime();
      return vertx.eventBus().request(address, "ping", options)
          .map(m -> new HealthReport.Check(id, true, elapsedMs(start), null))
          .otherwise(t -> new HealthReport.Check(id, false, elapsedMs(start), t.getMessage()));
    };
  }

  /** PostgreSQL sync through {@code sessiond.sync.status}; only for a daemon that deploys the sync verticle. */
  static HealthCheck sync(boolean writeThrough, io.sessiond.metrics.SessiondMeters meters, long timeoutMs) {
    return SyncCheck.of(writeThrough, meters, timeoutMs);
  }

  private static long elapsedMs(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
