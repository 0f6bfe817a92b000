package io.sessiond.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.ChildMain;
import io.sessiond.testing.Poll;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestPostgres;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon started on a Redis that came back empty while PostgreSQL still holds the encrypted data,
 * with the start-up restore off (so nothing but the encryption check itself reads PostgreSQL before
 * serving): with another master key it exits 1 with one ERROR line and PostgreSQL's canary and keyring
 * stay as they were; with the right key it starts with PostgreSQL's keyring back in Redis (not a new
 * one), and the old session, restored from PostgreSQL, reads back.
 */
class WipedRedisStartTest {
  private static final String T = Scenario.TENANT;
  private static final String RESERVED = "SELECT id, data, version FROM sessions WHERE tenant = '_sessiond'"
      + " AND id IN ('master', 'keyring." + T + "') ORDER BY id";

  @Test
  void onAWipedRedis_theKeyIsCheckedAgainstPostgres_andItsKeyringIsRestored(@TempDir Path dir) throws Exception {
    TestRedis.Server redis = TestRedis.privateServer();
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    String master = Scenario.newKey();
    String id = TestDaemon.freshSession();
    JsonObject creds = new JsonObject().put("noiseKey", "MARK-CREDS-" + id);
    Vertx vertx = Vertx.vertx();
    try {
      TestDaemon a = await(daemon(redis, pg, prefix, master).start(vertx));
      try {
        assertEquals(201, await(a.api(T).put("/v1/sessions/" + id, new JsonObject().put("creds", creds))).statusCode());
        await(Poll.until(vertx, 30_000, 50, "PostgreSQL holds the session, the canary and the keyring",
            () -> vertx.executeBlocking(() -> TestPostgres.query(pg, RESERVED).size() == 2
                && !TestPostgres.query(pg, "SELECT 1 FROM sessions WHERE tenant = '" + T + "' AND id = '" + id + "'")
                    .isEmpty())));
      } finally {
        await(a.stop());
      }
      List<List<String>> before = TestPostgres.query(pg, RESERVED);
      String keyring = before.get(0).get(1);

      redis.command("FLUSHALL");
      String refusal = refusal(dir, redis, pg, prefix, Scenario.newKey());
      assertTrue(refusal.contains("ENCRYPTION_KEY is not the master key this store's data is sealed under"), refusal);
      assertEquals(before, TestPostgres.query(pg, RESERVED), "PostgreSQL's canary and keyring are untouched");

      redis.command("FLUSHALL");
      TestDaemon b = await(daemon(redis, pg, prefix, master).start(vertx));
      try {
        RedisAPI raw = RedisAPI.api(Redis.createClient(vertx, redis.url()));
        String inRedis = String.valueOf(await(raw.hget(prefix + "{_sessiond:keyring." + T + "}:meta", "data")));
        assertEquals(keyring, inRedis, "the keyring in Redis is PostgreSQL's, restored before serving");
        Api api = b.api(T);
        assertEquals(202, await(api.post("/v1/sessions/restore", new JsonObject())).statusCode());
        await(Poll.until(vertx, 30_000, 50, "the old session is restored from PostgreSQL",
            () -> api.get("/v1/sessions/" + id).map(r -> r.statusCode() == 200)));
        var read = await(api.get("/v1/sessions/" + id + "/creds"));
        assertEquals(200, read.statusCode(), read::bodyAsString);
        assertEquals(creds, read.bodyAsJsonObject(), "the old creds open with the restored keyring");
      } finally {
        await(b.stop());
      }
      assertEquals(before, TestPostgres.query(pg, RESERVED), "PostgreSQL's canary and keyring are still the first ones");
    } finally {
      vertx.close();
      redis.stop();
    }
  }

  private static TestDaemon.Builder daemon(TestRedis.Server redis, String pg, String prefix, String key) {
    return Scenario.redisDaemon(redis.url(), prefix, pg, key).set("AUTO_RESTORE_SESSIONS", false);
  }

  /** The one ERROR line of the real entry point refusing to start; fails unless it exits 1 with exactly one. */
  private static String refusal(Path dir, TestRedis.Server redis, String pg, String prefix, String key) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("SESSION_STORE", "redis");
    env.put("REDIS_URL", redis.url());
    env.put("REDIS_PREFIX", prefix);
    env.put("PG_URL", pg);
    env.put("AUTO_RESTORE_SESSIONS", "false");
    env.put("TENANTS", T + "=key-" + T);
    env.put("HTTP_PORT", "0");
    env.put("HTTP_HOST", "127.0.0.1");
    env.put("REDIS_CONNECT_TIMEOUT_MS", "15000");
    env.put("REDIS_TIMEOUT_MS", "15000");
    env.put("ENCRYPTION_KEY", key);
    return ChildMain.refusedStart(dir, env);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
