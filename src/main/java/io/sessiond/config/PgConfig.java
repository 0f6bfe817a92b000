package io.sessiond.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The PostgreSQL durable copy and how changes reach it. Sync needs the Redis store (PostgreSQL is
 * the durable copy behind the shared hot store): {@code SYNC_MODE} defaults to write-behind when
 * {@code PG_URL} is set and {@code SESSION_STORE=redis}, and to off otherwise; naming a mode other
 * than off without {@code PG_URL} or with another store stops start-up.
 * {@code PG_URL} takes libpq's {@code sslmode} (default {@code prefer}) and {@code sslrootcert} query
 * parameters; a URL without a password takes it from {@code PGPASSWORD}, else from the password file
 * ({@code PGPASSFILE}, else {@code ~/.pgpass}), else connects without one (trust authentication).
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
 * @param sslMode           disable, allow, prefer, require, verify-ca or verify-full (libpq's meanings)
 * @param sslRootCert       PEM file of the authorities trusted for the server's certificate, {@code system}
 *                          for the JVM's own, or {@code null}
 * @param syncParallel      write-behind batches written at once by one instance when the stream has a
 *                          backlog (each its own transaction and pooled connection)
 */
public record PgConfig(String syncMode, String host, int port, String database, String user, String password,
                       int poolSize, long connectTimeoutMs, long syncIntervalMs, int batchSize, long claimIdleMs,
                       int restoreBatchSize, long restoreLockMs, long refillCheckMs, String sslMode, String sslRootCert,
                       int syncParallel) {
  public static final String WRITE_BEHIND = "write-behind";
  public static final String WRITE_THROUGH = "write-through";
  public static final String OFF = "off";
  private static final Set<String> SCHEMES = Set.of("postgres", "postgresql");
  public static final String VERIFY_CA = "verify-ca";
  public static final String VERIFY_FULL = "verify-full";
  /** {@code sslrootcert=system}: the JVM's trusted authorities, as libpq 16 spells it. */
  public static final String SYSTEM_ROOTS = "system";
  private static final Set<String> SSL_MODES = Set.of("disable", "allow", "prefer", "require", VERIFY_CA, VERIFY_FULL);
  private static final Set<String> QUERY_PARAMETERS = Set.of("sslmode", "sslrootcert");

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
    }
    String user = url == null ? null : emptyToNull(url.user());
    String host = url == null ? null : url.host();
    int port = url == null ? 5432 : url.portOr(5432);
    String database = url == null ? null : database(url);
    user = user == null ? "postgres" : user;
    String sslMode = sslMode(s, url);
    return new PgConfig(mode, host, port, database, user,
        url == null ? null : password(s, url, host, port, database, user),
        s.intValue("PG_POOL_SIZE", 4, 1, 256),
        s.longValue("PG_CONNECT_TIMEOUT_MS", 5000, 50, 600_000),
        s.longValue("SESSION_SYNC_INTERVAL_MS", 250, 10, 3_600_000),
        s.intValue("SYNC_BATCH_SIZE", 500, 1, 100_000),
        s.longValue("SYNC_CLAIM_IDLE_MS", 30_000, 10, 86_400_000),
        s.intValue("RESTORE_BATCH_SIZE", 500, 1, 100_000),
        s.longValue("RESTORE_LOCK_MS", 30_000, 1000, 3_600_000),
        s.longValue("REFILL_CHECK_MS", 1000, 0, 3_600_000),
        sslMode, sslRootCert(s, url, sslMode),
        s.intValue("SYNC_PARALLEL_BATCHES", 2, 1, 64));
  }

  private static String sslMode(Settings s, ConnectionUrl url) {
    if (url != null) {
      for (String name : url.query().keySet()) {
        if (!QUERY_PARAMETERS.contains(name)) {
          throw new ConfigException("PG_URL", "query parameter '" + name + "' is not supported (sslmode, sslrootcert are)");
        }
      }
    }
    String mode = url == null ? null : url.query().get("sslmode");
    if (mode == null) {
      mode = s.string("PGSSLMODE", "prefer");
    }
    if (!SSL_MODES.contains(mode)) {
      throw new ConfigException("PG_URL", "sslmode '" + mode + "' is not one of "
          + String.join(", ", SSL_MODES.stream().sorted().toList()));
    }
    return mode;
  }

  private static String sslRootCert(Settings s, ConnectionUrl url, String sslMode) {
    String file = url == null ? null : emptyToNull(url.query().get("sslrootcert"));
    if (file == null) {
      file = s.optional("PGSSLROOTCERT");
    }
    boolean verify = sslMode.equals(VERIFY_CA) || sslMode.equals(VERIFY_FULL);
    if (file == null && verify && url != null) {
      throw new ConfigException("PG_URL", "sslmode=" + sslMode + " needs sslrootcert=/path/to/ca.pem (or sslrootcert=system for the JVM's authorities)");
    }
    if (file != null && !file.equals(SYSTEM_ROOTS) && !Files.isReadable(Path.of(file))) {
      throw new ConfigException("PG_URL", "sslrootcert file " + file + " does not exist or cannot be read");
    }
    return file;
  }

  /** The URL's password, else PGPASSWORD, else the password file's, else none. */
  private static String password(Settings s, ConnectionUrl url, String host, int port, String database, String user) {
    String password = emptyToNull(url.password());
    if (password == null) {
      password = s.optional("PGPASSWORD");
    }
    if (password == null) {
      String file = s.optional("PGPASSFILE");
      String home = s.optional("HOME");
      Path path = file != null ? Path.of(file) : home != null ? Path.of(home, ".pgpass") : null;
      password = PgPassFile.lookup(path, host, port, database, user);
    }
    return password;
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
        + ", password=" + (password == null ? "none" : "***") + ", sslmode=" + sslMode + ", poolSize=" + poolSize + "]";
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
