package io.sessiond.sync;

import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.StoredMessage;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Writes sessions into PostgreSQL, idempotently: a session row is replaced only by a newer
 * (createdAt, version) — an older or equal one changes nothing, so duplicate and reordered changes are
 * harmless — and its keys and messages are rewritten only when the row was. A deletion removes the
 * row (keys, messages and blobs cascade) only when it is not newer than what was deleted, so a session
 * created again after the deletion survives it. One call is one transaction.
 */
final class PostgresSessionWriter {
  /**
   * A session as Redis holds it now, to upsert, with its blobs ({@code null}: leave the blob rows as
   * they are).
   */
  record Upsert(String tenant, SessionExport export, List<BlobCopy> blobs) {
  }

  /**
   * One committed blob; {@code data} (its chunks in order) is {@code null} when PostgreSQL already
   * held this generation when it was read.
   */
  record BlobCopy(String name, String generation, long size, int chunks, List<Buffer> data) {
  }

  /** PostgreSQL's blobs of a session changed between the read and the write: the batch is retried. */
  static final class BlobsMoved extends RuntimeException {
    BlobsMoved(String message) {
      super(message);
    }
  }

  /** A session deleted or expired at (createdAt, version). */
  record Deletion(String tenant, String id, long createdAt, long version) {
  }

  static final String UPSERT = "INSERT INTO sessions (tenant, id, state, data, creds, version, created_at,"
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

  /**
   * Write-through: applies deletions, then whole sessions (their after-images), in one transaction
   * holding the sessions' locks ({@link SessionLocks}); an image older than the row changes nothing.
   */
  Future<Void> write(List<Deletion> deletions, List<Upsert> upserts) {
    return write(deletions, upserts, conn -> Future.succeededFuture());
  }

