package io.sessiond.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The master key against a store that holds encrypted data: a daemon with another key, or none,
 * refuses to start with one line naming the setting; a daemon given the new key with the old one as
 * {@code ENCRYPTION_KEY_PREVIOUS} rewraps the tenants' data keys (the keyring changes) without
 * rewriting any value (the sealed creds in Redis stay byte for byte), after which the old key opens
 * nothing and the new key alone is enough.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class MasterKeyApiTest {
  private static final String T = Scenario.TENANT;

  @Test
  void wrongOrMissingKey_refusesToStart_withOneClearLine(Vertx vertx, VertxTestContext ctx) {
    String prefix = TestRedis.uniquePrefix();
    String id = TestDaemon.freshSession();
    String k1 = Scenario.newKey();
    writeOne(vertx, prefix, k1, id)
        .compose(v -> refused(vertx, prefix, Scenario.newKey(), null))
        .compose(m -> {
          ctx.verify(() -> assertTrue(m.startsWith("ENCRYPTION_KEY is not the master key this store's data is sealed under"), m));
          return refused(vertx, prefix, null, null);
        })
        .compose(m -> {
          ctx.verify(() -> {
            assertTrue(m.contains("the store holds data sealed by encryption at rest: set ENCRYPTION_KEY"), m);
            assertTrue(!m.contains("\n"), m);
          });
          return readOne(vertx, prefix, k1, null, id);
        })
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void masterKeyRotation_rewrapsDataKeys_withoutRewritingData(Vertx vertx, VertxTestContext ctx) {
    String prefix = TestRedis.uniquePrefix();
    String id = TestDaemon.freshSession();
    String oldKey = Scenario.newKey();
    String newKey = Scenario.newKey();
    RedisAPI redis = RedisAPI.api(Redis.createClient(vertx, TestRedis.url()));
    String credsKey = prefix + "{" + T + ":" + id + "}:creds";
    String keyringKey = prefix + "{_sessiond:keyring." + T + "}:meta";
    AtomicReference<String> creds = new AtomicReference<>();
    AtomicReference<String> keyring = new AtomicReference<>();
    writeOne(vertx, prefix, oldKey, id)
        .compose(v -> redis.get(credsKey)).compose(c -> {
          creds.set(c.toString());
          return redis.hget(keyringKey, "data");
        }).compose(k -> {
          keyring.set(k.toString());
          return readOne(vertx, prefix, newKey, oldKey, id);
        })
        .compose(v -> redis.get(credsKey)).compose(c -> {
          ctx.verify(() -> assertEquals(creds.get(), c.toString(), "the sealed creds are not rewritten"));
          return redis.hget(keyringKey, "data");
        }).compose(k -> {
          ctx.verify(() -> {
            assertNotEquals(keyring.get(), k.toString(), "the data keys are wrapped again");
            assertEquals(new JsonObject(keyring.get()).getString("current"), new JsonObject(k.toString()).getString("current"));
          });
          return readOne(vertx, prefix, newKey, null, id);
        })
        .compose(v -> refused(vertx, prefix, oldKey, null))
        .onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Void> writeOne(Vertx vertx, String prefix, String key, String id) {
    return Scenario.redisDaemon(TestRedis.url(), prefix, null, key).start(vertx).compose(d -> d.api(T)
        .put("/v1/sessions/" + id, new JsonObject().put("data", new JsonObject().put("a", 1))
            .put("creds", new JsonObject().put("noiseKey", "secret")))
        .compose(r -> Scenario.expect(r, 201)).eventually(d::stop));
  }

  /** Starts with {@code key} (and {@code previous}), checks the session reads back, stops. */
  private static Future<Void> readOne(Vertx vertx, String prefix, String key, String previous, String id) {
    TestDaemon.Builder b = Scenario.redisDaemon(TestRedis.url(), prefix, null, key);
    if (previous != null) {
      b.set("ENCRYPTION_KEY_PREVIOUS", previous);
    }
    return b.start(vertx).compose(d -> {
      Api api = d.api(T);
      return api.get("/v1/sessions/" + id + "/creds").compose(r -> r.statusCode() == 200
              && r.bodyAsJsonObject().equals(new JsonObject().put("noiseKey", "secret")) ? Future.<Void>succeededFuture()
              : Future.<Void>failedFuture("creds read " + r.statusCode() + " " + r.bodyAsString()))
          .eventually(d::stop);
    });
  }

  /** The start-up failure's message of a daemon with {@code key}; fails if it starts. */
  private static Future<String> refused(Vertx vertx, String prefix, String key, String previous) {
    TestDaemon.Builder b = Scenario.redisDaemon(TestRedis.url(), prefix, null, key);
    if (previous != null) {
      b.set("ENCRYPTION_KEY_PREVIOUS", previous);
    }
    return b.start(vertx).transform(ar -> ar.succeeded()
        ? ar.result().stop().compose(v -> Future.failedFuture("a daemon with the wrong key started"))
        : Future.succeededFuture(ar.cause().getMessage()));
  }
}
