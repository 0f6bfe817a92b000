package io.sessiond.store;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One change event of a tenant's event log: never a value, only what changed, which session, at which
 * version and when.
 *
 * @param id        the log's id for it, {@code <ms>-<n>} (a Redis stream id), increasing through the log
 * @param type      what happened
 * @param sessionId the session it happened to
 * @param version   the session's version after the change (the last version, for expired and deleted)
 * @param time      when, in epoch milliseconds
 * @param holder    for a lease event, the lease's holder ({@code null} otherwise)
 * @param token     for a lease event, the lease's fencing token (0 otherwise)
 */
public record SessionEvent(String id, EventType type, String sessionId, long version, long time, String holder,
                           long token) {

  /** An event that is not a lease's. */
  public SessionEvent(String id, EventType type, String sessionId, long version, long time) {
    this(id, type, sessionId, version, time, null, 0);
  }

  /**
   * The event as clients see it, in SSE and webhook deliveries alike:
   * {@code {"id","type","sessionId","version","time"}}, plus {@code "holder","token"} for a lease event.
   */
  public String json() {
    JsonObject o = new JsonObject().put("id", id).put("type", type.wire()).put("sessionId", sessionId)
        .put("version", version).put("time", Instant.ofEpochMilli(time).toString());
    if (holder != null) {
      o.put("holder", holder).put("token", token);
    }
    return o.encode();
  }
}
