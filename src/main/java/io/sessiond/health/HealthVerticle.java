package io.sessiond.health;

import io.sessiond.metrics.SessiondMeters;
import io.sessiond.health.TenantUsage;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes the instance's dependencies periodically and answers the latest report on
 * {@link HealthAddresses#REPORT}; a change of readiness or of a check's status is logged once and
 * published on {@link HealthAddresses#CHANGED}. Probing runs off the request path, so a probe
 * endpoint stays cheap. Also measures its own event loop's delay and feeds the tenant gauges.
 */
public final class HealthVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(HealthVerticle.class);
  /** An event loop this late is blocked: the instance answers, but too slowly to be sent traffic. */
  static final long EVENT_LOOP_DELAY_LIMIT_MS = 2000;

  private final long intervalMs;
  private final long tenantMetricsIntervalMs;
  private final List<HealthCheck> checks;
  private final SessiondMeters meters;
  private final TenantUsage usage;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final List<Long> timers = new ArrayList<>();
  private HealthReport report = new HealthReport(false, false,
      List.of(new HealthReport.Check("store", false, 0, "not probed yet")));
  private boolean draining;
  private long eventLoopDelayMs;
  private long lastTick;
  private boolean counting;

  /**
   * @param checks the dependency checks; readiness needs every one up
   * @param usage  counts sessions and keys per tenant for the gauges every {@code tenantMetricsIntervalMs}
   */
  public HealthVerticle(long intervalMs, long tenantMetricsIntervalMs, List<HealthCheck> checks,
                        SessiondMeters meters, TenantUsage usage) {
    this.intervalMs = intervalMs;
    this.tenantMetricsIntervalMs = tenantMetricsIntervalMs;
    this.checks = List.copyOf(checks);
    this.meters = meters;
    this.usage = usage;
  }

  @Override
  public Future<?> start() {
    consumers.add(vertx.eventBus().localConsumer(HealthAddresses.REPORT, m -> m.reply(report)));
    consumers.add(vertx.eventBus().localConsumer(HealthAddresses.DRAIN, m -> {
      draining = true;
      meters.draining(true);
      record(new HealthReport(false, true, report.checks()));
      m.reply(report);
    }));
    lastTick = System.nanoTime();
    timers.add(vertx.setPeriodic(intervalMs, id -> tick()));
    timers.add(vertx.setPeriodic(tenantMetricsIntervalMs, id -> countTenants()));
    return usage.open(vertx)
        .compose(v -> Future.all(consumers.stream().map(MessageConsumer::completion).toList())).compose(v -> probe())
        .onSuccess(r -> countTenants()); // the first count at once: tenant gauges exist from the start
  }

  @Override
  public Future<?> stop() {
    timers.forEach(vertx::cancelTimer);
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList());
  }

  private void tick() {
    long now = System.nanoTime();
    long lateNanos = Math.max(0, now - lastTick - intervalMs * 1_000_000);
    lastTick = now;
    eventLoopDelayMs = lateNanos / 1_000_000;
    meters.eventLoopDelay(lateNanos);
    probe();
  }

  /** Runs every probe once and records the report. */
  private Future<HealthReport> probe() {
    List<Future<HealthReport.Check>> running = new ArrayList<>();
    for (HealthCheck check : checks) {
      running.add(check.run(vertx));
    }
    return Future.join(running).transform(ar -> {
      List<HealthReport.Check> results = new ArrayList<>();
      running.forEach(f -> results.add(f.result()));
      results.add(eventLoop());
      boolean ready = !draining && results.stream().allMatch(HealthReport.Check::up);
      HealthReport next = new HealthReport(ready, draining, List.copyOf(results));
      record(next);
      return Future.succeededFuture(next);
    });
  }

  private HealthReport.Check eventLoop() {
    boolean up = eventLoopDelayMs < EVENT_LOOP_DELAY_LIMIT_MS;
    return new HealthReport.Check("event-loop", up, eventLoopDelayMs,
        up ? null : "the health verticle's timer fired " + eventLoopDelayMs + " ms late: an event loop is blocked");
  }

  private void record(HealthReport next) {
    HealthReport previous = report;
    report = next;
    next.checks().forEach(c -> meters.check(c.id(), c.up(), c.latencyMs()));
    meters.ready(next.ready());
    Map<String, Boolean> before = previous.checks().stream().collect(Collectors.toMap(HealthReport.Check::id,
        HealthReport.Check::up, (a, b) -> a));
    boolean changed = next.ready() != previous.ready() || next.draining() != previous.draining()
        || next.checks().stream().anyMatch(c -> !Objects.equals(before.get(c.id()), c.up()));
    if (!changed) {
      return;
    }
    if (next.ready()) {
      LOG.info("instance is ready");
    } else if (next.draining()) {
      LOG.info("instance is draining: readiness answers 503 until it stops");
    } else {
      LOG.warn("instance is not ready: {}", next.checks().stream().filter(c -> !c.up())
          .map(c -> c.id() + " (" + c.detail() + ")").toList());
    }
    vertx.eventBus().publish(HealthAddresses.CHANGED, next);
  }

  private void countTenants() {
    if (counting || draining) {
      return;
    }
    counting = true;
    usage.collect().onComplete(ar -> {
      counting = false;
      if (ar.failed()) {
        LOG.debug("counting sessions per tenant failed: {}", ar.cause().getMessage());
      }
    });
  }
}
