package io.sessiond.config;

/**
 * Change events: the per-tenant event log and how {@code GET /v1/events} serves it. On by default;
 * on Redis Cluster off by default and refused when asked for (a session script may not write the
 * tenant's stream, which lives in another slot).
 *
 * @param enabled        {@code EVENTS_ENABLED}: writes record events and the event endpoints answer
 * @param maxLength      {@code EVENTS_MAX_LEN}: events kept per tenant (about; Redis trims in whole nodes)
 * @param maxAgeSeconds  {@code EVENTS_MAX_AGE_SECONDS}: events older than this are dropped
 * @param pollMs         {@code EVENTS_POLL_MS}: how often an event stream that is caught up reads the log again
 * @param heartbeatMs    {@code EVENTS_HEARTBEAT_MS}: a comment line on an idle event stream this often
 * @param maxStreams     {@code EVENTS_MAX_STREAMS}: event streams one instance serves at once (429 beyond)
 */
public record EventsConfig(boolean enabled, int maxLength, long maxAgeSeconds, long pollMs, long heartbeatMs,
                           int maxStreams) {

  static EventsConfig from(Settings s) {
    boolean cluster = "redis".equalsIgnoreCase(s.string("SESSION_STORE", "memory"))
        && RedisConfig.CLUSTER.equalsIgnoreCase(s.string("REDIS_MODE", RedisConfig.STANDALONE));
    boolean enabled = s.bool("EVENTS_ENABLED", !cluster);
    if (enabled && cluster) {
      throw new ConfigException("EVENTS_ENABLED", "change events are not supported on Redis Cluster: a session's"
          + " script cannot append to its tenant's event stream in another slot (set EVENTS_ENABLED=false)");
    }
    return new EventsConfig(enabled,
        s.intValue("EVENTS_MAX_LEN", 10_000, 1, 10_000_000),
        s.longValue("EVENTS_MAX_AGE_SECONDS", 86_400, 1, 31_536_000),
        s.longValue("EVENTS_POLL_MS", 200, 10, 60_000),
        s.longValue("EVENTS_HEARTBEAT_MS", 15_000, 100, 600_000),
        s.intValue("EVENTS_MAX_STREAMS", 1_000, 1, 100_000));
  }
}
