package io.sessiond.sync;

/**
 * Why a sync request failed, as the code of {@code message.fail(code, detail)} on
 * {@link SyncAddresses}. Callers branch on the code ({@link #ofCode}), never on the text.
 */
public enum SyncFailure {
  /** PostgreSQL did not take the change or did not answer: nothing was committed. */
  POSTGRES_UNAVAILABLE(503),
  /** The store (its change feed) could not be read or written. */
  STORE_UNAVAILABLE(502),
  /**
   * The feed could not read one session's changes (what Redis holds for it is malformed, e.g. a
   * version that is not a whole number): that session is at fault, not the store, and is quarantined.
   */
  SESSION_UNREADABLE(422),
  /** No such restore job. */
  JOB_NOT_FOUND(404),
  /** The tenant already has a restore job running. */
  JOB_RUNNING(409);

  private final int code;

  SyncFailure(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The failure with this code, or {@code null} for a code no sync consumer sends. */
  public static SyncFailure ofCode(int code) {
    for (SyncFailure f : values()) {
      if (f.code == code) {
        return f;
      }
    }
    return null;
  }
}
