package io.sessiond.sync;

import io.sessiond.session.CredsVersion;
import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.StoredMessage;
import io.sessiond.store.FramedKeys;
import io.sessiond.store.FramedMessages;
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
 * sessions the cursor left out, which are dropped), not one index look-up per session; keys and messages framed
 * by PostgreSQL are read by the run's ids instead (see {@link #framedKeys}).
 */
final class DurableRows {
  private static final String RANGE = " WHERE tenant = $1 AND session_id >= $2 AND session_id <= $3";
  private static final String KEYS = "SELECT session_id, type, key_id, value FROM keys" + RANGE
      + " ORDER BY session_id, type, key_id";
  private static final String MESSAGES = "SELECT session_id, seq, body FROM messages" + RANGE
      + " ORDER BY session_id, seq";
  /**
   * The keys framed by PostgreSQL ({@link FramedKeys}): one row per session and type instead of one per key, its
   * pairs in no particular order (a hash's fields). Each session's keys are one look-up of the primary key by its
   * id, in key order already, so PostgreSQL neither sorts nor hashes a batch's rows: grouping the rows of an id range
   * instead sorted all of them (~10,000 for 500 bot-shaped sessions) in the database's collation first.
   */
  private static String framedKeys(boolean utf8) {
    return "SELECT s.id, k.type, k.frames FROM unnest($2::text[]) s(id), LATERAL (SELECT type, convert_to(string_agg('$' || "
        + size("key_id", utf8) + " || E'\\r\\n' || key_id || E'\\r\\n$' || " + size("value", utf8)
        + " || E'\\r\\n' || value || E'\\r\\n', ''), 'UTF8') frames FROM keys WHERE tenant = $1 AND session_id = s.id"
        + " GROUP BY type ORDER BY type) k";
  }

  /**
   * The messages framed by PostgreSQL ({@link FramedMessages}): one row per session instead of one per message,
   * read by the session's id as the keys are. Without an ORDER BY in the aggregates (which PostgreSQL 15 pays for
   * with a sort per session) they take the subquery's order (the primary key's), as they do in practice but not by
   * contract; both aggregates see the rows in the same order, so each seq stays with its body, and
   * {@link FramedMessages} puts them in seq order should they not be.
   */
  private static String framedMessages(boolean utf8) {
    return "SELECT s.id, m.seqs, m.frames FROM unnest($2::text[]) s(id), LATERAL (SELECT string_agg(seq::text, ',') seqs,"
        + " convert_to(string_agg('$' || " + size("body", utf8) + " || E'\\r\\n' || body || E'\\r\\n', ''), 'UTF8') frames"
        + " FROM (SELECT seq, body FROM messages WHERE tenant = $1 AND session_id = s.id ORDER BY seq) x) m"
        + " WHERE m.seqs IS NOT NULL";
  }

  /** A text column's UTF-8 size in bytes: its own size where the database's encoding is UTF-8, else its conversion's. */
  private static String size(String column, boolean utf8) {
    return utf8 ? "octet_length(" + column + ")" : "octet_length(convert_to(" + column + ", 'UTF8'))";
  }

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
  private final boolean framed;
  /** The framed queries for this database's encoding, once known. */
  private Future<String[]> framedQueries;

  /**
   * {@code framed}: keys and messages read as PostgreSQL frames them ({@link FramedKeys}, {@link FramedMessages}),
   * for a store that copies the frames as they are (a single Redis's direct restore); otherwise row by row.
   */
  DurableRows(Pool pool, boolean framed) {
    this.pool = pool;
    this.framed = framed;
  }

  /** The sessions (ids in cursor order, one tenant) with their keys, messages and blobs. */
  Future<List<Restorable>> read(String tenant, List<Session> sessions) {
    Tuple range = Tuple.of(tenant, sessions.get(0).id(), sessions.get(sessions.size() - 1).id());
    if (framed) {
      String[] ids = new String[sessions.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = sessions.get(i).id();
      }
      Tuple byId = Tuple.of(tenant).addArrayOfString(ids);
      return framedQueries().compose(q -> read(sessions, range, q[0], byId, q[1], byId));
    }
    return read(sessions, range, KEYS, range, MESSAGES, range);
  }

  private Future<String[]> framedQueries() {
    if (framedQueries == null || framedQueries.failed()) {
      framedQueries = pool.query("SHOW server_encoding").execute().map(rows -> {
        boolean utf8 = "UTF8".equalsIgnoreCase(rows.iterator().next().getString(0));
        return new String[] {framedKeys(utf8), framedMessages(utf8)};
      });
    }
    return framedQueries;
  }

  private Future<List<Restorable>> read(List<Session> sessions, Tuple range, String keysQuery, Tuple keysArgs,
                                        String messagesQuery, Tuple messagesArgs) {
    Future<RowSet<Row>> keys = pool.preparedQuery(keysQuery).execute(keysArgs);
    Future<RowSet<Row>> messages = pool.preparedQuery(messagesQuery).execute(messagesArgs);
    Future<RowSet<Row>> blobs = pool.preparedQuery(BLOBS).execute(range);
    Future<RowSet<Row>> history = pool.preparedQuery(HISTORY).execute(range);
    return Future.all(keys, messages, blobs, history)
        .map(all -> restorables(sessions, keys.result(), messages.result(), blobs.result(), history.result(), framed));
  }

  // Each step its own small method: the JIT compiles a large one for seconds, which a restore pays in full.
  private static List<Restorable> restorables(List<Session> sessions, RowSet<Row> keys, RowSet<Row> messages,
                                              RowSet<Row> blobs, RowSet<Row> history, boolean framed) {
    Map<String, Parts> byId = new HashMap<>(sessions.size() * 2);
    for (Session s : sessions) {
      byId.put(s.id(), new Parts(s));
    }
    if (framed) {
      addFramedKeys(byId, keys);
      addFramedMessages(byId, messages);
    } else {
      addKeys(byId, keys);
      addMessages(byId, messages);
    }
    addBlobs(byId, blobs);
    addHistory(byId, history);
    List<Restorable> out = new ArrayList<>(sessions.size());
    for (Session s : sessions) {
      Parts p = byId.get(s.id());
      out.add(new Restorable(new SessionExport(s, p.keys(), p.messages(), p.history),
          p.blobs.isEmpty() ? List.of() : p.blobs));
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

  private static void addFramedKeys(Map<String, Parts> byId, RowSet<Row> rows) {
    Parts last = null;
    for (Row r : rows) {
      Parts p = of(byId, last, r.getString(0));
      if (p != null) {
        if (p.framedTypes == null) {
          p.framedTypes = new ArrayList<>(2);
        }
        p.framedTypes.add(new FramedKeys.Type(r.getString(1), r.getBuffer(2)));
        last = p;
      }
    }
  }

  private static void addFramedMessages(Map<String, Parts> byId, RowSet<Row> rows) {
    for (Row r : rows) {
      Parts p = byId.get(r.getString(0));
      if (p != null) {
        p.framedMessages = new FramedMessages(r.getString(1), r.getBuffer(2));
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
    List<FramedKeys.Type> framedTypes;
    FramedMessages framedMessages;
    private String lastType;
    private Map<String, String> lastValues;

    Parts(Session session) {
      this.session = session;
    }

    Map<String, Map<String, String>> keys() {
      return framedTypes == null ? keys : new FramedKeys(framedTypes);
    }

    List<StoredMessage> messages() {
      return framedMessages == null ? messages : framedMessages;
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
