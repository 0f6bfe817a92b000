package io.sessiond.sync;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.UUID;

/**
 * Keeps a change read from Redis before it lost its data from landing in PostgreSQL after a restore
 * has read that session: with versions counted again from PostgreSQL's, such a late change would carry
 * the same version as a newer write and win over it. PostgreSQL records the Redis epoch it takes
 * changes from ({@code sync_epoch}); a sync transaction holds that row shared and commits only under the
 * epoch it read its changes in ({@link #hold}); a restore first moves the row to Redis's current epoch
 * ({@link #advance}), which waits for the transactions holding it, so every change of the old epoch
 * has either landed before the restore reads or never lands.
 */
final class DurableEpoch {
  /** The sync transaction read its changes in an epoch PostgreSQL no longer takes: nothing is written, the changes wait. */
  static final class Moved extends RuntimeException {
    Moved(String read, String durable) {
      super("Redis's data changed identity while these changes were read (epoch " + read + ", PostgreSQL takes "
          + durable + "); they are read again");
    }
  }

  private final Pool pool;
  private final ChangeFeed feed;
  /** The epoch this instance last moved the row to (or found it at); only a hint, {@link #hold} decides. */
  private volatile String advanced;

  DurableEpoch(Pool pool, ChangeFeed feed) {
    this.pool = pool;
    this.feed = feed;
  }

  /** Reads Redis's epoch now and moves PostgreSQL's to it (after the transactions of the old one); the epoch. */
  Future<String> advance() {
    return feed.epoch(UUID.randomUUID().toString()).compose(current -> current.equals(advanced)
        ? Future.succeededFuture(current)
        : pool.preparedQuery("UPDATE sync_epoch SET epoch = $1 WHERE epoch <> $1").execute(Tuple.of(current))
            .map(r -> {
              advanced = current;
              return current;
            }));
  }

  /** Holds PostgreSQL's epoch in {@code conn}'s transaction; fails with {@link Moved} unless it is {@code read}. */
  Future<Void> hold(SqlConnection conn, String read) {
    return conn.preparedQuery("SELECT epoch FROM sync_epoch FOR SHARE").execute().compose(rows -> {
      String durable = rows.iterator().hasNext() ? rows.iterator().next().getString(0) : "";
      if (read.equals(durable)) {
        return Future.succeededFuture();
      }
      advanced = null;
      return Future.failedFuture(new Moved(read, durable));
    });
  }
}
