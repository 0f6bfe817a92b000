package io.sessiond.session;

import io.vertx.core.buffer.Buffer;

/**
 * One session's document. {@code dataJson} and {@code credsJson} are compact JSON text exactly as
 * stored (creds may be {@code null}); times are epoch milliseconds; {@code expiresAt} is 0 when
 * {@code ttlSeconds} is 0 (no expiry).
 *
 * <p>{@code dataUtf8}, when not {@code null}, is {@code dataJson} as the UTF-8 bytes a store read it in
 * (the Redis reply's), so that a response can copy them as they are instead of encoding the text again.
 * It is a cache of {@code dataJson}, never different from it: equality, the hash and the text form
 * leave it out, and every session built from parts ({@link #Session(String, SessionState, String,
 * String, long, long, long, long, long, long) the usual constructor}) has none.
 */
public record Session(
    String id,
    SessionState state,
    String dataJson,
    String credsJson,
    long version,
    long createdAt,
    long updatedAt,
    long lastActivityAt,
    long ttlSeconds,
    long expiresAt,
    Buffer dataUtf8) {

  public Session(String id, SessionState state, String dataJson, String credsJson, long version, long createdAt,
      long updatedAt, long lastActivityAt, long ttlSeconds, long expiresAt) {
    this(id, state, dataJson, credsJson, version, createdAt, updatedAt, lastActivityAt, ttlSeconds, expiresAt, null);
  }

  /** Whether the session has expired at {@code now}. */
  public boolean expiredAt(long now) {
    return expiresAt != 0 && expiresAt <= now;
  }

  /** The expiry instant a write or touch at {@code now} gives a session with this TTL. */
  public static long expiryFor(long now, long ttlSeconds) {
    return ttlSeconds > 0 ? now + ttlSeconds * 1000 : 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Session s && java.util.Objects.equals(id, s.id) && state == s.state
        && java.util.Objects.equals(dataJson, s.dataJson) && java.util.Objects.equals(credsJson, s.credsJson)
        && version == s.version && createdAt == s.createdAt && updatedAt == s.updatedAt
        && lastActivityAt == s.lastActivityAt && ttlSeconds == s.ttlSeconds && expiresAt == s.expiresAt;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(id, state, dataJson, credsJson, version, createdAt, updatedAt, lastActivityAt,
        ttlSeconds, expiresAt);
  }

  @Override
  public String toString() {
    return "Session[id=" + id + ", state=" + state + ", dataJson=" + dataJson + ", credsJson=" + credsJson
        + ", version=" + version + ", createdAt=" + createdAt + ", updatedAt=" + updatedAt + ", lastActivityAt="
        + lastActivityAt + ", ttlSeconds=" + ttlSeconds + ", expiresAt=" + expiresAt + "]";
  }
}
