package io.sessiond.session;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The lifecycle of a session. A pairing flow walks unregistered → registering → registered →
 * connected; a connected session moves between connected and disconnected; the remote side can
 * expire it, and the user can log out from any state. Expired and logged-out sessions can start over.
 */
public enum SessionState {
  UNREGISTERED("unregistered"),
  REGISTERING("registering"),
  REGISTERED("registered"),
  CONNECTED("connected"),
  DISCONNECTED("disconnected"),
  EXPIRED("expired"),
  LOGGED_OUT("logged-out");

  private static final Map<SessionState, Set<SessionState>> NEXT = Map.of(
      UNREGISTERED, EnumSet.of(REGISTERING, LOGGED_OUT),
      REGISTERING, EnumSet.of(REGISTERED, UNREGISTERED, LOGGED_OUT),
      REGISTERED, EnumSet.of(CONNECTED, DISCONNECTED, EXPIRED, LOGGED_OUT),
      CONNECTED, EnumSet.of(DISCONNECTED, EXPIRED, LOGGED_OUT),
      DISCONNECTED, EnumSet.of(CONNECTED, EXPIRED, LOGGED_OUT),
      EXPIRED, EnumSet.of(UNREGISTERED, REGISTERING, LOGGED_OUT),
      LOGGED_OUT, EnumSet.of(UNREGISTERED, REGISTERING));

  private final String wire;

  SessionState(String wire) {
    this.wire = wire;
  }

  /** The name used in the API and in storage. */
  public String wire() {
    return wire;
  }

  /** Whether a transition from this state to {@code next} is legal; staying in place always is. */
  public boolean canMoveTo(SessionState next) {
    return next == this || NEXT.get(this).contains(next);
  }

  /** The states reachable from this one, for error messages and the status document. */
  public Set<SessionState> next() {
    return NEXT.get(this);
  }

  /** Parses a wire name; {@code null} when it names no state. */
  public static SessionState parse(String wire) {
    if (wire == null) {
      return null;
    }
    for (SessionState s : values()) {
      if (s.wire.equals(wire)) {
        return s;
      }
    }
    return null;
  }
}