  /** As {@link #write(List, List)}, running {@code first} in the transaction before anything else (the epoch's hold). */
  Future<Void> write(List<Deletion> deletions, List<Upsert> upserts, Function<SqlConnection, Future<Void>> first) {
    if (deletions.isEmpty() && upserts.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Upsert> ordered = new ArrayList<>(upserts);
    ordered.sort(Comparator.comparing(Upsert::tenant).thenComparing(u -> u.export().session().id()));
    List<SessionLocks.Ref> locked = new ArrayList<>();
    deletions.forEach(d -> locked.add(new SessionLocks.Ref(d.tenant(), d.id())));
    ordered.forEach(u -> locked.add(new SessionLocks.Ref(u.tenant(), u.export().session().id())));
    return pool.withTransaction(conn -> first.apply(conn).compose(v -> SessionLocks.lock(conn, locked))
        .compose(v -> tenants(conn, ordered))
        .compose(v -> deleteAll(conn, deletions))
        .compose(v -> upsertAll(conn, ordered, 0)));
  }

  /** Runs {@code work} in one transaction. */
  <T> Future<T> transaction(Function<SqlConnection, Future<T>> work) {
    return pool.withTransaction(work::apply);
  }

  /**
   * Removes sessions that expired before {@code before} (a safety net for expiries no sweeper recorded),
   * a bounded number per call, each under its lock so that it never lands between a sync's read of
   * the row and its write.
   */
  Future<Integer> deleteExpired(long before) {
    return pool.preparedQuery("SELECT tenant, id FROM sessions WHERE expires_at > 0 AND expires_at < $1 LIMIT 1000")
        .execute(Tuple.of(before)).compose(rows -> {
          List<SessionLocks.Ref> expired = new ArrayList<>();
          rows.forEach(r -> expired.add(new SessionLocks.Ref(r.getString(0), r.getString(1))));
          if (expired.isEmpty()) {
            return Future.succeededFuture(0);
          }
          Tuple args = Tuple.of(before).addArrayOfString(expired.stream().map(SessionLocks.Ref::tenant).toArray(String[]::new))
              .addArrayOfString(expired.stream().map(SessionLocks.Ref::id).toArray(String[]::new));
          return pool.withTransaction(conn -> SessionLocks.lock(conn, expired)
              .compose(v -> conn.preparedQuery("DELETE FROM sessions s USING unnest($2::text[], $3::text[]) AS x(tenant, id)"
                  + " WHERE s.tenant = x.tenant AND s.id = x.id AND s.expires_at > 0 AND s.expires_at < $1").execute(args))
              .map(r -> r.rowCount()));
        });
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

  static Future<Void> deleteAll(SqlConnection conn, List<Deletion> deletions) {
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
        ? Future.succeededFuture() : replaceParts(conn, u.tenant(), u.export())
            .compose(v -> u.blobs() == null ? Future.succeededFuture() : replaceBlobs(conn, u.tenant(), s.id(), u.blobs())));
  }

  /**
   * Makes the session's blob rows what {@code blobs} lists: blobs no longer listed, or listed at
   * another generation, are deleted (their chunks cascade); those read with data are inserted; and
   * those read without data (PostgreSQL held their generation) are checked to still be there.
   */
  static Future<Void> replaceBlobs(SqlConnection conn, String tenant, String id, List<BlobCopy> blobs) {
    String[] names = blobs.stream().map(BlobCopy::name).toArray(String[]::new);
    String[] generations = blobs.stream().map(BlobCopy::generation).toArray(String[]::new);
    List<BlobCopy> fresh = blobs.stream().filter(b -> b.data() != null).toList();
    Tuple ref = Tuple.of(tenant, id);
    Future<?> deleted = conn.preparedQuery("DELETE FROM blobs b WHERE tenant = $1 AND session_id = $2 AND NOT EXISTS"
        + " (SELECT 1 FROM unnest($3::text[], $4::text[]) AS l(name, generation)"
        + " WHERE l.name = b.name AND l.generation = b.generation)")
        .execute(Tuple.of(tenant, id).addArrayOfString(names).addArrayOfString(generations));
    if (!fresh.isEmpty()) {
      String[] freshNames = fresh.stream().map(BlobCopy::name).toArray(String[]::new);
      deleted = deleted.compose(v -> conn.preparedQuery("DELETE FROM blobs WHERE tenant = $1 AND session_id = $2"
          + " AND name = ANY($3)").execute(Tuple.of(tenant, id).addArrayOfString(freshNames)));
    }
    return deleted.compose(v -> insertBlobs(conn, tenant, id, fresh, 0))
        .compose(v -> conn.preparedQuery("SELECT name, generation FROM blobs WHERE tenant = $1 AND session_id = $2")
            .execute(ref))
        .compose(rows -> {
          Map<String, String> held = new HashMap<>();
          rows.forEach(r -> held.put(r.getString("name"), r.getString("generation")));
          for (BlobCopy b : blobs) {
            if (!b.generation().equals(held.get(b.name()))) {
              return Future.failedFuture(new BlobsMoved("blob " + b.name() + " of session " + id
                  + " changed in PostgreSQL while it was being synced; retried"));
            }
          }
          return held.size() == blobs.size() ? Future.succeededFuture()
              : Future.failedFuture(new BlobsMoved("the blobs of session " + id + " changed in PostgreSQL while being synced"));
        });
  }

  private static Future<Void> insertBlobs(SqlConnection conn, String tenant, String id, List<BlobCopy> blobs, int i) {
    if (i == blobs.size()) {
      return Future.succeededFuture();
    }
    BlobCopy b = blobs.get(i);
    List<Tuple> chunks = new ArrayList<>();
    for (int c = 0; c < b.data().size(); c++) {
      chunks.add(Tuple.of(tenant, id, b.name(), c, b.data().get(c)));
    }
    return conn.preparedQuery("INSERT INTO blobs (tenant, session_id, name, generation, size, chunks)"
            + " VALUES ($1, $2, $3, $4, $5, $6)").execute(Tuple.of(tenant, id, b.name(), b.generation(), b.size(), b.chunks()))
        .compose(v -> chunks.isEmpty() ? Future.succeededFuture() : conn.preparedQuery(
            "INSERT INTO blob_chunks (tenant, session_id, name, chunk, data) VALUES ($1, $2, $3, $4, $5)")
            .executeBatch(chunks))
        .compose(v -> insertBlobs(conn, tenant, id, blobs, i + 1));
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
    List<Tuple> history = new ArrayList<>();
    e.credsHistory().forEach(v -> history.add(Tuple.of(tenant, id, v.version(), v.writtenAt(), v.credsJson())));
    Tuple ref = Tuple.of(tenant, id);
    return conn.preparedQuery("DELETE FROM keys WHERE tenant = $1 AND session_id = $2").execute(ref)
        .compose(v -> keys.isEmpty() ? Future.succeededFuture() : conn.preparedQuery(
            "INSERT INTO keys (tenant, session_id, type, key_id, value) VALUES ($1, $2, $3, $4, $5)").executeBatch(keys))
        .compose(v -> conn.preparedQuery("DELETE FROM messages WHERE tenant = $1 AND session_id = $2").execute(ref))
        .compose(v -> messages.isEmpty() ? Future.succeededFuture() : conn.preparedQuery(
            "INSERT INTO messages (tenant, session_id, seq, body) VALUES ($1, $2, $3, $4)").executeBatch(messages))
        .compose(v -> conn.preparedQuery("DELETE FROM creds_history WHERE tenant = $1 AND session_id = $2").execute(ref))
        .compose(v -> history.isEmpty() ? Future.succeededFuture() : conn.preparedQuery(
            "INSERT INTO creds_history (tenant, session_id, version, written_at, creds) VALUES ($1, $2, $3, $4, $5)")
            .executeBatch(history))
        .mapEmpty();
  }
}
