package io.sessiond.store.redis;

import io.sessiond.store.EventType;
import io.sessiond.store.SessionEvent;
import io.sessiond.store.StoreRequests.EventPage;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;

/** Reads the reply of {@code events_read.lua}: the stream's last id, lost, then the entries. */
final class RedisEvents {
  private RedisEvents() {
  }

  static EventPage page(Response reply) {
    String last = reply.get(0).toString();
    boolean lost = reply.get(1).toLong() == 1;
    Response entries = reply.get(2);
    List<SessionEvent> events = new ArrayList<>(entries.size());
    for (Response entry : entries) {
      SessionEvent e = event(entry.get(0).toString(), entry.get(1));
      if (e != null) {
        events.add(e);
      }
    }
    // No entry: the reader is at the end (or the stream is empty after a reset): on from its last id.
    String cursor = entries.size() == 0 ? last : entries.get(entries.size() - 1).get(0).toString();
    return new EventPage(events, cursor, lost);
  }

  /** One entry's fields (t, s, v, at, and h, k for a lease event; in any order); {@code null} for an entry of an unknown type. */
  private static SessionEvent event(String id, Response fields) {
    String type = null;
    String session = null;
    long version = 0;
    long time = 0;
    String holder = null;
    long token = 0;
    for (int i = 0; i + 1 < fields.size(); i += 2) {
      String value = fields.get(i + 1).toString();
      switch (fields.get(i).toString()) {
        case "t" -> type = value;
        case "s" -> session = value;
        case "v" -> version = Long.parseLong(value);
        case "at" -> time = Long.parseLong(value);
        case "h" -> holder = value;
        case "k" -> token = Long.parseLong(value);
        default -> { }
      }
    }
    EventType t = type == null ? null : EventType.fromWire(type);
    return t == null || session == null ? null : new SessionEvent(id, t, session, version, time, holder, token);
  }
}
