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
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Data-key rotation end to end, on two replicas sharing Redis with PostgreSQL sync, while four
 * writers keep appending messages and writing keys through both: the job reports done, every write
 * acknowledged during the rotation reads back, and neither Redis nor PostgreSQL holds any value
 * (data, creds, key, message, blob chunk) under the old data key any more.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
class DataKeyRotationApiTest {
  private static final int SESSIONS = 30;
  private static final String T = Scenario.TENANT;

  @Test
  void rotation_whileWritesContinue_resealsEverything_andLosesNothing(Vertx vertx, VertxTestContext ctx) {
    String prefix = TestRedis.uniquePrefix();
    String pg = TestPostgres.newDatabase();
    String master = Scenario.newKey();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) {
      ids.add(TestDaemon.freshSession());
    }
    Map<String, List<String>> acked = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger writes = new AtomicInteger();
    AtomicReference<TestDaemon> a = new AtomicReference<>();
    AtomicReference<TestDaemon> b = new AtomicReference<>();
    AtomicReference<JsonObject> finalJob = new AtomicReference<>();
    replica(prefix, pg, master).start(vertx).compose(d -> {
      a.set(d);
      return replica(prefix, pg, master).start(vertx);
    }).compose(d -> {
      b.set(d);
      return seed(a.get().api(T), ids);
    }).compose(v -> {
      List<Future<Void>> writers = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        Api api = (w % 2 == 0 ? a.get() : b.get()).api(T);
        writers.add(writer(api, ids, w, stop, writes, acked));
      }
      Future<Void> rotation = a.get().api(T).post("/v1/encryption/rotate", new JsonObject()).compose(r -> {
        ctx.verify(() -> {
          assertEquals(202, r.statusCode(), r::bodyAsString);
          assertEquals("k2", r.bodyAsJsonObject().getString("key"));
          assertEquals("/v1/encryption/rotate", r.getHeader("Location"));
        });
        return Poll.until(vertx, 120_000, 100, "the rotation job is done", () -> b.get().api(T)
            .get("/v1/encryption/rotate").map(p -> {
              finalJob.set(p.bodyAsJsonObject());
              return "done".equals(p.bodyAsJsonObject().getString("state"));
            }));
      }).eventually(() -> {
        stop.set(true);
        return Future.succeededFuture();
      });
      return rotation.compose(x -> Future.all(writers));
    }).compose(v -> verifyAcked(a.get().api(T), acked))
        .compose(v -> RawStores.redis(vertx, TestRedis.url(), prefix))
        .compose(dump -> {
          String redis = String.join("\n", dump);
          ctx.verify(() -> {
            assertTrue(writes.get() > 20, "writes went on during the rotation: " + writes.get());
            assertTrue(finalJob.get().getLong("sessionsScanned") >= SESSIONS, finalJob.get()::encode);
            assertTrue(finalJob.get().getLong("sessionsResealed") >= SESSIONS, finalJob.get()::encode);
            assertFalse(redis.contains("\"k1."), "Redis holds no value under k1");
            assertFalse(redis.contains("SDE1\u0002k1"), "Redis holds no blob chunk under k1");
            assertTrue(redis.contains("\"k2.") && redis.contains("SDE1\u0002k2"), "values are under k2");
          });
          return Poll.until(vertx, 30_000, 200, "PostgreSQL holds no value under k1", () -> vertx.executeBlocking(() -> {
            String rows = RawStores.postgres(pg);
            return !rows.contains("\"k1.") && !rows.contains(RawStores.hex("SDE1") + "02" + RawStores.hex("k1"))
                && rows.contains("\"k2.");
          }));
        })
        .eventually(() -> Future.join(a.get() == null ? Future.succeededFuture() : a.get().stop(),
            b.get() == null ? Future.succeededFuture() : b.get().stop()))
        .onComplete(ctx.succeedingThenComplete());
  }

  private static TestDaemon.Builder replica(String prefix, String pg, String master) {
    return Scenario.redisDaemon(TestRedis.url(), prefix, pg, master).set("ENCRYPTION_KEYRING_REFRESH_MS", 200)
        .set("HTTP_INSTANCES", 1);
  }

  private static Future<Void> seed(Api api, List<String> ids) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      String path = "/v1/sessions/" + id;
      boolean blob = i == 0;
      chain = chain.compose(v -> api.put(path, new JsonObject().put("data", new JsonObject().put("n", id))
              .put("creds", new JsonObject().put("me", id)).put("ttlSeconds", 3600)))
          .compose(r -> Scenario.expect(r, 201))
          .compose(v -> api.post(path + "/keys", new JsonObject().put("pre-key", new JsonObject().put("seed", id))))
          .compose(r -> Scenario.expect(r, 204))
          .compose(v -> api.post(path + "/messages", new JsonObject().put("role", "user").put("content", "seed")))
          .compose(r -> Scenario.expect(r, 201))
          .compose(v -> !blob ? Future.succeededFuture() : api.request(HttpMethod.PUT, path + "/blobs/RemoteAuth.zip")
              .putHeader("Content-Type", "application/octet-stream")
              .sendBuffer(Buffer.buffer(new byte[700 * 1024]).setBytes(0, "zip".getBytes(StandardCharsets.UTF_8)))
              .compose(r -> Scenario.expect(r, 201)));
    }
    return chain;
  }

  /** Appends a message and writes a key to session after session until stopped; records what was acknowledged. */
  private static Future<Void> writer(Api api, List<String> ids, int w, AtomicBoolean stop, AtomicInteger writes,
                                     Map<String, List<String>> acked) {
    if (stop.get()) {
      return Future.succeededFuture();
    }
    int n = writes.incrementAndGet();
    String id = ids.get(n % ids.size());
    String mark = "w" + w + "-" + n;
    String path = "/v1/sessions/" + id;
    return api.post(path + "/messages", new JsonObject().put("role", "user").put("content", mark))
        .compose(r -> Scenario.expect(r, 201))
        .compose(v -> api.post(path + "/keys", new JsonObject().put("pre-key", new JsonObject().put(mark, mark))))
        .compose(r -> Scenario.expect(r, 204))
        .compose(v -> {
          acked.computeIfAbsent(id, k -> java.util.Collections.synchronizedList(new ArrayList<>())).add(mark);
          return writer(api, ids, w, stop, writes, acked);
        });
  }

  private static Future<Void> verifyAcked(Api api, Map<String, List<String>> acked) {
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<String, List<String>> e : acked.entrySet()) {
      String path = "/v1/sessions/" + e.getKey();
      List<String> marks = List.copyOf(e.getValue());
      chain = chain.compose(v -> api.get(path + "/messages?limit=1000")).compose(r -> {
        List<String> contents = new ArrayList<>();
        r.bodyAsJsonObject().getJsonArray("messages").forEach(m -> contents.add(((JsonObject) m).getString("content")));
        assertTrue(contents.containsAll(marks), () -> "every acknowledged message of " + e.getKey() + " is there");
        return api.post(path + "/keys/query", new JsonObject().put("type", "pre-key").put("ids", new JsonArray(marks)));
      }).map(r -> {
        JsonObject found = r.bodyAsJsonObject();
        for (String m : marks) {
          assertEquals(m, found.getString(m), () -> "acknowledged key " + m + " of " + e.getKey());
        }
        return null;
      });
    }
    return chain;
  }
}
