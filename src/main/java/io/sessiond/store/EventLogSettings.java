package io.sessiond.store;

/**
 * The bounds of each tenant's change event log: it keeps about the newest {@code maxLength} events,
 * none older than {@code maxAgeMs} (Redis trims approximately, a little over both).
 *
 * @param enabled   whether writes record events at all ({@code EVENTS_ENABLED})
 * @param maxLength events kept per tenant ({@code EVENTS_MAX_LEN})
 * @param maxAgeMs  age after which an event is dropped ({@code EVENTS_MAX_AGE_SECONDS}, in ms here)
 */
public record EventLogSettings(boolean enabled, int maxLength, long maxAgeMs) {
  public static final EventLogSettings DEFAULT = new EventLogSettings(true, 10_000, 86_400_000L);
  public static final EventLogSettings OFF = new EventLogSettings(false, 0, 0);
}
