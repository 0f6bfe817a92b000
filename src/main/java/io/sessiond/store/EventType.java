package io.sessiond.store;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What happened to a session, as a change event names it ({@code GET /v1/events}, webhooks). Every
 * write that bumps a session's version records exactly one event; so do its expiry and deletion.
 */
public enum EventType {
  /** A {@code PUT} or an import created the session (version 1, or the import's). */
  CREATED("created"),
  /** Any other write: data, keys, messages, blobs, a touch, a replacing {@code PUT} or import. */
  UPDATED("updated"),
  /** A lifecycle transition ({@code POST /state}). */
  STATE_CHANGED("state-changed"),
  /** The credentials document was written or cleared ({@code PUT /creds}). */
  CREDS_CHANGED("creds-changed"),
  /** The session outlived its TTL and was removed (by the sweeper, or found expired by a write). */
  EXPIRED("expired"),
  /** The session was deleted ({@code DELETE}, or a delete by prefix). */
  DELETED("deleted"),
  /** A holder took the session's lease. */
  LEASE_ACQUIRED("lease-acquired"),
  /** The session's lease ended: released, expired or taken over. */
  LEASE_LOST("lease-lost");

  private static final Map<String, EventType> BY_WIRE = Arrays.stream(values())
      .collect(Collectors.toUnmodifiableMap(EventType::wire, Function.identity()));

  private final String wire;

  EventType(String wire) {
    this.wire = wire;
  }

  /** The name on the wire and in the Redis stream ({@code state-changed}). */
  public String wire() {
    return wire;
  }

  /** The type named {@code wire}, or {@code null} when there is none. */
  public static EventType fromWire(String wire) {
    return BY_WIRE.get(wire);
  }
}
