package io.sessiond.health;

/** Event-bus addresses of the health feature. */
public final class HealthAddresses {
  /** Request: any body; reply: the latest {@link HealthReport}. */
  public static final String REPORT = "sessiond.health.report";
  /** Event: a {@link HealthReport}, published when readiness or a check's status changes. */
  public static final String CHANGED = "sessiond.health.changed";
  /** Command: any body; the instance drains (readiness turns 503 for good); replies the new report. */
  public static final String DRAIN = "sessiond.health.drain";

  private HealthAddresses() {
  }
}
