package io.sessiond.session;

/**
 * One session's document. {@code dataJson} and {@code credsJson} are compact JSON text exactly as
 * stored (creds may be {@code null}); times are epoch milliseconds; {@code expiresAt} is 0 when
 * {@code ttlSeconds} is 0 (no expiry).
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
    long expiresAt) {

  /** Whether the session has expired at {@code now}. */
  public boolean expiredAt(long now) {
    return expiresAt != 0 && expiresAt <= now;
  }

  /** The expiry instant a write or touch at {@code now} gives a session with this TTL. */
  public static long expiryFor(long now, long ttlSeconds) {
    return ttlSeconds > 0 ? now + ttlSeconds * 1000 : 0;
  }
}
