package io.sessiond.health;

/** Event-bus addresses of the health feature. */
public final class HealthAddresses {
  /** Request: any body; reply: the latest {@link HealthReport}. */
  public static final String REPORT = "sessiond.health.report";
  /** Event: a {@link HealthReport}, published when readiness changes. */
  public static final String CHANGED = "sessiond.health.changed";

  private HealthAddresses() {
  }
}
