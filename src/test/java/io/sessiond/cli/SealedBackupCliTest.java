package io.sessiond.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code backup-tenant --sealed} against a real encrypted daemon on Redis: the file holds sealed
 * exports and none of the markers stored in data, creds, a key value and a message; the sessions,
 * deleted, come back from it with {@code restore-tenant} (imported sealed) and read as written.
 * Without {@code --no-blobs} the option is refused (a sealed backup holds no blob).
 */
class SealedBackupCliTest {

  @Test
  void sealedBackup_holdsNoPlaintext_andRestoresTheSessions(@TempDir Path tmp) throws Exception {
    String tenant = TestDaemon.freshTenant();
    String apiKey = "key-" + tenant;
    String marker = "MARK-" + UUID.randomUUID();
    byte[] master = new byte[32];
    new SecureRandom().nextBytes(master);
    Vertx vertx = Vertx.vertx();
    TestDaemon.Builder b = TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_PREFIX", TestRedis.uniquePrefix())
        .set("ENCRYPTION_KEY", Base64.getEncoder().encodeToString(master)).tenantWithKeys(tenant, apiKey);
    TestRedis.settings().forEach(b::set);
    TestDaemon d = await(b.start(vertx));
    try {
      Api api = d.api(tenant);
      List<String> ids = List.of("bot-1", "15551234567@s.whatsapp.net");
      for (String id : ids) {
        String path = "/v1/sessions/" + id;
        assertEquals(201, await(api.put(path, new JsonObject().put("data", new JsonObject().put("n", marker + "-data"))
            .put("creds", new JsonObject().put("me", marker + "-creds")))).statusCode());
        assertEquals(204, await(api.post(path + "/keys", new JsonObject().put("pre-key",
            new JsonObject().put("1", new JsonObject().put("private", marker + "-key")))) ).statusCode());
        assertEquals(201, await(api.post(path + "/messages", new JsonObject().put("role", "user")
            .put("content", marker + "-message"))).statusCode());
      }
      Map<String, String> env = Map.of("SESSIOND_API_KEY", apiKey);
      String url = "http://127.0.0.1:" + d.port();
      Path file = tmp.resolve("sealed.ndjson");

      CliRun refused = cli(env, "backup-tenant", "--url", url, "--out", file.toString(), "--sealed");
      assertEquals(2, refused.code(), refused.err());
      assertTrue(refused.err().contains("--sealed needs --no-blobs"), refused.err());

      CliRun backup = cli(env, "backup-tenant", "--url", url, "--out", file.toString(), "--sealed", "--no-blobs");
      assertEquals(0, backup.code(), backup.err());
      assertTrue(backup.out().contains("backed up 2 sealed sessions"), backup.out());
      String text = Files.readString(file);
      assertFalse(text.contains(marker), "the sealed backup holds a marker in plain text: " + text);
      for (String line : Files.readAllLines(file)) {
        assertEquals("sessiond.session.v1.sealed", new JsonObject(line).getString("format"), line);
      }

      JsonObject before = await(api.get("/v1/sessions/bot-1/export")).bodyAsJsonObject();
      for (String id : ids) {
        assertEquals(204, await(api.delete("/v1/sessions/" + id)).statusCode());
      }
      CliRun restore = cli(env, "restore-tenant", "--url", url, "--in", file.toString());
      assertEquals(0, restore.code(), restore.err());
      assertTrue(restore.out().contains("restored 2 sessions"), restore.out());
      for (String id : ids) {
        JsonObject after = await(api.get("/v1/sessions/" + id + "/export")).bodyAsJsonObject();
        assertEquals(new JsonObject().put("n", marker + "-data"), after.getJsonObject("data"), after::encode);
        assertEquals(new JsonObject().put("me", marker + "-creds"), after.getJsonObject("creds"), after::encode);
        assertEquals(new JsonObject().put("private", marker + "-key"),
            after.getJsonObject("keys").getJsonObject("pre-key").getJsonObject("1"), after::encode);
        JsonArray messages = after.getJsonArray("messages");
        assertEquals(marker + "-message", messages.getJsonObject(0).getString("content"), after::encode);
      }
      assertEquals(before.getLong("version"),
          await(api.get("/v1/sessions/bot-1/export")).bodyAsJsonObject().getLong("version"), "restored at its version");
    } finally {
      await(d.stop());
      vertx.close();
    }
  }

  private static CliRun cli(Map<String, String> env, String... args) {
    return CliRun.of(env, args);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
