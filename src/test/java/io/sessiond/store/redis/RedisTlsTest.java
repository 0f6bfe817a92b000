package io.sessiond.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.config.ConfigException;
import io.sessiond.config.RedisConfig;
import io.sessiond.config.Settings;
import io.sessiond.testing.TestCertificates;
import io.sessiond.testing.TestCertificates.Authority;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.Tools;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * {@code rediss://} against a real redis-server that listens only on a TLS port (the machine's Redis 7;
 * its certificate made here for the name {@code localhost} only): the store connects when it trusts
 * the issuer ({@code REDIS_TLS_CA_FILE}) and the name matches, refuses an untrusted certificate and a
 * name the certificate does not hold (unless {@code REDIS_TLS_VERIFY_HOSTNAME=false}), and a daemon
 * serves sessions over it.
 */
class RedisTlsTest {
  private static Path dir;
  private static Path caFile;
  private static Process redis;
  private static int port;
  private static Vertx vertx;

  @BeforeAll
  static void tlsRedis() throws Exception {
    String binary = Tools.require("redis-server", "redis-server");
    dir = Files.createTempDirectory("sessiond-redis-tls-");
    Authority ca = TestCertificates.authority("sessiond test Redis CA " + UUID.randomUUID());
    caFile = ca.writeCertificate(dir.resolve("ca.crt"));
    TestCertificates.Issued cert = ca.issue(dir, "redis", "localhost");
    port = freePort();
    redis = new ProcessBuilder(List.of(binary, "--port", "0", "--tls-port", Integer.toString(port),
        "--bind", "127.0.0.1", "--tls-cert-file", cert.cert().toString(), "--tls-key-file", cert.key().toString(),
        "--tls-ca-cert-file", caFile.toString(), "--tls-auth-clients", "no", "--save", "", "--appendonly", "no",
        "--dir", dir.toString()))
        .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    long deadline = System.currentTimeMillis() + 20_000;
    while (!listening(port)) {
      if (!redis.isAlive() || System.currentTimeMillis() > deadline) {
        throw new AssertionError("redis-server with TLS did not start: " + Files.readString(dir.resolve("redis.log")));
      }
      Thread.sleep(50); // waiting for a process with no readiness signal, bounded by the deadline
    }
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      await(vertx.close());
    }
    if (redis != null) {
      redis.destroy();
      redis.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static RedisConfig config(Map<String, String> settings) {
    return RedisConfig.from(new Settings(settings));
  }

  /** PING through the store's own client options. */
  private static String ping(Map<String, String> settings) throws Exception {
    Redis client = Redis.createClient(vertx, RedisClientOptions.of(config(settings)));
    try {
      return await(RedisAPI.api(client).ping(List.of()).map(String::valueOf));
    } finally {
      client.close();
    }
  }

  private static void refused(Map<String, String> settings) {
    assertThrows(ExecutionException.class, () -> ping(settings), settings + " must not connect");
  }

  @Test
  void rediss_connects_whenTheIssuerIsTrusted_andTheNameMatches() throws Exception {
    assertEquals("PONG", ping(Map.of("REDIS_URL", "rediss://localhost:" + port, "REDIS_TLS_CA_FILE", caFile.toString())));
  }

  @Test
  void rediss_refusesAnUntrustedCertificate_andANameItDoesNotHold() throws Exception {
    refused(Map.of("REDIS_URL", "rediss://localhost:" + port));
    refused(Map.of("REDIS_URL", "rediss://127.0.0.1:" + port, "REDIS_TLS_CA_FILE", caFile.toString()));
    assertEquals("PONG", ping(Map.of("REDIS_URL", "rediss://127.0.0.1:" + port, "REDIS_TLS_CA_FILE", caFile.toString(),
        "REDIS_TLS_VERIFY_HOSTNAME", "false")));
    refused(Map.of("REDIS_URL", "redis://localhost:" + port));
  }

  @Test
  void tlsSettings_areValidated_namingTheSetting() {
    ConfigException plain = assertThrows(ConfigException.class,
        () -> config(Map.of("REDIS_URL", "redis://localhost:6379", "REDIS_TLS_CA_FILE", caFile.toString())));
    assertTrue(plain.getMessage().startsWith("REDIS_TLS_CA_FILE:"), plain.getMessage());
    ConfigException mixed = assertThrows(ConfigException.class, () -> config(Map.of("REDIS_MODE", "cluster",
        "REDIS_URL", "rediss://localhost:7000", "REDIS_NODES", "redis://localhost:7001")));
    assertTrue(mixed.getMessage().startsWith("REDIS_NODES:"), mixed.getMessage());
    assertTrue(config(Map.of("REDIS_URL", "rediss://localhost:6380")).tls());
  }

  @Test
  void aRestore_writesDirectly_overItsOwnTlsConnections() throws Exception {
    RedisSessionStore store = new RedisSessionStore(vertx, new io.sessiond.store.StoreSettings(3600, 10,
        t -> io.sessiond.tenant.TenantLimits.UNLIMITED, 3), config(Map.of("REDIS_URL", "rediss://localhost:" + port,
        "REDIS_TLS_CA_FILE", caFile.toString(), "REDIS_CONNECT_TIMEOUT_MS", "10000",
        "REDIS_PREFIX", "tls-" + UUID.randomUUID().toString().substring(0, 8) + ":")), true);
    await(store.open());
    try {
      io.sessiond.session.Session s = new io.sessiond.session.Session("s1", io.sessiond.session.SessionState.CONNECTED,
          "{\"n\":1}", null, 2, 1_000, 1_000, 1_000, 0, 0);
      var done = await(store.restoreAll(new io.sessiond.store.StoreRequests.RestoreImports(List.of(
          io.sessiond.store.StoreRequests.ImportSession.restore("t", new io.sessiond.session.SessionExport(s, Map.of(),
              List.of()), 2)))));
      assertEquals(2, done.outcomes().get(0).session().version());
      assertEquals(1, store.restoredDirectly.get());
      assertEquals("{\"n\":1}", await(store.get(new io.sessiond.store.StoreRequests.SessionRef("t", "s1"))).dataJson());
    } finally {
      await(store.close());
    }
  }

  @Test
  void aDaemon_servesSessions_overRediss() throws Exception {
    String tenant = TestDaemon.freshTenant();
    Map<String, String> settings = new HashMap<>(Map.of("SESSION_STORE", "redis", "REDIS_URL", "rediss://localhost:" + port,
        "REDIS_TLS_CA_FILE", caFile.toString(), "REDIS_PREFIX", "tls-" + UUID.randomUUID().toString().substring(0, 8) + ":"));
    // The first TLS connection builds the SSL context: on a loaded machine that outlasts the default
    // start-up check (twice REDIS_CONNECT_TIMEOUT_MS).
    TestDaemon.Builder builder = TestDaemon.builder().tenant(tenant).set("REDIS_CONNECT_TIMEOUT_MS", 10_000);
    settings.forEach(builder::set);
    TestDaemon daemon = await(builder.start(vertx));
    try {
      String id = TestDaemon.freshSession();
      assertEquals(201, await(daemon.api(tenant).create(id, new JsonObject().put("data", new JsonObject().put("n", 1))))
          .statusCode());
      assertEquals(1, await(daemon.api(tenant).get("/v1/sessions/" + id)).bodyAsJsonObject()
          .getJsonObject("data").getInteger("n"));
    } finally {
      await(daemon.stop());
    }
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
