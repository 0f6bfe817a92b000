package io.sessiond.health;

import io.sessiond.store.StoreAddresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes the instance's dependencies periodically and answers the latest report on
 * {@link HealthAddresses#REPORT}; a readiness change is logged once and published on
 * {@link HealthAddresses#CHANGED}. Probing runs off the request path, so a probe endpoint stays cheap.
 */
public final class HealthVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(HealthVerticle.class);

  private final long intervalMs;
  private final long probeTimeoutMs;
  private HealthReport report = new HealthReport(false, List.of(new HealthReport.Check("store", false, 0, "not probed yet")));
  private MessageConsumer<Object> consumer;
  private long timer = -1;

  public HealthVerticle(long intervalMs, long probeTimeoutMs) {
    this.intervalMs = intervalMs;
    this.probeTimeoutMs = probeTimeoutMs;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().localConsumer(HealthAddresses.REPORT, m -> m.reply(report));
    timer = vertx.setPeriodic(intervalMs, id -> probe());
    return consumer.completion().compose(v -> probe());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return consumer.unregister();
  }

  /** Runs every probe once and records the report. */
  private Future<HealthReport> probe() {
    return probeStore().map(store -> {
      HealthReport next = new HealthReport(store.up(), List.of(store));
      record(next);
      return next;
    });
  }

  private Future<HealthReport.Check> probeStore() {
    long start = System.nanoTime();
    return vertx.eventBus().request(StoreAddresses.PING, "ping", new DeliveryOptions().setSendTimeout(probeTimeoutMs))
        .map(m -> new HealthReport.Check("store", true, elapsedMs(start), null))
        .otherwise(t -> new HealthReport.Check("store", false, elapsedMs(start), t.getMessage()));
  }

  private void record(HealthReport next) {
    boolean changed = next.ready() != report.ready();
    report = next;
    if (changed) {
      if (next.ready()) {
        LOG.info("instance is ready");
      } else {
        LOG.warn("instance is not ready: {}", next.checks().stream().filter(c -> !c.up())
            .map(c -> c.id() + " (" + c.detail() + ")").toList());
      }
      vertx.eventBus().publish(HealthAddresses.CHANGED, next);
    }
  }

  private static long elapsedMs(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
