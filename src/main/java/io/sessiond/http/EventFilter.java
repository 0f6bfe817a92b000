package io.sessiond.http;

import io.sessiond.session.SessionIds;
import io.sessiond.store.EventIds;
import io.sessiond.store.EventType;
import io.sessiond.store.SessionEvent;
import io.vertx.ext.web.RoutingContext;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a reader of {@code GET /v1/events} asked for: the sessions whose id starts with {@code prefix}
 * ({@code null}: all), the event types in {@code types}, from after {@code lastEventId} ({@code null}:
 * from now on). Read from the query ({@code prefix}, {@code types}, {@code lastEventId}) and the
 * {@code Last-Event-ID} header (which wins: a reconnecting EventSource sends it); 400 when invalid.
 */
record EventFilter(String prefix, Set<EventType> types, String lastEventId) {

  static EventFilter of(RoutingContext ctx) {
    String prefix = Requests.query(ctx, "prefix");
    if (!ctx.queryParam("prefix").isEmpty() && !SessionIds.isSessionId(prefix)) {
      throw ApiException.badRequest("query parameter 'prefix' must be 1-128 characters of A-Za-z0-9._@:+-");
    }
    return new EventFilter(prefix, types(Requests.query(ctx, "types")), lastEventId(ctx));
  }

  static Set<EventType> types(String list) {
    if (list == null) {
      return EnumSet.allOf(EventType.class);
    }
    Set<EventType> types = EnumSet.noneOf(EventType.class);
    for (String name : list.split(",", -1)) {
      EventType t = EventType.fromWire(name.trim());
      if (t == null) {
        throw ApiException.badRequest("'" + abbreviated(name) + "' is not an event type; known types: " + allTypes());
      }
      types.add(t);
    }
    return types;
  }

  static String allTypes() {
    return Arrays.stream(EventType.values()).map(EventType::wire).collect(Collectors.joining(", "));
  }

  private static String lastEventId(RoutingContext ctx) {
    var headers = ctx.request().headers().getAll("Last-Event-ID");
    if (headers.size() > 1) {
      throw ApiException.badRequest("header 'Last-Event-ID' is given more than once");
    }
    String id = headers.isEmpty() ? Requests.query(ctx, "lastEventId") : headers.get(0).trim();
    if (id == null || id.isEmpty()) {
      return null;
    }
    if (!EventIds.valid(id)) {
      throw ApiException.badRequest("'" + abbreviated(id) + "' is not an event id: an id is <ms>-<n> (two whole numbers of"
          + " at most 15 digits), as the 'id' of an event this endpoint sent");
    }
    return id;
  }

  private static String abbreviated(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "…" : s;
  }

  boolean matches(SessionEvent e) {
    return types.contains(e.type()) && (prefix == null || e.sessionId().startsWith(prefix));
  }
}
