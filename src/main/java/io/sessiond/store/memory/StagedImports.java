package io.sessiond.store.memory;

import io.sessiond.session.SessionExport;
import io.sessiond.session.SessionSize;
import io.sessiond.store.RequestChecks;
import io.sessiond.store.StoreRequests.StageImportKeys;
import io.sessiond.store.StoreRequests.StagedImport;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keys that large imports staged and have not committed yet, kept apart from the sessions (never
 * journaled: an import that is not committed never happened). The commit merges them into the
 * export it stores.
 */
final class StagedImports {
  private final Map<List<String>, Map<String, Map<String, String>>> staged = new HashMap<>();

  /** Stages a batch; the bytes of its ids and values. INVALID when a key id was staged before. */
  long stage(StageImportKeys r) {
    RequestChecks.sessionId(r.id());
    RequestChecks.keyType(r.type());
    if (r.pairs().size() % 2 != 0) {
      throw RequestChecks.invalid("staged keys come in pairs of id and value");
    }
    Map<String, String> values = staged.computeIfAbsent(key(r.tenant(), r.id(), r.stagingId()), k -> new HashMap<>())
        .computeIfAbsent(r.type(), t -> new LinkedHashMap<>());
    long bytes = 0;
    for (int i = 0; i < r.pairs().size(); i += 2) {
      String keyId = r.pairs().get(i);
      String value = r.pairs().get(i + 1);
      RequestChecks.keyId(keyId);
      if (value == null) {
        throw RequestChecks.invalid("an imported key value cannot be null");
      }
      if (values.putIfAbsent(keyId, value) != null) {
        throw RequestChecks.invalid("the import names key '" + keyId + "' of type '" + r.type() + "' twice");
      }
      bytes += SessionSize.utf8Length(keyId) + SessionSize.utf8Length(value);
    }
    return bytes;
  }

  /** The export with the staged keys added to its own; INVALID when nothing is staged under that id. */
  SessionExport merged(String tenant, SessionExport export, StagedImport s) {
    Map<String, Map<String, String>> keys = staged.get(key(tenant, export.session().id(), s.stagingId()));
    if (keys == null && !s.types().isEmpty()) {
      throw RequestChecks.invalid("no keys are staged for this import");
    }
    Map<String, Map<String, String>> all = new LinkedHashMap<>();
    if (export.keys() != null) {
      export.keys().forEach((type, values) -> all.put(type, new LinkedHashMap<>(values)));
    }
    if (keys != null) {
      keys.forEach((type, values) -> all.computeIfAbsent(type, t -> new LinkedHashMap<>()).putAll(values));
    }
    return new SessionExport(export.session(), all, export.messages(), export.credsHistory());
  }

  void drop(String tenant, String id, String stagingId) {
    staged.remove(key(tenant, id, stagingId));
  }

  private static List<String> key(String tenant, String id, String stagingId) {
    return List.of(tenant, id, stagingId);
  }
}
