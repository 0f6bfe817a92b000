package io.sessiond.store.redis;

import io.sessiond.session.CredsVersion;
import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.SessionState;
import io.sessiond.session.StoredMessage;
import io.sessiond.store.FramedKeys;
import io.sessiond.store.FramedMessages;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Exports for the restore tests: a bot's shape, with multi-byte text in data, creds, key ids and values, and messages. */
final class RestoreExports {
  private RestoreExports() {
  }

  /**
   * A connected session at {@code version} with {@code preKeys} pre-keys, one session key, {@code messages}
   * messages and two creds versions; {@code emptyType} adds a key type without keys (which a restore does not keep).
   */
  static SessionExport multiByte(String id, long createdAt, long version, long ttl, int preKeys, int messages,
      boolean emptyType) {
    Map<String, Map<String, String>> keys = new LinkedHashMap<>();
    Map<String, String> pre = new LinkedHashMap<>();
    for (int i = 1; i <= preKeys; i++) {
      pre.put(Integer.toString(i), "{\"k\":\"ключ " + i + " 🔑\"}");
    }
    keys.put("pre-key", pre);
    keys.put("session", Map.of("ü@s.whatsapp.net", "{\"s\":\"é\"}"));
    if (emptyType) {
      keys.put("empty", Map.of());
    }
    List<StoredMessage> window = new ArrayList<>();
    for (int i = 1; i <= messages; i++) {
      window.add(StoredMessage.of(i, "{\"text\":\"привет " + i + " 👋\"}"));
    }
    return new SessionExport(new Session(id, SessionState.CONNECTED, "{\"restored\":" + version + ",\"name\":\"Zoë\"}",
        "{\"noiseKey\":\"ñ\"}", version, createdAt, 2_000, 2_000, ttl, 0), keys, window,
        List.of(new CredsVersion(version, 2_000, "{\"noiseKey\":\"ñ\"}"), new CredsVersion(version - 1, 1_500, "{\"old\":\"ø\"}")));
  }

  /**
   * Values that look like the frames a restore reads ({@code $3\r\n}), raw CR and LF, empty values, a value of
   * ~600 KB of multi-byte text, {@code preKeys} pre-keys (more than one HSET takes at 1,001) and {@code messages}
   * messages with CR/LF and {@code $} in them.
   */
  static SessionExport awkward(String id, long createdAt, long version, long ttl, int preKeys, int messages) {
    Map<String, Map<String, String>> keys = new LinkedHashMap<>();
    Map<String, String> pre = new LinkedHashMap<>();
    for (int i = 1; i <= preKeys; i++) {
      pre.put(i % 7 == 0 ? "$" + i + "\r\nid" : Integer.toString(i), switch (i % 5) {
        case 0 -> "";
        case 1 -> "line\r\nbreak $3\r\nabc\r\n";
        case 2 -> "ключ 🔑 \n\r";
        case 3 -> "\r\n";
        default -> "$-1\r\n";
      });
    }
    keys.put("pre-key", pre);
    keys.put("session", Map.of("big", "é🔑\r\n".repeat(100_000), "ü\r\n", ""));
    List<StoredMessage> window = new ArrayList<>();
    for (int i = 1; i <= messages; i++) {
      window.add(new StoredMessage(i * 3L, "{\"seq\":" + i * 3L + ",\r\n\"t\":\"$5\\r\\n привет " + i + "\"}\r\n"));
    }
    return new SessionExport(new Session(id, SessionState.CONNECTED, "{\"d\":\"$2\r\nhé\"}", "{\"c\":\"\r\n\"}",
        version, createdAt, 2_000, 2_000, ttl, 0), keys, window, List.of(new CredsVersion(version, 2_000, "{\"c\":1}")));
  }

  /** The same export with its keys and messages as PostgreSQL frames them for a restore ({@link FramedKeys}, {@link FramedMessages}). */
  static SessionExport framed(SessionExport e) {
    List<FramedKeys.Type> types = new ArrayList<>();
    e.keys().forEach((type, values) -> {
      if (!values.isEmpty()) {
        Buffer frames = Buffer.buffer();
        values.forEach((k, v) -> frame(frame(frames, k), v));
        types.add(new FramedKeys.Type(type, frames));
      }
    });
    Buffer bodies = Buffer.buffer();
    StringBuilder seqs = new StringBuilder();
    for (StoredMessage m : e.messages()) {
      frame(bodies, m.json());
      seqs.append(seqs.length() == 0 ? "" : ",").append(m.seq());
    }
    return new SessionExport(e.session(), new FramedKeys(types), e.messages().isEmpty() ? List.of()
        : new FramedMessages(seqs.toString(), bodies), e.credsHistory());
  }

  private static Buffer frame(Buffer b, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    return b.appendString("$" + bytes.length + "\r\n").appendBytes(bytes).appendString("\r\n");
  }
}
