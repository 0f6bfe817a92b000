package io.sessiond.health;

import java.util.List;

/**
 * The outcome of the latest probes: ready only when every check is up and the instance is not
 * draining (shutting down).
 */
public record HealthReport(boolean ready, boolean draining, List<Check> checks) {

  /** One probe: its id, whether it passed, how long it took, and why it failed. */
  public record Check(String id, boolean up, long latencyMs, String detail) {
  }
}
