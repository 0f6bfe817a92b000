package io.sessiond.sync;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.TreeSet;

/**
 * PostgreSQL transaction-scoped advisory locks, one per session, taken by every transaction that writes
 * a session's rows (the write-behind batch, write-through, the expired-rows clean-up). The sync reads a
 * session from Redis only once it holds the session's lock, so the last transaction to commit always
 * wrote the newest state (see docs/decisions.md). All of a transaction's locks are taken in one
 * statement in ascending key order, so two transactions never wait for each other in a cycle.
 */
final class SessionLocks {
  private static final String LOCK = "SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) AS k";

  /** A session is named by its tenant and id; the same pair always gives the same key. */
  record Ref(String tenant, String id) {
  }

  private SessionLocks() {
  }

  /** The lock key of a session: the first 64 bits of SHA-256(tenant NUL id). A collision only serializes two sessions. */
  static long key(String tenant, String id) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(tenant.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(id.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(sha.digest()).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  /** Takes the locks of {@code sessions} for the rest of {@code conn}'s transaction, waiting for them. */
  static Future<Void> lock(SqlConnection conn, Collection<Ref> sessions) {
    TreeSet<Long> keys = new TreeSet<>();
    sessions.forEach(s -> keys.add(key(s.tenant(), s.id())));
    if (keys.isEmpty()) {
      return Future.succeededFuture();
    }
    // unnest yields the sorted array in order and the scan calls the lock function row by row, in that order
    return conn.preparedQuery(LOCK).execute(Tuple.tuple().addArrayOfLong(keys.toArray(new Long[0]))).mapEmpty();
  }
}
