package io.sessiond.store.redis;

import io.sessiond.store.redis.LuaScripts.Script;
import io.vertx.core.Future;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns the session scripts into ones that record every change for PostgreSQL sync, in the same
 * atomic script that makes it: {@code common.lua} declares {@code local SYNC = false}, and this puts
 * the change stream's key there. On a single Redis (standalone or Sentinel) that is the one stream
 * {@code <prefix>sync}, baked into the script; on Redis Cluster a script may touch only its session's
 * slot, so the key is the stream of that slot ({@link SlotStreams}), passed as {@code KEYS[2]}, and a
 * hint names the slot after the script (see docs/decisions.md).
 */
final class ChangeRecording {
  private static final String PLACEHOLDER = "local SYNC = false\n";
  private final String stream;
  private final SlotStreams slots;
  private final Map<String, Script> recorded = new ConcurrentHashMap<>();

  private ChangeRecording(String stream, SlotStreams slots) {
    if (stream != null && (stream.contains("]") || stream.contains("\n"))) {
      throw new IllegalArgumentException("the change stream key may not contain ']' or a line break");
    }
    this.stream = stream;
    this.slots = slots;
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

  boolean enabled() {
    return stream != null || slots != null;
  }

  /** The script that also records its change; the script itself when sync is off or it records nothing. */
  Script of(Script script) {
    if (!enabled() || !script.source().contains(PLACEHOLDER)) {
      return script;
    }
    return recorded.computeIfAbsent(script.sha(), sha -> {
      String key = slots != null ? "KEYS[2]" : "[==[" + stream + "]==]";
      String source = script.source().replace(PLACEHOLDER, "local SYNC = " + key + "\n");
      return new Script(script.name(), source, sha1(source));
    });
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

  private static String sha1(String source) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-1", e);
    }
  }
}
