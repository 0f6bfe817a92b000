package io.sessiond.store.redis;

import io.sessiond.store.EventLogSettings;
import io.sessiond.store.redis.LuaScripts.Script;
import io.vertx.core.Future;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns the session scripts into ones that record every change for PostgreSQL sync, in the same
 * atomic script that makes it: {@code common.lua} declares {@code local SYNC = false}, and this puts
 * the change stream's key there. On a single Redis (standalone or Sentinel) that is the one stream
 * {@code <prefix>sync}, baked into the script; on Redis Cluster a script may touch only its session's
 * slot, so the key is the stream of that slot ({@link SlotStreams}), passed as {@code KEYS[2]}, and a
 * hint names the slot after the script (see docs/decisions.md). With change events on, the scripts also
 * append each change's event to the tenant's stream ({@code <prefix>events:<tenant>}): {@code common.lua}
 * declares {@code local EVENTS, EVENTS_MAX_LEN, EVENTS_MAX_AGE_MS = false, 0, 0} and this puts the
 * streams' key prefix and the log's bounds there (never on a cluster: the tenant's stream is in
 * another slot).
 */
final class ChangeRecording {
  private static final String PLACEHOLDER = "local SYNC = false\n";
  private static final String EVENTS_PLACEHOLDER = "local EVENTS, EVENTS_MAX_LEN, EVENTS_MAX_AGE_MS = false, 0, 0\n";
  private final String stream;
  private final SlotStreams slots;
  private final String eventsPrefix;
  private final EventLogSettings events;
  private final Map<String, Script> recorded = new ConcurrentHashMap<>();

  private ChangeRecording(String stream, SlotStreams slots) {
    this(stream, slots, null, EventLogSettings.OFF);
  }

  private ChangeRecording(String stream, SlotStreams slots, String eventsPrefix, EventLogSettings events) {
    checkKey(stream);
    checkKey(eventsPrefix);
    this.stream = stream;
    this.slots = slots;
    this.eventsPrefix = events.enabled() ? eventsPrefix : null;
    this.events = events;
  }

  private static void checkKey(String key) {
    if (key != null && (key.contains("]") || key.contains("\n"))) {
      throw new IllegalArgumentException("a stream key may not contain ']' or a line break");
    }
  }

  /**
   * The same recording, plus each change's event in its tenant's stream ({@code eventsPrefix + tenant})
   * when {@code events} are on; refused with per-slot sync (a cluster), where a script cannot reach it.
   */
  ChangeRecording withEvents(String eventsPrefix, EventLogSettings events) {
    if (events.enabled() && slots != null) {
      throw new IllegalArgumentException("change events cannot be recorded on Redis Cluster");
    }
    return new ChangeRecording(stream, slots, eventsPrefix, events);
  }

  /** Scripts stay as they are: sync is off. */
  static ChangeRecording off() {
    return new ChangeRecording(null, null);
  }

  /** Every change goes to one stream (a single Redis). */
  static ChangeRecording stream(String stream) {
    return new ChangeRecording(stream, null);
  }

  /** Every change goes to its slot's stream (Redis Cluster). */
  static ChangeRecording perSlot(SlotStreams slots) {
    return new ChangeRecording(null, slots);
  }

  /** Whether changes go to their cluster slot's stream. */
  boolean perSlot() {
    return slots != null;
  }

  /** The event log's age bound in ms, which the sweeper keeps (events_trim.lua); 0 when events are off. */
  long eventsMaxAgeMs() {
    return eventsPrefix != null ? events.maxAgeMs() : 0;
  }

  /** Whether changes are recorded for PostgreSQL sync (a script's SYNC is set). */
  boolean recordsSync() {
    return stream != null || slots != null;
  }

  boolean enabled() {
    return stream != null || slots != null || eventsPrefix != null;
  }

  /** The script that also records its change; the script itself when nothing is recorded or it records nothing. */
  Script of(Script script) {
    if (!enabled() || !script.source().contains(PLACEHOLDER)) {
      return script;
    }
    return recorded.computeIfAbsent(script.sha(), sha -> script.withSource(prelude(script.source())));
  }

  /** {@code common.lua} (or a script that starts with it) with this recording's stream keys and event-log bounds in place. */
  String prelude(String source) {
    if (stream != null || slots != null) {
      String key = slots != null ? "KEYS[2]" : "[==[" + stream + "]==]";
      source = source.replace(PLACEHOLDER, "local SYNC = " + key + "\n");
    }
    if (eventsPrefix != null) {
      source = source.replace(EVENTS_PLACEHOLDER, "local EVENTS, EVENTS_MAX_LEN, EVENTS_MAX_AGE_MS = [==["
          + eventsPrefix + "]==], " + events.maxLength() + ", " + events.maxAgeMs() + "\n");
    }
    return source;
  }

  /**
   * Runs {@code script}'s recording variant on the session {@code sessionKey}: with the slot's stream
   * as a second key on a cluster, and the slot hinted once the change is recorded.
   */
  Future<Response> eval(RedisLink link, RedisConnection conn, Script script, String sessionKey, List<?> args) {
    Script run = of(script);
    if (slots == null || run == script) {
      return link.eval(conn, run, List.of(sessionKey), args);
    }
    return link.eval(conn, run, List.of(sessionKey, slots.streamOf(sessionKey)), args)
        .andThen(ar -> slots.hint(link, conn, sessionKey)); // also after a lost reply: the script may have run
  }
}
