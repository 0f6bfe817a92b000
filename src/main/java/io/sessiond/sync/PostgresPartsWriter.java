package io.sessiond.sync;

import io.sessiond.session.Session;
import io.sessiond.session.StoredMessage;
import io.sessiond.sync.SessionParts;
import io.sessiond.sync.PostgresSessionWriter.BlobCopy;
import io.sessiond.sync.SessionLocks.Ref;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The write-behind batch's statements: a few per batch, whatever its size. Session rows are upserted
 * with the (createdAt, version) guard; keys and messages are written as the read parts say — rewritten
 * whole for a full read (and keys after a clear), else the named keys upserted or deleted, the new
 * messages inserted and those below the window deleted. The caller holds every session's lock and read
 * the parts after taking it, so these writes never go back in time (see docs/decisions.md).
 */
final class PostgresPartsWriter {
  /** One session's read parts, with its blobs to copy ({@code null}: leave the blob rows as they are). */
  record PartsWrite(SessionParts parts, List<BlobCopy> blobs) {
  }

  /** What PostgreSQL holds of a session: its row's creation time and version. */
  record Held(long createdAt, long version) {
  }

  private static final String HELD = "SELECT s.tenant, s.id, s.created_at, s.version FROM sessions s"
      + " JOIN unnest($1::text[], $2::text[]) AS w(tenant, id) ON s.tenant = w.tenant AND s.id = w.id";
  /** {@link PostgresSessionWriter#UPSERT} for many rows in one statement (a batch names each session once). */
  private static final String UPSERT_ROWS = "INSERT INTO sessions (tenant, id, state, data, creds, version, created_at,"
      + " updated_at, activity_at, ttl_seconds, expires_at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[],"
      + " $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[])"
      + " ON CONFLICT (tenant, id) DO UPDATE SET state = EXCLUDED.state, data = EXCLUDED.data, creds = EXCLUDED.creds,"
      + " version = EXCLUDED.version, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,"
      + " activity_at = EXCLUDED.activity_at, ttl_seconds = EXCLUDED.ttl_seconds, expires_at = EXCLUDED.expires_at,"
      + " synced_at = now()"
      + " WHERE (sessions.created_at, sessions.version) < (EXCLUDED.created_at, EXCLUDED.version)";
  private static final String TENANTS = "INSERT INTO tenants (id) SELECT DISTINCT unnest($1::text[]) ON CONFLICT DO NOTHING";
  private static final String CLEAR_KEYS = "DELETE FROM keys k USING unnest($1::text[], $2::text[]) AS w(tenant, id)"
      + " WHERE k.tenant = w.tenant AND k.session_id = w.id";
  private static final String CLEAR_MESSAGES = "DELETE FROM messages m USING unnest($1::text[], $2::text[]) AS w(tenant, id)"
      + " WHERE m.tenant = w.tenant AND m.session_id = w.id";
  private static final String DELETE_KEYS = "DELETE FROM keys k"
      + " USING unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS d(tenant, id, type, key_id)"
      + " WHERE k.tenant = d.tenant AND k.session_id = d.id AND k.type = d.type AND k.key_id = d.key_id";
  private static final String UPSERT_KEYS = "INSERT INTO keys (tenant, session_id, type, key_id, value)"
      + " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])"
      + " ON CONFLICT (tenant, session_id, type, key_id) DO UPDATE SET value = EXCLUDED.value";
  private static final String INSERT_MESSAGES = "INSERT INTO messages (tenant, session_id, seq, body)"
      + " SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) ON CONFLICT DO NOTHING";
  private static final String CLEAR_HISTORY = "DELETE FROM creds_history h USING unnest($1::text[], $2::text[]) AS w(tenant, id)"
      + " WHERE h.tenant = w.tenant AND h.session_id = w.id";
  private static final String INSERT_HISTORY = "INSERT INTO creds_history (tenant, session_id, version, written_at, creds)"
      + " SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[])";
  /** The blob rows of sessions that have no blob (their chunks cascade). */
  private static final String CLEAR_BLOBS = "DELETE FROM blobs b USING unnest($1::text[], $2::text[]) AS w(tenant, id)"
      + " WHERE b.tenant = w.tenant AND b.session_id = w.id";
  /** Any blob row of those sessions still there after {@link #CLEAR_BLOBS}: another writer (the batch is retried). */
  private static final String BLOBS_LEFT = "SELECT b.session_id FROM blobs b JOIN unnest($1::text[], $2::text[])"
      + " AS w(tenant, id) ON b.tenant = w.tenant AND b.session_id = w.id LIMIT 1";
  private static final String TRIM_MESSAGES = "DELETE FROM messages m"
      + " USING unnest($1::text[], $2::text[], $3::bigint[]) AS w(tenant, id, lowest)"
      + " WHERE m.tenant = w.tenant AND m.session_id = w.id AND m.seq < w.lowest";

