package io.sessiond.config;

import java.util.Set;

/**
 * Operating the daemon: metrics, health probes, shutdown and log format.
 *
 * @param metricsEnabled          serve {@code GET /metrics}
 * @param tenantMetricsIntervalMs how often sessions and keys per tenant are counted for the gauges
 * @param healthIntervalMs        how often the health verticle probes the dependencies
 * @param shutdownDrainDelayMs    how long readiness answers 503 before the HTTP server stops accepting
 * @param shutdownGraceMs         how long shutdown then waits for requests in flight
 * @param logFormat               {@code text} or {@code json} (read by logback from the environment; validated here)
 */
public record OpsConfig(boolean metricsEnabled, long tenantMetricsIntervalMs, long healthIntervalMs,
                        long shutdownDrainDelayMs, long shutdownGraceMs, String logFormat) {

  static OpsConfig from(Settings s) {
    return new OpsConfig(
        s.bool("METRICS_ENABLED", true),
        s.longValue("TENANT_METRICS_INTERVAL_MS", 15_000, 500, 3_600_000),
        s.longValue("HEALTH_INTERVAL_MS", 2000, 100, 600_000),
        s.longValue("SHUTDOWN_DRAIN_DELAY_MS", 0, 0, 600_000),
        s.longValue("SHUTDOWN_GRACE_MS", 10_000, 0, 600_000),
        s.choice("LOG_FORMAT", "text", Set.of("text", "json")));
  }
}
