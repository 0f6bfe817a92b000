package io.sessiond.webhook;

import io.sessiond.store.SessionEvent;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One delivery's content: an event of the log, or the events-lost marker that tells a receiver that
 * events meant for it left the log before they were delivered.
 *
 * @param eventId the log's id of the event ({@code null} for the marker, which is no event of the log)
 * @param type    the {@code Sessiond-Event-Type}
 * @param body    the request body
 * @param time    when it happened, epoch ms
 */
record Outgoing(String eventId, String type, String body, long time) {
  static final String EVENTS_LOST = "events-lost";

  static Outgoing of(SessionEvent e) {
    return new Outgoing(e.id(), e.type().wire(), e.json(), e.time());
  }

  /** The marker: the same fields as the event stream's {@code events-lost} frame, with its type and time. */
  static Outgoing lost(String requestedId, long now) {
    String body = new JsonObject().put("type", EVENTS_LOST).put("requestedId", requestedId)
        .put("detail", "events after the requested id (the last this webhook was given) are no longer in the log"
            + " (it keeps EVENTS_MAX_LEN events for EVENTS_MAX_AGE_SECONDS, or it was reset) and were not delivered:"
            + " read the sessions again")
        .put("time", Instant.ofEpochMilli(now).toString()).encode();
    return new Outgoing(null, EVENTS_LOST, body, now);
  }
}
