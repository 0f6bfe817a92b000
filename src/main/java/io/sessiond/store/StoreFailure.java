package io.sessiond.store;

/**
 * Why a store operation did not happen. The code travels as the event-bus failure code; the HTTP
 * edge maps each failure to one status ({@link #status}), which is the code itself except for the
 * conflicts that share 409 with ILLEGAL_TRANSITION and need codes of their own on the bus.
 */
public enum StoreFailure {
  /** No such session for this tenant (never created, deleted, or expired). */
  NOT_FOUND(404),
  /** {@code If-Match} named a version that is no longer current. */
  VERSION_MISMATCH(412),
  /** A lifecycle transition the state machine refuses. */
  ILLEGAL_TRANSITION(409),
  /** The write would take the session over the tenant's byte limit. */
  TOO_LARGE(413),
  /** The tenant already holds its maximum number of sessions. */
  LIMIT_REACHED(429),
  /** The request is well-formed JSON but not a valid operation (a bad merge patch, a bad import). */
  INVALID(400),
  /** An {@code Idempotency-Key} that was used before with a different request. */
  KEY_REUSED(422),
  /**
   * A stored value failed to open (encryption at rest): sealed for another session or field, altered,
   * or sealed with a key this daemon does not hold. It is never served.
   */
  UNREADABLE(422),
  /** The backing store cannot be reached or failed; nothing was applied. */
  UNAVAILABLE(503),
  /** The write's fencing token is not the token of the session's live lease. */
  FENCED(4091, 409),
  /** Another holder's lease on the session is live. */
  LEASE_HELD(4092, 409);

  private final int code;
  private final int status;

  StoreFailure(int code) {
    this(code, code);
  }

  StoreFailure(int code, int status) {
    this.code = code;
    this.status = status;
  }

  /** The event-bus failure code, unique per failure. */
  public int code() {
    return code;
  }

  /** The HTTP status the edge answers with. */
  public int status() {
    return status;
  }

  /** The failure for an event-bus failure code, or {@code null} when the code is not a store failure. */
  public static StoreFailure ofCode(int code) {
    for (StoreFailure f : values()) {
      if (f.code == code) {
        return f;
      }
    }
    return null;
  }
}
