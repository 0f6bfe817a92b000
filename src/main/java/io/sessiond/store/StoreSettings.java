package io.sessiond.store;

import io.sessiond.tenant.TenantLimits;
import java.util.function.Function;

/**
 * What every backend needs to know besides its own connection settings.
 *
 * @param defaultTtlSeconds TTL given to a session created without one (0 = no expiry)
 * @param maxMessages       size of each session's rolling message window
 * @param limits            the limits of a tenant, by tenant id (never {@code null})
 * @param credsHistory      how many versions of a session's creds are kept, newest first (0 = none)
 * @param events            the change event log's bounds (and whether it records at all)
 */
public record StoreSettings(long defaultTtlSeconds, int maxMessages, Function<String, TenantLimits> limits,
                            int credsHistory, EventLogSettings events) {
  /** The default number of creds versions kept (CREDS_HISTORY). */
  public static final int DEFAULT_CREDS_HISTORY = 5;

  /** Settings with the default creds history and event log. */
  public StoreSettings(long defaultTtlSeconds, int maxMessages, Function<String, TenantLimits> limits) {
    this(defaultTtlSeconds, maxMessages, limits, DEFAULT_CREDS_HISTORY, EventLogSettings.DEFAULT);
  }

  /** Settings with the default event log. */
  public StoreSettings(long defaultTtlSeconds, int maxMessages, Function<String, TenantLimits> limits, int credsHistory) {
    this(defaultTtlSeconds, maxMessages, limits, credsHistory, EventLogSettings.DEFAULT);
  }
}
