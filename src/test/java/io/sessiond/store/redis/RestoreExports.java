package io.sessiond.store.redis;

import io.sessiond.session.CredsVersion;
import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.SessionState;
import io.sessiond.session.StoredMessage;
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
}
