package io.sessiond.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.Poll;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestPostgres;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Redis wiped under a running encrypted daemon with PostgreSQL behind it: the session is served again
 * (restored from PostgreSQL, its tenant's keyring and the master key's canary with it), data, creds,
 * keys and messages read back as written, a new write after the wipe opens with the same keyring (no new data key replaced
 * the one PostgreSQL holds), and what the restore put back in Redis is still sealed: no marker.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class EncryptedRefillApiTest {

  @Test
  void redisWiped_restoresSealedValuesFromPostgres_andTheSameKeysOpenThem(Vertx vertx, VertxTestContext ctx) {
    TestRedis.Server redis = TestRedis.privateServer();
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    String id = TestDaemon.freshSession();
    Scenario s = new Scenario();
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    AtomicReference<String> keyringBefore = new AtomicReference<>();
    String keyringKey = prefix + "{_sessiond:keyring." + Scenario.TENANT + "}:meta";
    Scenario.redisDaemon(redis.url(), prefix, pg, Scenario.newKey()).set("REFILL_CHECK_MS", 100).start(vertx)
        .compose(d -> {
          daemon.set(d);
          Api api = d.api(Scenario.TENANT);
          return s.write(api, id)
              .compose(v -> Scenario.version(api, id))
              .compose(version -> Poll.until(vertx, 30_000, 50, "PostgreSQL holds the session and its blob",
                  () -> vertx.executeBlocking(() -> Scenario.inPostgres(pg, id, version))))
              .compose(v -> keyring(vertx, redis.url(), keyringKey))
              .compose(keyring -> {
                keyringBefore.set(keyring);
                return vertx.executeBlocking(() -> redis.command("FLUSHALL"));
              })
              .compose(v -> RawStores.redis(vertx, redis.url(), prefix))
              .compose(dump -> {
                // The daemon may have written its new epoch marker already; no session is left.
                ctx.verify(() -> assertTrue(dump.stream().noneMatch(k -> k.contains("{" + Scenario.TENANT + ":")
                    || k.contains("{_sessiond:")), () -> "Redis holds no session after the wipe: " + dump));
                // Until the daemon notices the wipe (REFILL_CHECK_MS) the session is simply not in Redis.
                return Poll.until(vertx, 30_000, 50, "the daemon serves the session again after the wipe",
                    () -> api.get("/v1/sessions/" + id).map(r -> r.statusCode() == 200));
              })
              // Not the blob: after a wipe it is not served again even without encryption (a refill matter).
              .compose(v -> s.readBack(api, id, false))
              .compose(v -> api.post("/v1/sessions/" + id + "/keys", new JsonObject().put("pre-key",
                  new JsonObject().put("2", new JsonObject().put("private", s.key + "-after")))))
              .compose(r -> Scenario.expect(r, 204))
              .compose(v -> api.post("/v1/sessions/" + id + "/keys/query", new JsonObject().put("type", "pre-key")
                  .put("ids", new io.vertx.core.json.JsonArray().add("1").add("2"))))
              .compose(r -> {
                ctx.verify(() -> assertEquals(new JsonObject()
                    .put("1", new JsonObject().put("private", s.key))
                    .put("2", new JsonObject().put("private", s.key + "-after")), r.bodyAsJsonObject(), r::bodyAsString));
                // The daemon opens with the keyring it holds; the refill puts PostgreSQL's back in Redis.
                AtomicReference<String> restored = new AtomicReference<>();
                return Poll.until(vertx, 30_000, 50, "the refill restores the tenant's keyring to Redis",
                    () -> keyring(vertx, redis.url(), keyringKey).map(k -> {
                      restored.set(k);
                      return k != null;
                    })).map(x -> restored.get());
              })
              .compose(keyring -> {
                ctx.verify(() -> assertEquals(keyringBefore.get(), keyring, "the keyring restored is the one written"));
                return RawStores.redis(vertx, redis.url(), prefix);
              })
              .map(dump -> {
                String all = String.join("\n", dump);
                ctx.verify(() -> {
                  for (String marker : s.markers()) {
                    assertFalse(RawStores.holds(all, marker), () -> marker + " is in Redis after the restore");
                  }
                  assertTrue(all.contains("{\"$sealed\":\"k1."), "the restored values are sealed under k1: " + all);
                });
                return null;
              });
        })
        .eventually(() -> daemon.get() == null ? Future.succeededFuture() : daemon.get().stop())
        .eventually(() -> vertx.executeBlocking(() -> {
          redis.stop();
          return null;
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  private static Future<String> keyring(Vertx vertx, String url, String key) {
    io.vertx.redis.client.Redis client = io.vertx.redis.client.Redis.createClient(vertx, url);
    return io.vertx.redis.client.RedisAPI.api(client).hget(key, "data").map(r -> r == null ? null : r.toString())
        .eventually(() -> {
          client.close();
          return Future.succeededFuture();
        });
  }
}
