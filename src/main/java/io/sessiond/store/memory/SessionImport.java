package io.sessiond.store.memory;

import io.sessiond.store.RequestChecks;
import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.StoredMessage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Turns a validated export into the session an import stores. */
final class SessionImport {
  private SessionImport() {
  }

  /**
   * The imported session: version {@code max(export's, replaced + 1, 1)}, so a restore into an
   * empty store keeps the export's version (and its ETags) while a replace still moves forward;
   * createdAt from the export, updated and active now, expiry recomputed from its TTL; only the
   * newest {@code maxMessages} messages kept, and the next seq follows the largest imported one; the
   * newest {@code credsHistory} kept creds versions.
   */
  static StoreChange.Imported of(String tenant, SessionExport export, long replacedVersion, int maxMessages,
                                 int credsHistory, long now) {
    Session in = export.session();
    long version = Math.max(in.version(), Math.max(replacedVersion + 1, 1));
    long createdAt = in.createdAt() > 0 ? in.createdAt() : now;
    Session session = new Session(in.id(), in.state(), in.dataJson(), RequestChecks.clearable(in.credsJson()),
        version, createdAt, now, now, in.ttlSeconds(), Session.expiryFor(now, in.ttlSeconds()));
    List<StoredMessage> messages = export.messages() == null ? List.of() : export.messages();
    long nextSeq = messages.isEmpty() ? 1 : messages.get(messages.size() - 1).seq() + 1;
    List<StoredMessage> window = List.copyOf(messages.subList(Math.max(0, messages.size() - maxMessages),
        messages.size()));
    List<io.sessiond.session.CredsVersion> history = export.credsHistory();
    history = history.subList(0, Math.min(history.size(), credsHistory));
    return new StoreChange.Imported(tenant, new SessionExport(session, copyOf(export.keys()), window, history), nextSeq);
  }

  private static Map<String, Map<String, String>> copyOf(Map<String, Map<String, String>> keys) {
    Map<String, Map<String, String>> copy = new TreeMap<>();
    if (keys != null) {
      keys.forEach((type, values) -> {
        if (!values.isEmpty()) {
          copy.put(type, new LinkedHashMap<>(values));
        }
      });
    }
    return copy;
  }
}
