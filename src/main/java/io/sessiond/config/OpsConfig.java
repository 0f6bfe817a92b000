package io.sessiond.config;

import java.util.Set;

/**
 * Operating the daemon: metrics, health probes, the management port, shutdown and log format.
 * {@link #toString()} never shows the metrics token.
 *
 * @param metricsEnabled          serve {@code GET /metrics}
 * @param tenantMetricsIntervalMs how often sessions and keys per tenant are counted for the gauges
 * @param tenantMetricsBudget     how many session statuses one such round reads at most (connected and keys)
 * @param healthIntervalMs        how often the health verticle probes the dependencies
 * @param shutdownDrainDelayMs    how long readiness answers 503 before the HTTP server stops accepting
 * @param shutdownGraceMs         how long shutdown then waits for requests in flight
 * @param logFormat               {@code text} or {@code json} (read by logback from the environment; validated here)
 * @param metricsToken            the bearer token {@code GET /metrics} requires, or {@code null} for none
 * @param managementHost          interface of the management port
 * @param managementPort          the port that serves {@code /metrics} and the health probes instead of the
 *                                API port ({@code 0}: any free port), or {@code -1} for none
 * @param eventLoopProbeMs        how often each HTTP event loop times a timer's lateness
 *                                ({@code sessiond_http_loop_delay_seconds}), {@code 0} for never
 */
public record OpsConfig(boolean metricsEnabled, long tenantMetricsIntervalMs, int tenantMetricsBudget, long healthIntervalMs,
                        long shutdownDrainDelayMs, long shutdownGraceMs, String logFormat, String metricsToken,
                        String managementHost, int managementPort, long eventLoopProbeMs) {
  /** The shortest metrics token accepted: a guessable token protects nothing. */
  static final int MIN_TOKEN_LENGTH = 16;

  static OpsConfig from(Settings s) {
    return new OpsConfig(
        s.bool("METRICS_ENABLED", true),
        s.longValue("TENANT_METRICS_INTERVAL_MS", 15_000, 500, 3_600_000),
        s.intValue("TENANT_METRICS_BUDGET", 2_000, 1, 1_000_000),
        s.longValue("HEALTH_INTERVAL_MS", 2000, 100, 600_000),
        s.longValue("SHUTDOWN_DRAIN_DELAY_MS", 0, 0, 600_000),
        s.longValue("SHUTDOWN_GRACE_MS", 10_000, 0, 600_000),
        s.choice("LOG_FORMAT", "text", Set.of("text", "json")),
        token(s),
        s.string("MANAGEMENT_HOST", "0.0.0.0"),
        s.intValue("MANAGEMENT_PORT", -1, 0, 65535),
        s.longValue("EVENT_LOOP_PROBE_MS", 100, 0, 60_000));
  }

  /** Whether {@code /metrics} and the probes have a port of their own. */
  public boolean managementServer() {
    return managementPort >= 0;
  }

  @Override
  public String toString() {
    return "OpsConfig[metricsEnabled=" + metricsEnabled + ", metricsToken=" + (metricsToken == null ? "none" : "***")
        + ", management=" + (managementServer() ? managementHost + ":" + managementPort : "none") + "]";
  }

  private static String token(Settings s) {
    String token = s.optional("METRICS_TOKEN");
    if (token != null && (token.length() < MIN_TOKEN_LENGTH || !token.chars().allMatch(c -> c > ' ' && c < 0x7f))) {
      throw new ConfigException("METRICS_TOKEN", "must be at least " + MIN_TOKEN_LENGTH
          + " visible ASCII characters (openssl rand -hex 32)");
    }
    return token;
  }
}
