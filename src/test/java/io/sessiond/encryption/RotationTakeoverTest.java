package io.sessiond.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.ChildMain;
import io.sessiond.testing.Poll;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real replicas on one Redis: the rotation is started on one (a child process), which is killed
 * with SIGKILL before it resealed anything; the other replica, already running, takes the rotation
 * over by itself once its lease lapses (no new POST) and finishes it under the same new key: GET shows
 * it done, every session was scanned and sealed again under k2, and every session still reads its creds.
 */
class RotationTakeoverTest {
  private static final String T = Scenario.TENANT;
  private static final int SESSIONS = 25;
  private static final long LEASE_MS = 1500;
  private static final Pattern PORT = Pattern.compile("listening on https?://[^:]+:(\\d+)");

  @Test
  void aRotationWhoseReplicaWasKilled_isFinishedByAnother_withoutANewPost(@TempDir Path dir) throws Exception {
    String prefix = TestRedis.uniquePrefix();
    String master = Scenario.newKey();
    Vertx vertx = Vertx.vertx();
    ChildMain a = null;
    TestDaemon b = null;
    try {
      b = await(Scenario.redisDaemon(TestRedis.url(), prefix, null, master)
          .set("ENCRYPTION_ROTATION_LEASE_MS", LEASE_MS).set("ENCRYPTION_KEYRING_REFRESH_MS", 200).start(vertx));
      Api api = b.api(T);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < SESSIONS; i++) {
        String id = TestDaemon.freshSession();
        ids.add(id);
        assertEquals(201, await(api.put("/v1/sessions/" + id, new JsonObject()
            .put("creds", new JsonObject().put("me", id)))).statusCode());
      }

      // The first replica would start its walk two keyring refreshes (60 s) after the POST: it is killed long before.
      a = replica(dir, prefix, master);
      int port = port(a);
      WebClient toA = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
      var started = await(toA.post("/v1/encryption/rotate").putHeader("Authorization", "Bearer key-" + T).send());
      assertEquals(202, started.statusCode(), started::bodyAsString);
      assertEquals("k2", started.bodyAsJsonObject().getString("key"), started::bodyAsString);
      a.kill();
      a.exitCode(30);

      AtomicReference<JsonObject> last = new AtomicReference<>();
      await(Poll.until(vertx, 30_000, 100, "the other replica finishes the rotation", () -> api.get("/v1/encryption/rotate")
          .map(r -> {
            last.set(r.bodyAsJsonObject());
            return "done".equals(last.get().getString("state"));
          })));
      JsonObject job = last.get();
      assertEquals("k2", job.getString("key"), "the same rotation, not a new one: " + job.encode());
      assertEquals(SESSIONS, job.getLong("sessionsScanned"), job::encode);
      assertEquals(SESSIONS, job.getLong("sessionsResealed"), job::encode);
      RedisAPI redis = RedisAPI.api(Redis.createClient(vertx, TestRedis.url()));
      for (String id : ids) {
        String stored = String.valueOf(await(redis.get(prefix + "{" + T + ":" + id + "}:creds")));
        assertTrue(stored.startsWith("{\"$sealed\":\"k2."), id + ": " + stored);
        var creds = await(api.get("/v1/sessions/" + id + "/creds"));
        assertEquals(new JsonObject().put("me", id), creds.bodyAsJsonObject(), creds::bodyAsString);
      }
    } finally {
      if (a != null) {
        a.kill();
      }
      if (b != null) {
        await(b.stop());
      }
      vertx.close();
    }
  }

  private static ChildMain replica(Path dir, String prefix, String master) throws Exception {
    Map<String, String> env = new HashMap<>(TestRedis.settings());
    env.put("SESSION_STORE", "redis");
    env.put("REDIS_PREFIX", prefix);
    env.put("TENANTS", T + "=key-" + T);
    env.put("HTTP_PORT", "0");
    env.put("HTTP_HOST", "127.0.0.1");
    env.put("REDIS_CONNECT_TIMEOUT_MS", "15000");
    env.put("REDIS_TIMEOUT_MS", "15000");
    env.put("ENCRYPTION_KEY", master);
    env.put("ENCRYPTION_KEYRING_REFRESH_MS", "30000");
    env.put("ENCRYPTION_ROTATION_LEASE_MS", Long.toString(LEASE_MS));
    return ChildMain.launch(dir, env);
  }

  /** The port the child listens on, from its start-up line. */
  private static int port(ChildMain child) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      for (String line : child.lines()) {
        Matcher m = PORT.matcher(line);
        if (m.find()) {
          return Integer.parseInt(m.group(1));
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the replica did not start: " + child.output());
  }

  private static <R> R await(Future<R> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
