package io.sessiond.sync;

import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.StoredMessage;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * Writes sessions into PostgreSQL, idempotently: a session row is replaced only by a newer
 * (createdAt, version) — an older or equal one changes nothing, so duplicate and reordered changes are
 * harmless — and its keys and messages are rewritten only when the row was. A deletion removes the
 * row (keys and messages cascade) only when it is not newer than what was deleted, so a session
 * created again after the deletion survives it. One call is one transaction.
 */
final class PostgresSessionWriter {
  /** A session as Redis holds it now, to upsert. */
  record Upsert(String tenant, SessionExport export) {
  }

  /** A session deleted or expired at (createdAt, version). */
  record Deletion(String tenant, String id, long createdAt, long version) {
  }

  private static final String UPSERT = "INSERT INTO sessions (tenant, id, state, data, creds, version, created_at,"
      + " updated_at, activity_at, ttl_seconds, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
      + " ON CONFLICT (tenant, id) DO UPDATE SET state = EXCLUDED.state, data = EXCLUDED.data, creds = EXCLUDED.creds,"
      + " version = EXCLUDED.version, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,"
      + " activity_at = EXCLUDED.activity_at, ttl_seconds = EXCLUDED.ttl_seconds, expires_at = EXCLUDED.expires_at,"
      + " synced_at = now()"
      + " WHERE (sessions.created_at, sessions.version) < (EXCLUDED.created_at, EXCLUDED.version) RETURNING 1";
  private static final String DELETE = "DELETE FROM sessions WHERE tenant = $1 AND id = $2"
      + " AND (created_at, version) <= ($3, $4)";

  private final Pool pool;

  PostgresSessionWriter(Pool pool) {
    this.pool = pool;
  }

  /** Applies deletions, then upserts, in one transaction (sessions in a fixed order, so concurrent batches cannot deadlock). */
  Future<Void> write(List<Deletion> deletions, List<Upsert> upserts) {
    if (deletions.isEmpty() && upserts.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Upsert> ordered = new ArrayList<>(upserts);
    ordered.sort(Comparator.comparing(Upsert::tenant).thenComparing(u -> u.export().session().id()));
    return pool.withTransaction(conn -> tenants(conn, ordered)
        .compose(v -> deleteAll(conn, deletions))
        .compose(v -> upsertAll(conn, ordered, 0)));
  }

  /** Removes sessions that expired before {@code before} (a safety net for expiries no sweeper recorded). */
  Future<Integer> deleteExpired(long before) {
    return pool.preparedQuery("DELETE FROM sessions WHERE expires_at > 0 AND expires_at < $1")
        .execute(Tuple.of(before)).map(r -> r.rowCount());
  }

  private static Future<Void> tenants(SqlConnection conn, List<Upsert> upserts) {
    TreeSet<String> tenants = new TreeSet<>();
    upserts.forEach(u -> tenants.add(u.tenant()));
    if (tenants.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> rows = tenants.stream().map(Tuple::of).toList();
    return conn.preparedQuery("INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING").executeBatch(rows).mapEmpty();
  }

  private static Future<Void> deleteAll(SqlConnection conn, List<Deletion> deletions) {
    if (deletions.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> rows = deletions.stream().map(d -> Tuple.of(d.tenant(), d.id(), d.createdAt(), d.version())).toList();
    return conn.preparedQuery(DELETE).executeBatch(rows).mapEmpty();
  }

  private static Future<Void> upsertAll(SqlConnection conn, List<Upsert> upserts, int i) {
    if (i == upserts.size()) {
      return Future.succeededFuture();
    }
    return upsert(conn, upserts.get(i)).compose(v -> upsertAll(conn, upserts, i + 1));
  }

  private static Future<Void> upsert(SqlConnection conn, Upsert u) {
    Session s = u.export().session();
    Tuple row = Tuple.of(u.tenant(), s.id(), s.state().wire(), s.dataJson(), s.credsJson(), s.version(), s.createdAt())
        .addLong(s.updatedAt()).addLong(s.lastActivityAt()).addLong(s.ttlSeconds()).addLong(s.expiresAt());
    return conn.preparedQuery(UPSERT).execute(row).compose(rows -> rows.rowCount() == 0
        ? Future.succeededFuture() : replaceParts(conn, u.tenant(), u.export()));
  }

  private static Future<Void> replaceParts(SqlConnection conn, String tenant, SessionExport e) {
    String id = e.session().id();
    List<Tuple> keys = new ArrayList<>();
    if (e.keys() != null) {
      e.keys().forEach((type, values) -> values.forEach((keyId, value) -> keys.add(Tuple.of(tenant, id, type, keyId, value))));
    }
    List<Tuple> messages = new ArrayList<>();
    if (e.messages() != null) {
      for (StoredMessage m : e.messages()) {
        messages.add(Tuple.of(tenant, id, m.seq(), m.json()));
      }
    }
    Tuple ref = Tuple.of(tenant, id);
    return conn.preparedQuery("DELETE FROM keys WHERE tenant = $1 AND session_id = $2").execute(ref)
        .compose(v -> keys.isEmpty() ? Future.succeededFuture() : conn.preparedQuery(
            "INSERT INTO keys (tenant, session_id, type, key_id, value) VALUES ($1, $2, $3, $4, $5)").executeBatch(keys))
        .compose(v -> conn.preparedQuery("DELETE FROM messages WHERE tenant = $1 AND session_id = $2").execute(ref))
        .compose(v -> messages.isEmpty() ? Future.succeededFuture() : conn.preparedQuery(
            "INSERT INTO messages (tenant, session_id, seq, body) VALUES ($1, $2, $3, $4)").executeBatch(messages))
        .mapEmpty();
  }
}
