package io.sessiond.store.redis;

import io.sessiond.store.redis.LuaScripts.Script;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns the session scripts into ones that record every change in the PostgreSQL change stream
 * ({@code <prefix>sync}), in the same atomic script that makes it: {@code common.lua} declares
 * {@code local SYNC = false}, and this puts the stream's key there. One global stream is correct on a
 * single Redis (standalone or Sentinel); on Redis Cluster a script may not touch a key outside its
 * session's slot, so sync is refused there (see docs/decisions.md).
 */
final class ChangeRecording {
  private static final String PLACEHOLDER = "local SYNC = false\n";
  private final String stream;
  private final Map<String, Script> recorded = new ConcurrentHashMap<>();

  /** @param stream the change stream's key, or {@code null} when sync is off (scripts stay as they are) */
  ChangeRecording(String stream) {
    if (stream != null && (stream.contains("]") || stream.contains("\n"))) {
      throw new IllegalArgumentException("the change stream key may not contain ']' or a line break");
    }
    this.stream = stream;
  }

  boolean enabled() {
    return stream != null;
  }

  /** The script that also records its change; the script itself when sync is off or it records nothing. */
  Script of(Script script) {
    if (stream == null || !script.source().contains(PLACEHOLDER)) {
      return script;
    }
    return recorded.computeIfAbsent(script.sha(), sha -> {
      String source = script.source().replace(PLACEHOLDER, "local SYNC = [==[" + stream + "]==]\n");
      return new Script(script.name(), source, sha1(source));
    });
  }

  private static String sha1(String source) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-1", e);
    }
  }
}
