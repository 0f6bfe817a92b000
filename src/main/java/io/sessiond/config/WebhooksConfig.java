package io.sessiond.config;

/**
 * Webhooks: each tenant's change events POSTed, signed, to the URLs it registered. They need change
 * events: on Redis they read the tenant's event stream through consumer groups (the fleet delivers each
 * event once), on the memory and file stores the process's event log. Redis Cluster has no events.
 *
 * @param enabled         {@code WEBHOOKS_ENABLED}: the webhook endpoints answer and this instance delivers
 * @param maxAttempts     {@code WEBHOOKS_MAX_ATTEMPTS}: attempts per event before it is dead-lettered
 * @param backoffMs       {@code WEBHOOKS_BACKOFF_MS}: the wait after the first failed attempt, doubled after each
 * @param backoffMaxMs    {@code WEBHOOKS_BACKOFF_MAX_MS}: the longest wait between two attempts
 * @param timeoutMs       {@code WEBHOOKS_TIMEOUT_MS}: how long one attempt may take (connect, send, answer)
 * @param maxInFlight     {@code WEBHOOKS_MAX_IN_FLIGHT}: events this instance delivers at once (retries waiting included)
 * @param pollMs          {@code WEBHOOKS_POLL_MS}: how often the instance reads new events for its webhooks
 * @param claimIdleMs     {@code WEBHOOKS_CLAIM_IDLE_MS}: an event taken by an instance that has not touched it
 *                        for this long (it stopped) is taken over by another
 * @param maxPerTenant    {@code WEBHOOKS_MAX_PER_TENANT}: webhooks one tenant may register
 * @param deadLetters     {@code WEBHOOKS_DEAD_LETTERS_KEPT}: dead letters kept per webhook, newest first
 * @param allowPrivate    {@code WEBHOOKS_ALLOW_PRIVATE}: URLs may resolve to loopback, private, link-local and
 *                        other non-public addresses (off: such a registration or delivery is refused)
 * @param unavailable     why webhooks are off on this instance ({@code null} when they are on): the webhook
 *                        endpoints answer 501 with it
 */
public record WebhooksConfig(boolean enabled, int maxAttempts, long backoffMs, long backoffMaxMs, long timeoutMs,
                             int maxInFlight, long pollMs, long claimIdleMs, int maxPerTenant, int deadLetters,
                             boolean allowPrivate, String unavailable) {

  /**
   * @param events  whether change events are on ({@code EVENTS_ENABLED})
   * @param cluster whether the store is Redis Cluster (which has no change events)
   */
  static WebhooksConfig from(Settings s, boolean events, boolean cluster) {
    boolean enabled = s.bool("WEBHOOKS_ENABLED", events);
    if (enabled && !events) {
      throw new ConfigException("WEBHOOKS_ENABLED", "webhooks need change events (EVENTS_ENABLED=true), which"
          + (cluster ? " Redis Cluster does not support" : " are off") + ": webhooks deliver from the tenant's event log");
    }
    String unavailable = enabled ? null
        : cluster ? "webhooks are not available on Redis Cluster: they deliver from the tenant's change event stream,"
            + " and change events are off on a cluster (docs/events.md)"
        : !events ? "webhooks are off on this instance: they deliver change events, which are off (EVENTS_ENABLED=false)"
        : "webhooks are off on this instance (WEBHOOKS_ENABLED=false)";
    long backoff = s.longValue("WEBHOOKS_BACKOFF_MS", 1_000, 1, 3_600_000);
    return new WebhooksConfig(enabled,
        s.intValue("WEBHOOKS_MAX_ATTEMPTS", 8, 1, 100),
        backoff,
        s.longValue("WEBHOOKS_BACKOFF_MAX_MS", 300_000, backoff, 86_400_000),
        s.longValue("WEBHOOKS_TIMEOUT_MS", 10_000, 10, 600_000),
        s.intValue("WEBHOOKS_MAX_IN_FLIGHT", 64, 1, 10_000),
        s.longValue("WEBHOOKS_POLL_MS", 500, 10, 60_000),
        s.longValue("WEBHOOKS_CLAIM_IDLE_MS", 60_000, 100, 86_400_000),
        s.intValue("WEBHOOKS_MAX_PER_TENANT", 20, 1, 1_000),
        s.intValue("WEBHOOKS_DEAD_LETTERS_KEPT", 1_000, 1, 100_000),
        s.bool("WEBHOOKS_ALLOW_PRIVATE", false),
        unavailable);
  }

  /** The wait before attempt {@code attempt + 1} after {@code attempt} failed ones: doubled each time, capped. */
  public long backoffAfter(int attempt) {
    long wait = backoffMs;
    for (int i = 1; i < attempt && wait < backoffMaxMs; i++) {
      wait *= 2;
    }
    return Math.min(wait, backoffMaxMs);
  }
}
