package io.sessiond.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.config.ConfigException;
import io.sessiond.config.PgConfig;
import io.sessiond.config.Settings;
import io.sessiond.testing.Poll;
import io.sessiond.testing.TestCertificates;
import io.sessiond.testing.TestCertificates.Authority;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestPostgres;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.SqlClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code PG_URL}'s {@code sslmode} against a real PostgreSQL that only accepts TLS (its certificate made
 * here, for the name {@code localhost} only; {@code hostnossl} lines reject plain connections), through
 * the options the sync pool is built with: each connection reports its own encryption from
 * {@code pg_stat_ssl}. A password comes from the URL, {@code PGPASSWORD} or a password file, and none is
 * needed under trust authentication. One daemon syncs to it with {@code verify-full}.
 */
class PostgresTlsTest {
  private static final String APP_PASSWORD = "pw-" + UUID.randomUUID();
  private static Path dir;
  private static Path caFile;
  private static Path otherCaFile;
  private static TestPostgres.Server server;
  private static Vertx vertx;

  @BeforeAll
  static void sslServer() throws Exception {
    dir = Files.createTempDirectory("sessiond-pg-tls-");
    Authority ca = TestCertificates.authority("sessiond test PostgreSQL CA " + UUID.randomUUID());
    caFile = ca.writeCertificate(dir.resolve("ca.crt"));
    otherCaFile = TestCertificates.authority("another CA").writeCertificate(dir.resolve("other-ca.crt"));
    TestCertificates.Issued cert = ca.issue(dir, "server", "localhost");
    Path hba = Files.writeString(dir.resolve("pg_hba.conf"), """
        local     all all                trust
        hostssl   all app  127.0.0.1/32  scram-sha-256
        hostssl   all app  ::1/128       scram-sha-256
        hostssl   all all  127.0.0.1/32  trust
        hostssl   all all  ::1/128       trust
        hostnossl all all  0.0.0.0/0     reject
        hostnossl all all  ::/0          reject
        """);
    server = TestPostgres.privateServer(Map.of("ssl", "on", "ssl_cert_file", cert.cert().toString(),
        "ssl_key_file", cert.key().toString(), "hba_file", hba.toString(), "password_encryption", "scram-sha-256"));
    TestPostgres.update(server.url("postgres"), "CREATE ROLE app LOGIN PASSWORD '" + APP_PASSWORD + "'");
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      await(vertx.close());
    }
    if (server != null) {
      server.stop();
    }
  }

  private static String url(String userInfo, String host, String query) {
    return "postgres://" + userInfo + "@" + host + ":" + server.port() + "/postgres" + (query.isEmpty() ? "" : "?" + query);
  }

  /** Connects with the sync pool's options for these settings; whether the connection is encrypted. */
  private static boolean encrypted(Map<String, String> settings) throws Exception {
    PgConfig config = PgConfig.from(new Settings(settings));
    SqlClient client = PgBuilder.client().connectingTo(PostgresConnection.options(config)).using(vertx).build();
    try {
      return await(client.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").execute()
          .map(rows -> rows.iterator().next().getBoolean(0)));
    } finally {
      await(client.close());
    }
  }

  private static Throwable refused(Map<String, String> settings) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> encrypted(settings), settings + " must fail");
    return e.getCause();
  }

  @Test
  void require_connectsOverTls_withoutAPassword() throws Exception {
    assertTrue(encrypted(Map.of("PG_URL", url("postgres", "127.0.0.1", "sslmode=require"))));
  }

  @Test
  void theDefault_prefer_usesTlsWhenTheServerOffersIt() throws Exception {
    PgConfig config = PgConfig.from(new Settings(Map.of("PG_URL", url("postgres", "127.0.0.1", ""))));
    assertEquals("prefer", config.sslMode());
    assertTrue(encrypted(Map.of("PG_URL", url("postgres", "127.0.0.1", ""))));
  }

  @Test
  void disable_isRefusedByAServerThatOnlyTakesTls() {
    Throwable e = refused(Map.of("PG_URL", url("postgres", "127.0.0.1", "sslmode=disable")));
    assertTrue(e.getMessage().contains("pg_hba.conf") || e.getMessage().contains("reject"), e.toString());
  }

  @Test
  void verifyFull_checksTheAuthority_andTheHostName_verifyCaOnlyTheAuthority() throws Exception {
    String trusted = "sslrootcert=" + caFile;
    assertTrue(encrypted(Map.of("PG_URL", url("postgres", "localhost", "sslmode=verify-full&" + trusted))));
    refused(Map.of("PG_URL", url("postgres", "127.0.0.1", "sslmode=verify-full&" + trusted)));
    assertTrue(encrypted(Map.of("PG_URL", url("postgres", "127.0.0.1", "sslmode=verify-ca&" + trusted))));
    refused(Map.of("PG_URL", url("postgres", "localhost", "sslmode=verify-full&sslrootcert=" + otherCaFile)));
    refused(Map.of("PG_URL", url("postgres", "localhost", "sslmode=verify-ca&sslrootcert=" + otherCaFile)));
    // require with a root certificate checks the chain, as libpq does.
    refused(Map.of("PG_URL", url("postgres", "127.0.0.1", "sslmode=require&sslrootcert=" + otherCaFile)));
    // The JVM's own authorities do not include this test's.
    refused(Map.of("PG_URL", url("postgres", "localhost", "sslmode=verify-full&sslrootcert=system")));
  }

  @Test
  void thePassword_comesFromTheUrl_PGPASSWORD_orThePasswordFile() throws Exception {
    assertTrue(encrypted(Map.of("PG_URL", url("app:" + APP_PASSWORD, "127.0.0.1", "sslmode=require"))));
    assertTrue(encrypted(Map.of("PG_URL", url("app", "127.0.0.1", "sslmode=require"), "PGPASSWORD", APP_PASSWORD)));
    Path pgpass = dir.resolve("pgpass");
    Files.writeString(pgpass, "# host:port:database:user:password\nother:*:*:app:wrong\n127.0.0.1:" + server.port()
        + ":*:app:" + APP_PASSWORD.replace(":", "\\:") + "\n");
    Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-------"));
    assertTrue(encrypted(Map.of("PG_URL", url("app", "127.0.0.1", "sslmode=require"), "PGPASSFILE", pgpass.toString())));
    Throwable none = refused(Map.of("PG_URL", url("app", "127.0.0.1", "sslmode=require")));
    assertTrue(none.getMessage().contains("password"), none.toString());

    Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-r--r--"));
    ConfigException open = assertThrows(ConfigException.class, () -> PgConfig.from(new Settings(Map.of(
        "PG_URL", url("app", "127.0.0.1", ""), "PGPASSFILE", pgpass.toString()))));
    assertTrue(open.getMessage().startsWith("PGPASSFILE:"), open.getMessage());
  }

  @Test
  void badTlsSettings_areRefused_namingPgUrl() {
    for (String query : List.of("sslmode=sometimes", "sslmode=verify-full", "sslmode=verify-ca&sslrootcert=/nonexistent/ca.crt",
        "ssl=true")) {
      ConfigException e = assertThrows(ConfigException.class,
          () -> PgConfig.from(new Settings(Map.of("PG_URL", url("postgres", "localhost", query)))), query);
      assertTrue(e.getMessage().startsWith("PG_URL:"), e.getMessage());
    }
  }

  @Test
  void aDaemon_syncsOverVerifyFull() throws Exception {
    String database = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    TestPostgres.update(server.url("postgres"), "CREATE DATABASE " + database);
    String tenant = TestDaemon.freshTenant();
    TestDaemon.Builder builder = TestDaemon.builder().set("SESSION_STORE", "redis")
        .set("REDIS_PREFIX", TestRedis.uniquePrefix()).set("SESSION_SYNC_INTERVAL_MS", 100)
        .set("PG_URL", "postgres://postgres@localhost:" + server.port() + "/" + database
            + "?sslmode=verify-full&sslrootcert=" + caFile)
        .tenant(tenant);
    Map<String, String> redis = new HashMap<>(TestRedis.settings());
    redis.forEach(builder::set);
    TestDaemon daemon = await(builder.start(vertx));
    try {
      String id = TestDaemon.freshSession();
      assertEquals(201, await(daemon.api(tenant).create(id, new JsonObject().put("data", new JsonObject()))).statusCode());
      String db = server.url(database);
      await(Poll.until(vertx, 20_000, 100, "the session reaches PostgreSQL over TLS", () -> vertx.executeBlocking(() ->
          TestPostgres.query(db, "SELECT count(*) FROM sessions WHERE tenant = '" + tenant + "' AND id = '" + id + "'")
              .get(0).get(0).equals("1"))));
      List<List<String>> pool = TestPostgres.query(db, "SELECT bool_and(s.ssl), count(*) FROM pg_stat_ssl s"
          + " JOIN pg_stat_activity a USING (pid) WHERE a.datname = '" + database + "' AND a.pid <> pg_backend_pid()");
      assertEquals("t", pool.get(0).get(0), "every connection of the daemon's pool is encrypted: " + pool);
    } finally {
      await(daemon.stop());
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