  private PostgresPartsWriter() {
  }

  /** The rows PostgreSQL holds for {@code sessions} (absent: no row). */
  static Future<Map<Ref, Held>> held(SqlConnection conn, Collection<Ref> sessions) {
    if (sessions.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return conn.preparedQuery(HELD).execute(pairs(sessions)).map(rows -> {
      Map<Ref, Held> out = new HashMap<>();
      for (Row r : rows) {
        out.put(new Ref(r.getString(0), r.getString(1)), new Held(r.getLong(2), r.getLong(3)));
      }
      return out;
    });
  }

  /**
   * Writes the batch's sessions (tenants, rows, keys, messages, then blobs). Sessions read without a
   * blob (every session's first sync is a full read, which lists its blobs, mostly none) are cleared
   * of blob rows in one statement for the whole batch; only sessions that have blobs take the
   * per-session path, a few round trips each.
   */
  static Future<Void> write(SqlConnection conn, List<PartsWrite> writes) {
    if (writes.isEmpty()) {
      return Future.succeededFuture();
    }
    List<PartsWrite> ordered = new ArrayList<>(writes);
    ordered.sort(Comparator.comparing((PartsWrite w) -> w.parts().tenant()).thenComparing(w -> w.parts().session().id()));
    Statements s = new Statements();
    ordered.forEach(w -> s.add(w.parts()));
    TreeSet<String> tenants = new TreeSet<>();
    ordered.forEach(w -> tenants.add(w.parts().tenant()));
    Columns rows = new Columns(11);
    ordered.forEach(w -> row(rows, w.parts()));
    // Sent at once: the connection pipelines them and PostgreSQL runs them in this order; a failure
    // aborts the transaction, so the ones after it fail too and the batch is rolled back.
    Columns noBlobs = new Columns(2);
    ordered.stream().filter(w -> w.blobs() != null && w.blobs().isEmpty())
        .forEach(w -> noBlobs.add(w.parts().tenant(), w.parts().session().id()));
    Future<?> tenantRows = conn.preparedQuery(TENANTS).execute(Tuple.tuple().addArrayOfString(tenants.toArray(new String[0])));
    Future<?> sessionRows = rows.run(conn, UPSERT_ROWS);
    Future<Void> parts = s.run(conn);
    Future<Void> cleared = noBlobs.run(conn, CLEAR_BLOBS);
    Future<Void> checked = noBlobs.isEmpty() ? Future.succeededFuture()
        : conn.preparedQuery(BLOBS_LEFT).execute(noBlobs.tuple()).compose(left -> left.size() == 0 ? Future.succeededFuture()
            : Future.failedFuture(new PostgresSessionWriter.BlobsMoved("the blobs of session " + left.iterator().next()
                .getString(0) + " changed in PostgreSQL while being synced")));
    return Future.all(List.of(tenantRows, sessionRows, parts, cleared, checked)).compose(v -> blobs(conn, ordered, 0));
  }

  private static void row(Columns rows, SessionParts p) {
    Session s = p.session();
    rows.add(p.tenant(), s.id(), s.state().wire(), s.dataJson(), s.credsJson(), s.version(), s.createdAt(),
        s.updatedAt(), s.lastActivityAt(), s.ttlSeconds(), s.expiresAt());
  }

  private static Future<Void> blobs(SqlConnection conn, List<PartsWrite> writes, int i) {
    for (int j = i; j < writes.size(); j++) {
      PartsWrite w = writes.get(j);
      if (w.blobs() != null && !w.blobs().isEmpty()) {
        int next = j + 1;
        return PostgresSessionWriter.replaceBlobs(conn, w.parts().tenant(), w.parts().session().id(), w.blobs())
            .compose(v -> blobs(conn, writes, next));
      }
    }
    return Future.succeededFuture();
  }

  private static Tuple pairs(Collection<Ref> sessions) {
    return Tuple.tuple().addArrayOfString(sessions.stream().map(Ref::tenant).toArray(String[]::new))
        .addArrayOfString(sessions.stream().map(Ref::id).toArray(String[]::new));
  }

  /** The batch's key and message statements, as column arrays (one statement each, for all sessions). */
  private static final class Statements {
    private final Columns clearKeys = new Columns(2);
    private final Columns clearMessages = new Columns(2);
    private final Columns deleteKeys = new Columns(4);
    private final Columns upsertKeys = new Columns(5);
    private final Columns messages = new Columns(4);
    private final Columns trims = new Columns(3);
    private final Columns clearHistory = new Columns(2);
    private final Columns history = new Columns(5);

    void add(SessionParts p) {
      String tenant = p.tenant();
      String id = p.session().id();
      if (p.allKeys()) {
        clearKeys.add(tenant, id);
      }
      if (p.full()) {
        clearMessages.add(tenant, id);
      } else if (p.window()) {
        // an empty window drops every message; a non-empty one those below it
        trims.add(tenant, id, p.lowestSeq() == 0 ? Long.MAX_VALUE : p.lowestSeq());
      }
      p.keys().forEach((type, values) -> values.forEach((keyId, value) -> {
        if (value == null) {
          deleteKeys.add(tenant, id, type, keyId);
        } else {
          upsertKeys.add(tenant, id, type, keyId, value);
        }
      }));
      for (StoredMessage m : p.messages()) {
        messages.add(tenant, id, m.seq(), m.json());
      }
      if (p.credsHistory() != null) {
        clearHistory.add(tenant, id);
        p.credsHistory().forEach(v -> history.add(tenant, id, v.version(), v.writtenAt(), v.credsJson()));
      }
    }

    /** Sends the statements in order without waiting for each other (pipelined on the connection). */
    Future<Void> run(SqlConnection conn) {
      return Future.all(List.of(clearKeys.run(conn, CLEAR_KEYS), clearMessages.run(conn, CLEAR_MESSAGES),
          deleteKeys.run(conn, DELETE_KEYS), upsertKeys.run(conn, UPSERT_KEYS), messages.run(conn, INSERT_MESSAGES),
          trims.run(conn, TRIM_MESSAGES), clearHistory.run(conn, CLEAR_HISTORY), history.run(conn, INSERT_HISTORY)))
          .mapEmpty();
    }
  }

  /** Parallel columns of text or bigint values, bound as one array parameter each. */
  private static final class Columns {
    private final List<List<Object>> columns = new ArrayList<>();

    Columns(int n) {
      for (int i = 0; i < n; i++) {
        columns.add(new ArrayList<>());
      }
    }

    void add(Object... values) {
      for (int i = 0; i < values.length; i++) {
        columns.get(i).add(values[i]);
      }
    }

    boolean isEmpty() {
      return columns.get(0).isEmpty();
    }

    Future<Void> run(SqlConnection conn, String sql) {
      if (isEmpty()) {
        return Future.succeededFuture();
      }
      return conn.preparedQuery(sql).execute(tuple()).mapEmpty();
    }

    /** The columns as one array parameter each. */
    Tuple tuple() {
      Tuple t = Tuple.tuple();
      for (List<Object> c : columns) {
        if (c.stream().anyMatch(v -> v instanceof Long)) {
          t.addArrayOfLong(c.toArray(new Long[0]));
        } else {
          t.addArrayOfString(c.toArray(new String[0]));
        }
      }
      return t;
    }
  }
}
