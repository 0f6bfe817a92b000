package io.sessiond.sync;

import io.sessiond.session.CredsVersion;
import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.StoredMessage;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what PostgreSQL holds beside a run of one tenant's sessions (consecutive in the restore
 * cursor's order): their keys, messages, kept creds versions and blob rows. Each is one range scan of its table's primary
 * key between the run's first and last id (in the cursor's collation, so exactly the run plus rows of
 * sessions the cursor left out, which are dropped), not one index look-up per session.
 */
final class DurableRows {
  private static final String RANGE = " WHERE tenant = $1 AND session_id >= $2 AND session_id <= $3";
  private static final String KEYS = "SELECT session_id, type, key_id, value FROM keys" + RANGE
      + " ORDER BY session_id, type, key_id";
  private static final String MESSAGES = "SELECT session_id, seq, body FROM messages" + RANGE
      + " ORDER BY session_id, seq";
  private static final String HISTORY = "SELECT session_id, version, written_at, creds FROM creds_history" + RANGE
      + " ORDER BY session_id, version DESC";
  private static final String BLOBS = "SELECT session_id, name, generation, size, chunks FROM blobs" + RANGE
      + " ORDER BY session_id, name";

  /** A session to restore, whole, and its blobs (their chunks are read one at a time when it is restored). */
  record Restorable(SessionExport export, List<StoredBlobRow> blobs) {
  }

  /** A blob as PostgreSQL holds it. */
  record StoredBlobRow(String name, String generation, long size, int chunks) {
  }

  private final Pool pool;

  DurableRows(Pool pool) {
    this.pool = pool;
  }

  /** The sessions (ids in cursor order, one tenant) with their keys, messages and blobs. */
  Future<List<Restorable>> read(String tenant, List<Session> sessions) {
    Tuple range = Tuple.of(tenant, sessions.get(0).id(), sessions.get(sessions.size() - 1).id());
    Future<RowSet<Row>> keys = pool.preparedQuery(KEYS).execute(range);
    Future<RowSet<Row>> messages = pool.preparedQuery(MESSAGES).execute(range);
    Future<RowSet<Row>> blobs = pool.preparedQuery(BLOBS).execute(range);
    Future<RowSet<Row>> history = pool.preparedQuery(HISTORY).execute(range);
    return Future.all(keys, messages, blobs, history)
        .map(all -> restorables(sessions, keys.result(), messages.result(), blobs.result(), history.result()));
  }

  // Each step its own small method: the JIT compiles a large one for seconds, which a restore pays in full.
  private static List<Restorable> restorables(List<Session> sessions, RowSet<Row> keys, RowSet<Row> messages,
                                              RowSet<Row> blobs, RowSet<Row> history) {
    Map<String, Parts> byId = new HashMap<>(sessions.size() * 2);
    for (Session s : sessions) {
      byId.put(s.id(), new Parts(s));
    }
    addKeys(byId, keys);
    addMessages(byId, messages);
    addBlobs(byId, blobs);
    addHistory(byId, history);
    List<Restorable> out = new ArrayList<>(sessions.size());
    for (Session s : sessions) {
      Parts p = byId.get(s.id());
      out.add(new Restorable(new SessionExport(s, p.keys, p.messages, p.history), p.blobs.isEmpty() ? List.of() : p.blobs));
    }
    return out;
  }

  /** The session of the row's first column: the last one found again (rows come in session order), or looked up. */
  private static Parts of(Map<String, Parts> byId, Parts last, String id) {
    return last != null && last.session.id().equals(id) ? last : byId.get(id);
  }

  private static void addKeys(Map<String, Parts> byId, RowSet<Row> rows) {
    Parts last = null;
    for (Row r : rows) {
      Parts p = of(byId, last, r.getString(0));
      if (p != null) {
        p.key(r.getString(1), r.getString(2), r.getString(3));
        last = p;
      }
    }
  }

  private static void addMessages(Map<String, Parts> byId, RowSet<Row> rows) {
    Parts last = null;
    for (Row r : rows) {
      Parts p = of(byId, last, r.getString(0));
      if (p != null) {
        p.messages.add(new StoredMessage(r.getLong(1), r.getString(2)));
        last = p;
      }
    }
  }

  private static void addBlobs(Map<String, Parts> byId, RowSet<Row> rows) {
    for (Row r : rows) {
      Parts p = byId.get(r.getString(0));
      if (p != null) {
        p.blobs.add(new StoredBlobRow(r.getString(1), r.getString(2), r.getLong(3), r.getInteger(4)));
      }
    }
  }

  private static void addHistory(Map<String, Parts> byId, RowSet<Row> rows) {
    for (Row r : rows) {
      Parts p = byId.get(r.getString(0));
      if (p != null) {
        p.history.add(new CredsVersion(r.getLong(1), r.getLong(2), r.getString(3)));
      }
    }
  }

  /** One session's rows as they are read. */
  private static final class Parts {
    final Session session;
    final Map<String, Map<String, String>> keys = new LinkedHashMap<>(2);
    final List<StoredMessage> messages = new ArrayList<>();
    final List<StoredBlobRow> blobs = new ArrayList<>(0);
    final List<CredsVersion> history = new ArrayList<>(0);
    private String lastType;
    private Map<String, String> lastValues;

    Parts(Session session) {
      this.session = session;
    }

    void key(String type, String keyId, String value) {
      if (!type.equals(lastType)) {
        lastType = type;
        lastValues = keys.computeIfAbsent(type, t -> new LinkedHashMap<>());
      }
      lastValues.put(keyId, value);
    }
  }
}
