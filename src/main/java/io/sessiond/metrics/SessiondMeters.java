package io.sessiond.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * sessiond's own meters, created once per daemon and named {@code sessiond.*} in Micrometer style
 * (the Prometheus registry adds units and {@code _total}). Tag values are bounded: operations and
 * failure kinds are enums, rejection reasons are problem types, tenants are the declared ones.
 * Safe to call from any thread.
 */
public final class SessiondMeters {
  private final PrometheusMeterRegistry registry;
  /** By operation, then outcome: looked up on every store call without building a key. */
  private final Map<String, Map<String, Timer>> operations = new ConcurrentHashMap<>();
  private final Map<String, Counter> rejections = new ConcurrentHashMap<>();
  private final Map<String, TenantGauges> tenants = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong[]> checks = new ConcurrentHashMap<>();
  private final Counter expired;
  private final Counter trimmed;
  private final AtomicLong ready = new AtomicLong();
  private final AtomicLong draining = new AtomicLong();
  private final AtomicLong eventLoopDelayNanos = new AtomicLong();
  private final Sync sync;

  SessiondMeters(PrometheusMeterRegistry registry) {
    this.registry = registry;
    expired = Counter.builder("sessiond.sessions.expired").description("Sessions removed by the expiry sweeper")
        .register(registry);
    trimmed = Counter.builder("sessiond.messages.trimmed")
        .description("Messages dropped from the front of a session's message window").register(registry);
    Gauge.builder("sessiond.ready", ready, AtomicLong::get).description("1 when /health/ready answers 200")
        .register(registry);
    Gauge.builder("sessiond.draining", draining, AtomicLong::get)
        .description("1 while the instance drains before shutting down").register(registry);
    TimeGauge.builder("sessiond.eventloop.delay", eventLoopDelayNanos, TimeUnit.NANOSECONDS, AtomicLong::get)
        .description("How late the health verticle's last periodic timer fired on its event loop").register(registry);
    sync = new Sync(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** One store operation ({@code put}, {@code get}, …) and its outcome ({@code ok} or a failure kind). */
  public void storeOperation(String operation, String outcome, long nanos) {
    Map<String, Timer> byOutcome = operations.get(operation);
    if (byOutcome == null) {
      byOutcome = operations.computeIfAbsent(operation, k -> new ConcurrentHashMap<>());
    }
    Timer timer = byOutcome.get(outcome);
    if (timer == null) {
      timer = byOutcome.computeIfAbsent(outcome, k -> Timer.builder("sessiond.store.operations")
          .description("Store operations by kind and outcome, as the store verticle served them")
          .tag("operation", operation).tag("outcome", outcome).register(registry));
    }
    timer.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void expired(long sessions) {
    expired.increment(sessions);
  }

  public void trimmed(long messages) {
    if (messages > 0) {
      trimmed.increment(messages);
    }
  }

  /** A request refused with a problem document; {@code reason} is the problem type's slug. */
  public void rejected(String reason) {
    rejections.computeIfAbsent(reason, r -> Counter.builder("sessiond.requests.rejected")
        .description("Requests answered with a problem document, by problem type").tag("reason", r)
        .register(registry)).increment();
  }

  /** The latest number of sessions of a declared tenant. */
  public void tenantSessions(String tenant, long sessions) {
    tenants.computeIfAbsent(tenant, t -> new TenantGauges(registry, t)).sessions.set(sessions);
  }

  /** The latest numbers of connected sessions and of keys of a declared tenant. */
  public void tenantActivity(String tenant, long connected, long keys) {
    TenantGauges g = tenants.computeIfAbsent(tenant, t -> new TenantGauges(registry, t));
    g.connected.set(connected);
    g.keys.set(keys);
  }

  /** The outcome of one health probe and how long it took. */
  public void check(String id, boolean up, long latencyMs) {
    AtomicLong[] v = checks.computeIfAbsent(id, c -> {
      AtomicLong[] g = {new AtomicLong(), new AtomicLong()};
      Gauge.builder("sessiond.health.check", g[0], AtomicLong::get).description("1 when the health check passes")
          .tag("check", c).register(registry);
      TimeGauge.builder("sessiond.health.check.latency", g[1], TimeUnit.MILLISECONDS, AtomicLong::get)
          .description("How long the last probe took (the store check is a round trip to Redis on the Redis store)")
          .tag("check", c).register(registry);
      return g;
    });
    v[0].set(up ? 1 : 0);
    v[1].set(latencyMs);
  }

  public void ready(boolean isReady) {
    ready.set(isReady ? 1 : 0);
  }

  public void draining(boolean isDraining) {
    draining.set(isDraining ? 1 : 0);
  }

  public void eventLoopDelay(long nanos) {
    eventLoopDelayNanos.set(nanos);
  }

  /** Meters of PostgreSQL sync; present (at zero) even when sync is off, so dashboards always resolve. */
  public Sync sync() {
    return sync;
  }

  private static final class TenantGauges {
    final AtomicLong sessions = new AtomicLong();
    final AtomicLong connected = new AtomicLong();
    final AtomicLong keys = new AtomicLong();

    TenantGauges(PrometheusMeterRegistry registry, String tenant) {
      Gauge.builder("sessiond.sessions", sessions, AtomicLong::get).description("Live sessions of a tenant")
          .tag("tenant", tenant).register(registry);
      Gauge.builder("sessiond.sessions.connected", connected, AtomicLong::get)
          .description("Sessions of a tenant in state connected (active)").tag("tenant", tenant).register(registry);
      Gauge.builder("sessiond.keys", keys, AtomicLong::get).description("Keys stored in a tenant's sessions")
          .tag("tenant", tenant).register(registry);
    }
  }

  /** Sync meters: gauges fed from the sync status, plus what the sync verticle records itself. */
  public static final class Sync {
    private final AtomicLong enabled = new AtomicLong();
    private final AtomicLong lagMs = new AtomicLong();
    private final AtomicLong backlog = new AtomicLong();
    private final AtomicLong restoring = new AtomicLong();
    private final AtomicLong restored = new AtomicLong();
    private final AtomicLong restoreMs = new AtomicLong();
    private final AtomicLong postgresUp = new AtomicLong();
    private final AtomicLong quarantined = new AtomicLong();
    private final DistributionSummary batchSize;
    private final Counter failures;
    private final Counter quarantines;

    Sync(PrometheusMeterRegistry registry) {
      Gauge.builder("sessiond.sync.enabled", enabled, AtomicLong::get).description("1 when PostgreSQL sync runs")
          .register(registry);
      TimeGauge.builder("sessiond.sync.lag", lagMs, TimeUnit.MILLISECONDS, AtomicLong::get)
          .description("Age of the oldest change not yet written to PostgreSQL").register(registry);
      Gauge.builder("sessiond.sync.backlog", backlog, AtomicLong::get)
          .description("Changes waiting in the stream for PostgreSQL").register(registry);
      Gauge.builder("sessiond.sync.restore.in.progress", restoring, AtomicLong::get)
          .description("1 while sessions are restored from PostgreSQL").register(registry);
      Gauge.builder("sessiond.sync.restored.sessions", restored, AtomicLong::get)
          .description("Sessions restored from PostgreSQL by the current or last restore").register(registry);
      TimeGauge.builder("sessiond.sync.restore.duration", restoreMs, TimeUnit.MILLISECONDS, AtomicLong::get)
          .description("How long the last finished restore took").register(registry);
      Gauge.builder("sessiond.postgres.up", postgresUp, AtomicLong::get).description("1 when PostgreSQL answers")
          .register(registry);
      batchSize = DistributionSummary.builder("sessiond.sync.batch.size").baseUnit("changes")
          .description("Changes written to PostgreSQL per batch").register(registry);
      failures = Counter.builder("sessiond.sync.failures").description("Sync batches that failed and will be retried")
          .register(registry);
      Gauge.builder("sessiond.sync.quarantined", quarantined, AtomicLong::get)
          .description("Sessions whose changes PostgreSQL refuses, kept in Redis and retried with backoff")
          .register(registry);
      quarantines = Counter.builder("sessiond.sync.quarantine.failures")
          .description("Attempts to sync a session that PostgreSQL refused (the session is quarantined)")
          .register(registry);
    }

    /** The latest status reported by the sync verticle. */
    public void status(boolean restoreInProgress, long restoredSessions, long backlogChanges, long lag, boolean pgUp,
                       long quarantinedSessions) {
      enabled.set(1);
      quarantined.set(Math.max(0, quarantinedSessions));
      restoring.set(restoreInProgress ? 1 : 0);
      restored.set(restoredSessions);
      backlog.set(backlogChanges);
      lagMs.set(lag);
      postgresUp.set(pgUp ? 1 : 0);
    }

    public void batch(int changes) {
      batchSize.record(changes);
    }

    public void failure() {
      failures.increment();
    }

    /** A session's changes were refused by PostgreSQL (again): it is (still) quarantined. */
    public void quarantineFailure() {
      quarantines.increment();
    }

    public void restoreFinished(long millis) {
      restoreMs.set(millis);
    }
  }
}
