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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * With a master key, no field a client stores (data, a merge patch of it, creds, a key value, a
 * message, a blob) reaches Redis, PostgreSQL (through write-behind sync) or the file store's journal
 * in plain text, while the API reads every one back as written. The same scan without a key finds
 * every marker, so the scan itself reads every field.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class NoPlaintextAtRestTest {

  @Test
  void redisAndPostgres_holdNoPlaintext_ofAnyField_butTheApiReadsItBack(Vertx vertx, VertxTestContext ctx) {
    redisAndPostgres(vertx, Scenario.newKey()).onComplete(ctx.succeeding(dumps -> ctx.verify(() -> {
      for (String marker : dumps.scenario().markers()) {
        assertFalse(RawStores.holds(dumps.redis(), marker), () -> marker + " is in Redis: " + dumps.redis());
        assertFalse(RawStores.holds(dumps.pg(), marker), () -> marker + " is in PostgreSQL");
      }
      assertTrue(dumps.redis().contains("{\"$sealed\":\"k1."), "Redis holds sealed values");
      assertTrue(dumps.pg().contains("$sealed"), "PostgreSQL holds sealed values");
      ctx.completeNow();
    })));
  }

  @Test
  void withoutAKey_theSameScan_findsEveryMarker(Vertx vertx, VertxTestContext ctx) {
    redisAndPostgres(vertx, null).onComplete(ctx.succeeding(dumps -> ctx.verify(() -> {
      for (String marker : dumps.scenario().markers()) {
        assertTrue(RawStores.holds(dumps.redis(), marker), () -> marker + " is not in Redis");
        assertTrue(RawStores.holds(dumps.pg(), marker), () -> marker + " is not in PostgreSQL");
      }
      ctx.completeNow();
    })));
  }

  @Test
  void aLargeImport_stagedInBatches_reachesRedisSealed(Vertx vertx, VertxTestContext ctx) {
    String prefix = TestRedis.uniquePrefix();
    String id = TestDaemon.freshSession();
    String marker = "MARK-STAGED-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    JsonObject keys = new JsonObject();
    for (int i = 0; i < 2_500; i++) {
      keys.put("k" + i, marker + "-" + i);
    }
    JsonObject doc = new JsonObject().put("format", "sessiond.session.v1").put("id", id)
        .put("keys", new JsonObject().put("pre-key", keys));
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    Scenario.redisDaemon(TestRedis.url(), prefix, null, Scenario.newKey()).start(vertx).compose(d -> {
      daemon.set(d);
      Api api = d.api(Scenario.TENANT);
      return api.post("/v1/sessions/import", doc).compose(r -> Scenario.expect(r, 201))
          .compose(v -> api.post("/v1/sessions/" + id + "/keys/query", new JsonObject().put("type", "pre-key")
              .put("ids", new JsonArray().add("k0").add("k2499"))))
          .compose(r -> {
            ctx.verify(() -> assertEquals(new JsonObject().put("k0", marker + "-0").put("k2499", marker + "-2499"),
                r.bodyAsJsonObject()));
            return RawStores.redis(vertx, TestRedis.url(), prefix);
          })
          .map(dump -> {
            String all = String.join("\n", dump);
            ctx.verify(() -> {
              assertFalse(all.contains(marker), "a staged key value is in Redis in plain text");
              assertTrue(all.contains("\"k1."), "the staged values are sealed");
            });
            return null;
          });
    }).eventually(() -> daemon.get() == null ? Future.succeededFuture() : daemon.get().stop())
        .onComplete(ctx.succeedingThenComplete());
  }

  /**
   * An import made with an Idempotency-Key records its answer (the session, data and creds included)
   * in Redis for replays: the record is sealed, and a replay still answers the plain session.
   */
  @Test
  void theAnswerRecordedUnderAnIdempotencyKey_reachesRedisSealed_andReplaysPlain(Vertx vertx, VertxTestContext ctx) {
    String prefix = TestRedis.uniquePrefix();
    String id = TestDaemon.freshSession();
    String marker = "MARK-ANSWER-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    JsonObject doc = new JsonObject().put("format", "sessiond.session.v1").put("id", id)
        .put("data", new JsonObject().put("note", marker)).put("creds", new JsonObject().put("noiseKey", marker));
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    Scenario.redisDaemon(TestRedis.url(), prefix, null, Scenario.newKey()).start(vertx).compose(d -> {
      daemon.set(d);
      Api api = d.api(Scenario.TENANT);
      java.util.function.Supplier<Future<io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer>>> importOnce =
          () -> api.request(io.vertx.core.http.HttpMethod.POST, "/v1/sessions/import")
              .putHeader("Idempotency-Key", "import-" + id).sendJsonObject(doc);
      return importOnce.get().compose(r -> Scenario.expect(r, 201))
          .compose(v -> RawStores.redis(vertx, TestRedis.url(), prefix))
          .compose(dump -> {
            String all = String.join("\n", dump);
            ctx.verify(() -> {
              assertFalse(all.contains(marker), () -> "the marker is in Redis in plain text: " + all);
              assertTrue(all.contains("import-" + id), "the answer is recorded under its Idempotency-Key");
            });
            return importOnce.get();
          })
          .map(r -> {
            ctx.verify(() -> {
              assertEquals(201, r.statusCode(), r::bodyAsString);
              assertEquals("true", r.getHeader("Idempotent-Replayed"));
              assertEquals(marker, r.bodyAsJsonObject().getJsonObject("data").getString("note"));
            });
            return null;
          });
    }).eventually(() -> daemon.get() == null ? Future.succeededFuture() : daemon.get().stop())
        .onComplete(ctx.succeedingThenComplete());
  }

  /**
   * Kept creds versions are sealed like the creds (Redis holds neither document in plain text), the
   * history answers them opened, and a rollback restores the older document byte for byte.
   */
  @Test
  void keptCredsVersions_reachRedisSealed_andRollBackByteForByte(Vertx vertx, VertxTestContext ctx) {
    String prefix = TestRedis.uniquePrefix();
    String id = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    String marker = "MARK-HISTORY-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    String first = "{\"noiseKey\":\"" + marker + "-1\",\"z\":0.5}";
    String second = "{\"noiseKey\":\"" + marker + "-2\"}";
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    Scenario.redisDaemon(TestRedis.url(), prefix, null, Scenario.newKey()).start(vertx).compose(d -> {
      daemon.set(d);
      Api api = d.api(Scenario.TENANT);
      java.util.function.Function<String, Future<Void>> putCreds = text -> api.request(io.vertx.core.http.HttpMethod.PUT,
          path + "/creds").putHeader("Content-Type", "application/json")
          .sendBuffer(io.vertx.core.buffer.Buffer.buffer(text)).compose(r -> Scenario.expect(r, 204));
      return api.create(id, new JsonObject())
          .compose(r -> putCreds.apply(first))
          .compose(v -> putCreds.apply(second))
          .compose(v -> api.get(path + "/creds/history"))
          .compose(h -> {
            ctx.verify(() -> {
              assertEquals(200, h.statusCode(), h::bodyAsString);
              assertTrue(h.bodyAsString().contains("\"creds\":" + first), () -> "the history opens each version: " + h.bodyAsString());
              assertTrue(h.bodyAsString().contains("\"creds\":" + second), h::bodyAsString);
            });
            return RawStores.redis(vertx, TestRedis.url(), prefix);
          })
          .compose(dump -> {
            String all = String.join("\n", dump);
            ctx.verify(() -> assertFalse(all.contains(marker), () -> "a kept creds version is in Redis in plain text: " + all));
            return api.post(path + "/creds/rollback", new JsonObject().put("version", 2));
          })
          .compose(r -> Scenario.expect(r, 204))
          .compose(v -> api.get(path + "/creds"))
          .map(r -> {
            ctx.verify(() -> assertEquals(first, r.bodyAsString(), "byte for byte the creds written at version 2"));
            return null;
          });
    }).eventually(() -> daemon.get() == null ? Future.succeededFuture() : daemon.get().stop())
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void fileStore_journalAndSnapshot_holdNoPlaintext(Vertx vertx, VertxTestContext ctx) throws Exception {
    Path sealedDir = Files.createTempDirectory("sessiond-enc-");
    Path plainDir = Files.createTempDirectory("sessiond-plain-");
    Scenario s = new Scenario();
    fileStore(vertx, sealedDir, Scenario.newKey(), s)
        .compose(v -> fileStore(vertx, plainDir, null, s))
        .compose(v -> vertx.executeBlocking(() -> new String[] {RawStores.files(sealedDir), RawStores.files(plainDir)}))
        .onComplete(ctx.succeeding(files -> ctx.verify(() -> {
          for (String marker : s.markers()) {
            assertFalse(RawStores.holds(files[0], marker), () -> marker + " is in the encrypted file store");
            assertTrue(RawStores.holds(files[1], marker), () -> marker + " is not in the plain file store: the scan misses it");
          }
          ctx.completeNow();
        })));
  }

  private static Future<Void> fileStore(Vertx vertx, Path dir, String masterKey, Scenario s) {
    TestDaemon.Builder b = TestDaemon.builder().set("SESSION_STORE", "file").set("DATA_DIR", dir)
        .tenantWithKeys(Scenario.TENANT, "key-" + Scenario.TENANT);
    if (masterKey != null) {
      b.set("ENCRYPTION_KEY", masterKey);
    }
    String id = TestDaemon.freshSession();
    return b.start(vertx).compose(d -> {
      Api api = d.api(Scenario.TENANT);
      return s.write(api, id).compose(v -> s.readBack(api, id)).eventually(d::stop);
    });
  }

  record Dumps(Scenario scenario, String redis, String pg) {
  }

  private static Future<Dumps> redisAndPostgres(Vertx vertx, String masterKey) {
    Scenario s = new Scenario();
    String prefix = TestRedis.uniquePrefix();
    String pg = TestPostgres.newDatabase();
    String id = TestDaemon.freshSession();
    AtomicReference<String> redis = new AtomicReference<>();
    return Scenario.redisDaemon(TestRedis.url(), prefix, pg, masterKey).start(vertx).compose(d -> {
      Api api = d.api(Scenario.TENANT);
      return s.write(api, id).compose(v -> s.readBack(api, id))
          .compose(v -> Scenario.version(api, id))
          .compose(version -> Poll.until(vertx, 30_000, 50, "PostgreSQL holds the session and its blob",
              () -> vertx.executeBlocking(() -> Scenario.inPostgres(pg, id, version))))
          .compose(v -> RawStores.redis(vertx, TestRedis.url(), prefix))
          .map(dump -> {
            redis.set(String.join("\n", dump));
            return null;
          })
          .eventually(d::stop);
    }).compose(v -> vertx.executeBlocking(() -> new Dumps(s, redis.get(), RawStores.postgres(pg))));
  }
}
