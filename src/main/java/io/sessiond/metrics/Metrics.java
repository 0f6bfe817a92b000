package io.sessiond.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Builds a Vert.x instance whose HTTP server, event bus and pools report to a Prometheus registry of
 * its own, and finds that registry (and the daemon's {@link SessiondMeters}) again from the instance.
 * One registry per Vert.x instance: two daemons in one JVM (tests) never mix their meters.
 */
public final class Metrics {
  /** Latency buckets shared by every sessiond and Vert.x timer: a few, so routes × codes stay cheap. */
  private static final double[] BUCKETS_NANOS = buckets(1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000);
  /** Timers that publish histogram buckets (Prometheus {@code _bucket} series). */
  private static final Set<String> HISTOGRAMS = Set.of("vertx.http.server.response.time", "sessiond.store.operations");
  private static final String AUTH_ROUTE = "/v1/>";
  /** The client type vertx-redis-client reports its commands under. */
  private static final String REDIS_CLIENT_METRICS = "redis";
  private static final Set<String> DENIED = Set.of("jvm.compilation.time", "process.cpu.time");
  private static final Map<Vertx, SessiondMeters> METERS = Collections.synchronizedMap(new WeakHashMap<>());

  private Metrics() {
  }

  /** A new Vert.x instance reporting to a new registry. */
  public static Vertx newVertx() {
    return newVertx(new VertxOptions());
  }

  public static Vertx newVertx(VertxOptions options) {
    PrometheusMeterRegistry registry = newRegistry();
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        // The route label is the matched route's template (/v1/sessions/:id), never the path:
        // session ids must not become label values.
        .setLabels(EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE, Label.EB_ADDRESS, Label.EB_SIDE,
            Label.EB_FAILURE, Label.POOL_TYPE, Label.POOL_NAME, Label.CLIENT_NAME));
    // No per-command Redis client meters: they cost a few meter look-ups on every command, and
    // sessiond.store.operations already times every store operation.
    metrics.setDisabledMetricsCategories(Set.of(REDIS_CLIENT_METRICS));
    Vertx vertx = Vertx.builder().with(options.setMetricsOptions(metrics))
        .withMetrics(new RequestMetersFirst.Factory(new MicrometerMetricsFactory(registry),
            new HttpRequestMeters(registry, metrics.getMetricsNaming())))
        .build();
    METERS.put(vertx, new SessiondMeters(registry));
    return vertx;
  }

  /**
   * The daemon's meters on {@code vertx}. A Vert.x instance not built by {@link #newVertx} gets a
   * registry with sessiond's meters only (no HTTP or event-bus meters).
   */
  public static SessiondMeters meters(Vertx vertx) {
    return METERS.computeIfAbsent(vertx, v -> new SessiondMeters(newRegistry()));
  }

  static PrometheusMeterRegistry newRegistry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Three JVM binder meters break Prometheus naming rules (promtool rejects them): a unit
    // abbreviation in the name, and a gauge ending in _count. The same facts remain in
    // process_cpu_usage and jvm_* meters; the CPU count is kept under a conforming name.
    registry.config().meterFilter(MeterFilter.deny(id -> DENIED.contains(id.getName())));
    // The route label joins every matched route with '>': the authentication route on /v1/* comes
    // first. Only the endpoint's own template (/v1/sessions/:id) is worth a label value.
    registry.config().meterFilter(MeterFilter.replaceTagValues("route",
        v -> v.startsWith(AUTH_ROUTE) ? v.substring(AUTH_ROUTE.length()) : v));
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
      }
    });
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        if (!HISTOGRAMS.contains(id.getName())) {
          return config;
        }
        return DistributionStatisticConfig.builder().serviceLevelObjectives(BUCKETS_NANOS)
            .minimumExpectedValue(1.0).maximumExpectedValue((double) Duration.ofSeconds(10).toNanos())
            .build().merge(config);
      }
    });
    return registry;
  }

  private static double[] buckets(double... millis) {
    double[] nanos = new double[millis.length];
    for (int i = 0; i < millis.length; i++) {
      nanos[i] = millis[i] * 1_000_000;
    }
    return nanos;
  }
}
