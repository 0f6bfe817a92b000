package io.sessiond.tenant;

/**
 * What one tenant may use. Zero means unlimited for each field.
 *
 * @param maxSessions        sessions the tenant may hold at once
 * @param maxBytesPerSession UTF-8 bytes of data, creds, key ids and values, and message JSON in one session
 * @param requestsPerSecond  sustained request rate across this instance (bursts up to one second's worth)
 */
public record TenantLimits(long maxSessions, long maxBytesPerSession, long requestsPerSecond) {
  public static final TenantLimits UNLIMITED = new TenantLimits(0, 0, 0);
}
