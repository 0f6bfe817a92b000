package io.sessiond.config;

import java.util.Set;

/**
 * The PostgreSQL durable copy and how changes reach it. Sync needs the Redis store (PostgreSQL is
 * the durable copy behind the shared hot store): {@code SYNC_MODE} defaults to write-behind when
 * {@code PG_URL} is set and {@code SESSION_STORE=redis}, and to off otherwise; naming a mode other
 * than off without {@code PG_URL}, with another store, or on Redis Cluster stops start-up.
 * {@link #toString()} never shows the password.
 *
 * @param syncMode          write-behind, write-through or off
 * @param host              server host ({@code null} when sync is off and no URL was given)
 * @param port              server port
 * @param database          database name
 * @param user              user name
 * @param password          password, or {@code null}
 * @param poolSize          connections in the sync verticle's pool
 * @param connectTimeoutMs  TCP connect timeout
 * @param syncIntervalMs    how often each instance reads the change stream
 * @param batchSize         changes read and written in one PostgreSQL transaction
 * @param claimIdleMs       changes pending this long at another (crashed) instance are taken over
 * @param restoreBatchSize  sessions read per restore cursor batch (a few batches are read ahead)
 * @param restoreLockMs     expiry of the restore lock (renewed at a third of it while restoring)
 * @param refillCheckMs     how often each instance checks whether Redis came back empty (0: never; no refill)
 */
public record PgConfig(String syncMode, String host, int port, String database, String user, String password,
                       int poolSize, long connectTimeoutMs, long syncIntervalMs, int batchSize, long claimIdleMs,
                       int restoreBatchSize, long restoreLockMs, long refillCheckMs) {
  public static final String WRITE_BEHIND = "write-behind";
  public static final String WRITE_THROUGH = "write-through";
  public static final String OFF = "off";
  private static final Set<String> SCHEMES = Set.of("postgres", "postgresql");

  public static PgConfig from(Settings s) {
    ConnectionUrl url = s.url("PG_URL", SCHEMES);
    boolean redis = "redis".equalsIgnoreCase(s.string("SESSION_STORE", "memory"));
    String fallback = url != null && redis ? WRITE_BEHIND : OFF;
    String mode = s.choice("SYNC_MODE", fallback, Set.of(WRITE_BEHIND, WRITE_THROUGH, OFF));
    if (!mode.equals(OFF)) {
      if (url == null) {
        throw new ConfigException("SYNC_MODE", mode + " needs PG_URL (postgres://user:password@host:5432/db)");
      }
      if (!redis) {
        throw new ConfigException("SYNC_MODE", mode + " needs SESSION_STORE=redis: PostgreSQL is the durable copy behind the shared Redis store (the file store is durable on its own)");
      }
      if ("cluster".equalsIgnoreCase(s.string("REDIS_MODE", "standalone"))) {
        throw new ConfigException("SYNC_MODE", mode + " is not supported on Redis Cluster yet: the change stream must share a slot with every session (see docs/decisions.md)");
      }
    }
    // Query parameters (sslmode, ...) are not used yet; a password-less URL is accepted as before.
    String user = url == null ? null : emptyToNull(url.user());
    return new PgConfig(mode,
        url == null ? null : url.host(),
        url == null ? 5432 : url.portOr(5432),
        url == null ? null : database(url),
        user == null ? "postgres" : user,
        url == null ? null : emptyToNull(url.password()),
        s.intValue("PG_POOL_SIZE", 4, 1, 256),
        s.longValue("PG_CONNECT_TIMEOUT_MS", 5000, 50, 600_000),
        s.longValue("SESSION_SYNC_INTERVAL_MS", 1000, 10, 3_600_000),
        s.intValue("SYNC_BATCH_SIZE", 500, 1, 100_000),
        s.longValue("SYNC_CLAIM_IDLE_MS", 30_000, 10, 86_400_000),
        s.intValue("RESTORE_BATCH_SIZE", 200, 1, 100_000),
        s.longValue("RESTORE_LOCK_MS", 30_000, 1000, 3_600_000),
        s.longValue("REFILL_CHECK_MS", 1000, 0, 3_600_000));
  }

  public boolean enabled() {
    return !syncMode.equals(OFF);
  }

  public boolean writeThrough() {
    return syncMode.equals(WRITE_THROUGH);
  }

  /** The server without credentials, for log lines and error messages. */
  public String describe() {
    return "postgres://" + (host != null && host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port + "/" + database;
  }

  @Override
  public String toString() {
    return "PgConfig[syncMode=" + syncMode + ", url=" + (host == null ? "none" : describe()) + ", user=" + user
        + ", password=" + (password == null ? "none" : "***") + ", poolSize=" + poolSize + "]";
  }

  private static String database(ConnectionUrl url) {
    String path = url.path();
    String db = path.length() <= 1 ? "" : path.substring(1);
    if (db.isEmpty() || db.contains("/")) {
      throw new ConfigException("PG_URL", "must name a database: postgres://user:password@host:5432/db");
    }
    return db;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
