package io.sessiond.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.ChildMain;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real entry point, in a child JVM, started on a Redis that holds encrypted data: without
 * ENCRYPTION_KEY, or with another key, it exits 1 with one ERROR line that names the setting, and no
 * stack trace; it never listens.
 */
class EncryptedStoreStartTest {

  @Test
  void withoutTheKey_orWithAnotherKey_theDaemonExits1_withOneClearLine(@TempDir Path dir) throws Exception {
    String prefix = TestRedis.uniquePrefix();
    Vertx vertx = Vertx.vertx();
    try {
      TestDaemon d = Scenario.redisDaemon(TestRedis.url(), prefix, null, Scenario.newKey()).start(vertx)
          .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      try {
        int status = d.api(Scenario.TENANT).put("/v1/sessions/" + TestDaemon.freshSession(),
                new JsonObject().put("creds", new JsonObject().put("noiseKey", "secret")))
            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).statusCode();
        assertEquals(201, status);
      } finally {
        d.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    } finally {
      vertx.close();
    }

    String noKey = refusal(dir, prefix, null);
    assertTrue(noKey.contains("the store holds data sealed by encryption at rest: set ENCRYPTION_KEY"), noKey);
    String wrongKey = refusal(dir, prefix, Scenario.newKey());
    assertTrue(wrongKey.contains("ENCRYPTION_KEY is not the master key this store's data is sealed under"), wrongKey);
  }

  /** The one ERROR line of a daemon that refused to start; fails unless it exits 1 with exactly one. */
  private static String refusal(Path dir, String prefix, String key) throws Exception {
    Map<String, String> env = new HashMap<>(TestRedis.settings());
    env.put("SESSION_STORE", "redis");
    env.put("REDIS_PREFIX", prefix);
    env.put("TENANTS", Scenario.TENANT + "=key-" + Scenario.TENANT);
    env.put("HTTP_PORT", "0");
    env.put("REDIS_CONNECT_TIMEOUT_MS", "15000");
    env.put("REDIS_TIMEOUT_MS", "15000");
    env.put("HTTP_HOST", "127.0.0.1");
    if (key != null) {
      env.put("ENCRYPTION_KEY", key);
    }
    return ChildMain.refusedStart(dir, env);
  }
}
