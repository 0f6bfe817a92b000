package io.sessiond.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sealed values are bound to their tenant, session and field: a value copied in Redis into another
 * session, or to another key id of the same session, does not open. The API answers 422
 * {@code unreadable-value}, counts it in {@code sessiond_encryption_rejected_total}, and never serves
 * it; the session it was copied from still reads.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class MovedValueApiTest {

  @Test
  void valueCopiedIntoAnotherSession_orKey_failsToOpen_422_counted_neverServed(Vertx vertx, VertxTestContext ctx) {
    String prefix = TestRedis.uniquePrefix();
    String a = TestDaemon.freshSession();
    String b = TestDaemon.freshSession();
    String t = Scenario.TENANT;
    RedisAPI redis = RedisAPI.api(Redis.createClient(vertx, TestRedis.url()));
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    Scenario.redisDaemon(TestRedis.url(), prefix, null, Scenario.newKey()).start(vertx).compose(d -> {
      daemon.set(d);
      Api api = d.api(t);
      return api.put("/v1/sessions/" + a, new JsonObject().put("creds", new JsonObject().put("me", "alice")))
          .compose(r -> Scenario.expect(r, 201))
          .compose(v -> api.put("/v1/sessions/" + b, new JsonObject().put("creds", new JsonObject().put("me", "bob"))))
          .compose(r -> Scenario.expect(r, 201))
          .compose(v -> api.post("/v1/sessions/" + b + "/keys", new JsonObject().put("pre-key",
              new JsonObject().put("1", "one").put("2", "two"))))
          .compose(r -> Scenario.expect(r, 204))
          // An attacker with write access to Redis copies alice's creds over bob's, and key 1 over key 2.
          .compose(v -> redis.get(prefix + "{" + t + ":" + a + "}:creds"))
          .compose(creds -> redis.set(List.of(prefix + "{" + t + ":" + b + "}:creds", creds.toString())))
          .compose(v -> redis.hget(prefix + "{" + t + ":" + b + "}:keys:pre-key", "1"))
          .compose(one -> redis.hset(List.of(prefix + "{" + t + ":" + b + "}:keys:pre-key", "2", one.toString())))
          .compose(v -> api.get("/v1/sessions/" + b + "/creds"))
          .compose(r -> {
            ctx.verify(() -> {
              assertEquals(422, r.statusCode(), r::bodyAsString);
              JsonObject p = r.bodyAsJsonObject();
              assertEquals("urn:sessiond:problem:unreadable-value", p.getString("type"));
              assertTrue(p.getString("detail").contains("creds"), p::encode);
              assertTrue(!r.bodyAsString().contains("alice"), "the copied value is never served");
            });
            return api.post("/v1/sessions/" + b + "/keys/query",
                new JsonObject().put("type", "pre-key").put("ids", new JsonArray().add("2")));
          })
          .compose(r -> {
            ctx.verify(() -> {
              assertEquals(422, r.statusCode(), r::bodyAsString);
              assertTrue(!r.bodyAsString().contains("one"), "the moved key value is never served");
            });
            return api.post("/v1/sessions/" + b + "/keys/query",
                new JsonObject().put("type", "pre-key").put("ids", new JsonArray().add("1")));
          })
          .compose(r -> {
            ctx.verify(() -> assertEquals(new JsonObject().put("1", "one"), r.bodyAsJsonObject()));
            return api.get("/v1/sessions/" + a + "/creds");
          })
          .compose(r -> {
            ctx.verify(() -> assertEquals(new JsonObject().put("me", "alice"), r.bodyAsJsonObject()));
            return d.apiWithKey(null).get("/metrics");
          })
          .map(r -> {
            ctx.verify(() -> {
              String text = r.bodyAsString();
              assertEquals(1.0, counter(text, "creds"), text);
              assertEquals(1.0, counter(text, "key"), text);
            });
            return null;
          });
    }).eventually(() -> daemon.get() == null ? Future.succeededFuture() : daemon.get().stop())
        .onComplete(ctx.succeedingThenComplete());
  }

  private static double counter(String metrics, String field) {
    String line = "sessiond_encryption_rejected_total{field=\"" + field + "\"} ";
    for (String l : metrics.split("\n")) {
      if (l.startsWith(line)) {
        return Double.parseDouble(l.substring(line.length()).trim());
      }
    }
    return 0;
  }
}
