package io.sessiond.admin;

/** Why an administration request failed: a stable code over the event bus, and the HTTP status it maps to. */
public enum AdminFailure {
  NOT_FOUND(404, "not-found"),
  EXISTS(409, "exists"),
  LIMIT_REACHED(409, "limit-reached"),
  INVALID(400, "bad-request"),
  UNAVAILABLE(503, "unavailable");

  private final int status;
  private final String slug;

  AdminFailure(int status, String slug) {
    this.status = status;
    this.slug = slug;
  }

  public int status() {
    return status;
  }

  /** The problem type's last segment. */
  public String slug() {
    return slug;
  }

  /** The event-bus failure code. */
  public int code() {
    return 4000 + ordinal();
  }

  /** The failure with this bus code, or {@code null}. */
  public static AdminFailure ofCode(int code) {
    int i = code - 4000;
    return i >= 0 && i < values().length ? values()[i] : null;
  }
}
