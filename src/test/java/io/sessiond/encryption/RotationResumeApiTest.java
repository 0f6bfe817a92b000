package io.sessiond.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.Poll;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A data-key rotation whose runner stopped is resumed by a replica that starts, without a new POST,
 * from the last session its progress names, under the same new key (no third key): a replica starts a
 * rotation and is stopped before its first page; its progress is then made to say that half the
 * sessions were done and that it was last renewed long ago. A second replica, started afterwards,
 * resumes it by itself: the sessions after the cursor are sealed again under k2, those before it are
 * left as they are (k1), the counts carry on from the saved ones, and every session still reads.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class RotationResumeApiTest {
  private static final String T = Scenario.TENANT;
  private static final int SESSIONS = 10;
  private static final int DONE_BEFORE = 5;

  @Test
  void aStoppedRotation_isResumedFromItsCursor_byAnotherReplica(Vertx vertx, VertxTestContext ctx) {
    String prefix = TestRedis.uniquePrefix();
    String master = Scenario.newKey();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) {
      ids.add(TestDaemon.freshSession());
    }
    ids.sort(null);
    RedisAPI redis = RedisAPI.api(Redis.createClient(vertx, TestRedis.url()));
    String jobKey = prefix + "{_sessiond:rotation." + T + "}:meta";
    AtomicReference<TestDaemon> b = new AtomicReference<>();
    // The first replica's walk would start two keyring refreshes (60 s) after the POST: it is stopped long before.
    Scenario.redisDaemon(TestRedis.url(), prefix, null, master).set("ENCRYPTION_KEYRING_REFRESH_MS", 30_000)
        .start(vertx).compose(a -> {
          Api api = a.api(T);
          Future<Void> seeded = Future.succeededFuture();
          for (String id : ids) {
            seeded = seeded.compose(v -> api.put("/v1/sessions/" + id, new JsonObject()
                .put("creds", new JsonObject().put("me", id)))).compose(r -> Scenario.expect(r, 201));
          }
          return seeded.compose(v -> api.post("/v1/encryption/rotate", new JsonObject()))
              .compose(r -> {
                ctx.verify(() -> assertEquals("k2", r.bodyAsJsonObject().getString("key"), r::bodyAsString));
                return Scenario.expect(r, 202);
              })
              .eventually(a::stop);
        })
        // The runner "stopped" after the first half, long ago.
        .compose(v -> redis.hget(jobKey, "data"))
        .compose(doc -> {
          JsonObject job = new JsonObject(doc.toString());
          ctx.verify(() -> assertEquals("running", job.getString("state"), job::encode));
          job.put("afterId", ids.get(DONE_BEFORE - 1)).put("scanned", DONE_BEFORE).put("resealed", DONE_BEFORE)
              .put("updatedAt", System.currentTimeMillis() - 600_000);
          return redis.hset(List.of(jobKey, "data", job.encode()));
        })
        .compose(v -> Scenario.redisDaemon(TestRedis.url(), prefix, null, master)
            .set("ENCRYPTION_KEYRING_REFRESH_MS", 200).start(vertx))
        .compose(d -> {
          b.set(d);
          AtomicReference<JsonObject> last = new AtomicReference<>();
          return Poll.until(vertx, 60_000, 100, "the resumed rotation is done", () -> b.get().api(T)
              .get("/v1/encryption/rotate").map(p -> {
                last.set(p.bodyAsJsonObject());
                return "done".equals(last.get().getString("state"));
              })).map(x -> last.get());
        })
        .compose(job -> {
          ctx.verify(() -> {
            assertEquals("k2", job.getString("key"), "the same rotation, not a new one: " + job.encode());
            assertEquals(SESSIONS, job.getLong("sessionsScanned"), job::encode);
            assertEquals(SESSIONS, job.getLong("sessionsResealed"), job::encode);
          });
          Future<Void> checked = Future.succeededFuture();
          for (int i = 0; i < SESSIONS; i++) {
            String id = ids.get(i);
            String expected = i < DONE_BEFORE ? "{\"$sealed\":\"k1." : "{\"$sealed\":\"k2.";
            checked = checked.compose(v -> redis.get(prefix + "{" + T + ":" + id + "}:creds"))
                .compose(c -> {
                  ctx.verify(() -> assertTrue(c.toString().startsWith(expected), id + ": " + c));
                  return b.get().api(T).get("/v1/sessions/" + id + "/creds");
                })
                .map(r -> {
                  ctx.verify(() -> assertEquals(new JsonObject().put("me", id), r.bodyAsJsonObject(), r::bodyAsString));
                  return null;
                });
          }
          return checked;
        })
        .eventually(() -> b.get() == null ? Future.succeededFuture() : b.get().stop())
        .onComplete(ctx.succeedingThenComplete());
  }
}
