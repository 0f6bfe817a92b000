package io.sessiond.health;

import io.sessiond.metrics.SessiondMeters;
import io.sessiond.sync.SyncAddresses;
import io.sessiond.sync.SyncStatus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

/**
 * PostgreSQL sync, probed through the sync verticle's status: down while a restore runs (sessions
 * are still missing) and, in write-through mode, while PostgreSQL does not answer (the configured
 * durability does not hold). In write-behind mode an unreachable PostgreSQL is reported in the
 * detail but leaves the instance ready: changes wait in the Redis stream. Feeds the sync gauges.
 */
final class SyncCheck implements HealthCheck {
  private final boolean writeThrough;
  private final SessiondMeters.Sync meters;
  private final DeliveryOptions options;

  SyncCheck(boolean writeThrough, SessiondMeters.Sync meters, long timeoutMs) {
    this.writeThrough = writeThrough;
    this.meters = meters;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
  }

  /** The check, for a daemon that runs sync. */
  static HealthCheck of(boolean writeThrough, SessiondMeters meters, long timeoutMs) {
    return new SyncCheck(writeThrough, meters.sync(), timeoutMs);
  }

  @Override
  public Future<HealthReport.Check> run(Vertx vertx) {
    long start = System.nanoTime();
    return vertx.eventBus().<SyncStatus>request(SyncAddresses.STATUS, "status", options)
        .map(m -> check(m.body(), (System.nanoTime() - start) / 1_000_000))
        .otherwise(t -> new HealthReport.Check("sync", false, (System.nanoTime() - start) / 1_000_000,
            "the sync verticle did not answer: " + t.getMessage()));
  }

  private HealthReport.Check check(SyncStatus s, long latencyMs) {
    meters.status(s.restoreInProgress(), s.restoredSessions(), s.backlog(), s.lagMs(), s.postgresUp(), s.quarantined());
    String facts = "backlog " + s.backlog() + ", lag " + s.lagMs() + " ms, PostgreSQL " + (s.postgresUp() ? "up" : "down")
        + (s.quarantined() > 0 ? ", " + s.quarantined() + " sessions quarantined (PostgreSQL refuses their changes;"
            + " see GET /v1/sessions/{id}/status)" : "");
    if (s.refilling()) {
      facts = "Redis lost its data and is being refilled from PostgreSQL (sessions are restored on first use"
          + " meanwhile; " + s.refilledSessions() + " restored here so far); " + facts;
    }
    if (s.restoreInProgress()) {
      return new HealthReport.Check("sync", false, latencyMs, "restore in progress (" + s.restoredSessions()
          + " sessions so far); " + facts);
    }
    if (writeThrough && !s.postgresUp()) {
      return new HealthReport.Check("sync", false, latencyMs, "write-through needs PostgreSQL; " + facts);
    }
    return new HealthReport.Check("sync", true, latencyMs, facts);
  }
}
