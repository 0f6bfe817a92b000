package io.sessiond.sync;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small versioned migration runner over the reactive client (see docs/decisions.md): migrations
 * are {@code /db/migration/V<n>__<name>.sql}, listed in {@link #PACKAGED}; each is applied once, in
 * its own transaction, and recorded with its SHA-256 in {@code schema_migrations}. A session-level
 * advisory lock makes instances starting together apply each migration exactly once. A migration
 * whose file changed after it was applied, or a database newer than this build, stops start-up.
 */
final class Migrations {
  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
  /** Every migration, in order. Add a file and its name here; never edit an applied one. */
  static final List<String> PACKAGED = List.of("V1__init.sql", "V2__blobs.sql", "V3__tenant_catalog.sql",
      "V4__creds_history.sql", "V5__sync_epoch.sql");
  private static final long LOCK_ID = 0x5e55_10d0L;

  /** One migration: its version, file name and SQL. */
  record Migration(int version, String name, String sql) {
    String checksum() {
      try {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(sql.getBytes(StandardCharsets.UTF_8)));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("the JVM has no SHA-256", e);
      }
    }
  }

  /** A migration problem that must stop start-up; the message says what to do. */
  static final class MigrationException extends RuntimeException {
    MigrationException(String message) {
      super(message);
    }
  }

  private final List<Migration> migrations;

  Migrations(List<Migration> migrations) {
    this.migrations = List.copyOf(migrations);
  }

  /** The migrations packaged in the jar. */
  static Migrations packaged() {
    return new Migrations(PACKAGED.stream().map(Migrations::read).toList());
  }

  static Migration read(String file) {
    try (InputStream in = Migrations.class.getResourceAsStream("/db/migration/" + file)) {
      if (in == null) {
        throw new IllegalStateException("missing resource /db/migration/" + file);
      }
      return new Migration(version(file), file, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /db/migration/" + file, e);
    }
  }

  static int version(String file) {
    if (!file.matches("V[0-9]+__[A-Za-z0-9_]+\\.sql")) {
      throw new IllegalArgumentException("a migration is named V<n>__<name>.sql: " + file);
    }
    return Integer.parseInt(file.substring(1, file.indexOf("__")));
  }

  /** Applies what is missing; the number of migrations applied by this call. */
  Future<Integer> migrate(Pool pool) {
    return pool.getConnection().compose(conn -> conn.query("SELECT pg_advisory_lock(" + LOCK_ID + ")").execute()
        .compose(v -> conn.query("CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, name text NOT NULL,"
            + " checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())").execute())
        .compose(v -> conn.query("SELECT version, name, checksum FROM schema_migrations").execute())
        .compose(rows -> {
          Map<Integer, Row> applied = new HashMap<>();
          rows.forEach(r -> applied.put(r.getInteger("version"), r));
          return applyMissing(conn, applied, 0, 0);
        })
        .eventually(() -> conn.query("SELECT pg_advisory_unlock(" + LOCK_ID + ")").execute()
            .otherwiseEmpty().eventually(conn::close)));
  }

  private Future<Integer> applyMissing(SqlConnection conn, Map<Integer, Row> applied, int i, int count) {
    if (i == migrations.size()) {
      int newest = migrations.isEmpty() ? 0 : migrations.get(migrations.size() - 1).version();
      for (int v : applied.keySet()) {
        if (v > newest) {
          return Future.failedFuture(new MigrationException("the database schema is at version " + v
              + ", newer than this sessiond knows (" + newest + "); run a newer sessiond"));
        }
      }
      return Future.succeededFuture(count);
    }
    Migration m = migrations.get(i);
    Row done = applied.get(m.version());
    if (done != null) {
      if (!done.getString("checksum").equals(m.checksum())) {
        return Future.failedFuture(new MigrationException("migration " + m.name() + " was changed after it was applied"
            + " (checksum " + m.checksum() + ", applied " + done.getString("checksum") + "); add a new migration instead"));
      }
      return applyMissing(conn, applied, i + 1, count);
    }
    return apply(conn, m).compose(v -> applyMissing(conn, applied, i + 1, count + 1));
  }

  private static Future<Void> apply(SqlConnection conn, Migration m) {
    return conn.begin().compose(tx -> conn.query(m.sql()).execute()
        .compose(v -> conn.preparedQuery("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)")
            .execute(Tuple.of(m.version(), m.name(), m.checksum())))
        .compose(v -> tx.commit())
        .onSuccess(v -> LOG.info("Applied migration {}", m.name()))
        .recover(e -> tx.rollback().otherwiseEmpty().transform(ar -> Future.failedFuture(
            new MigrationException("migration " + m.name() + " failed: " + e.getMessage())))));
  }
}
