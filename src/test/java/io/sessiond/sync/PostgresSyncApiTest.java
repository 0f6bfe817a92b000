package io.sessiond.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Write-behind into a real PostgreSQL and restore from it, through real daemons on a real Redis:
 * what was written comes back byte for byte after Redis is wiped, a PostgreSQL outage under writes
 * loses nothing, and changes a crashed instance left pending are synced by another instance.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class PostgresSyncApiTest {
  static final String TENANT = TestDaemon.freshTenant();
  private static final String KEY = "test-" + UUID.randomUUID();

  static Future<TestDaemon> daemon(Vertx vertx, String redisUrl, String prefix, String pgUrl, String... settings) {
    TestDaemon.Builder b = TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_URL", redisUrl)
        .set("REDIS_PREFIX", prefix).set("PG_URL", pgUrl).set("SESSION_SYNC_INTERVAL_MS", 50)
        .set("HTTP_INSTANCES", 1);
    for (int i = 0; i + 1 < settings.length; i += 2) {
      b.set(settings[i], settings[i + 1]);
    }
    return b.tenantWithKeys(TENANT, KEY).start(vertx);
  }

  /** Versions of the tenant's sessions in PostgreSQL: id → version. */
  static Future<java.util.Map<String, Long>> pgVersions(Vertx vertx, String pgUrl) {
    return vertx.executeBlocking(() -> {
      java.util.Map<String, Long> out = new java.util.HashMap<>();
      for (List<String> row : TestPostgres.query(pgUrl, "SELECT id, version FROM sessions WHERE tenant = '" + TENANT + "'")) {
        out.put(row.get(0), Long.parseLong(row.get(1)));
      }
      return out;
    });
  }

  /** A Baileys-like session: data, creds, keys of two types with Buffer values, messages, a state. */
  static Future<Void> richSession(Api api, String id) {
    String path = "/v1/sessions/" + id;
    String keys = "{\"pre-key\":{\"1\":{\"public\":{\"type\":\"Buffer\",\"data\":\"BQ==\"},\"z\":1,\"a\":2},"
        + "\"2\":{\"type\":\"Buffer\",\"data\":\"Bg==\"}},\"sender-key\":{\"g@g.us::1::0\":{\"type\":\"Buffer\",\"data\":\"AAE=\"}}}";
    return api.create(id, new JsonObject().put("data", new JsonObject().put("z", 1).put("a", new JsonArray().add("\u00e9")))
            .put("creds", new JsonObject().put("registrationId", 42).put("noiseKey", new JsonObject().put("type", "Buffer").put("data", "AQID")))
            .put("ttlSeconds", 3600))
        .compose(r -> api.request(HttpMethod.POST, path + "/keys").putHeader("Content-Type", "application/json")
            .sendBuffer(Buffer.buffer(keys)))
        .compose(r -> expect(r, 204))
        .compose(v -> api.post(path + "/messages", new JsonArray()
            .add(new JsonObject().put("role", "user").put("content", "hello"))
            .add(new JsonObject().put("role", "assistant").put("content", new JsonObject().put("b", 1).put("a", 2)))))
        .compose(r -> expect(r, 201))
        .compose(v -> api.post(path + "/state", new JsonObject().put("state", "registering")))
        .compose(r -> expect(r, 200));
  }

  static Future<Void> expect(HttpResponse<Buffer> r, int status) {
    return r.statusCode() == status ? Future.succeededFuture()
        : Future.failedFuture("expected " + status + ", got " + r.statusCode() + ": " + r.bodyAsString());
  }

  /** What a restore must bring back exactly: the export without the times a restore refreshes. */
  static String durable(String exportText) {
    JsonObject e = new JsonObject(exportText);
    for (String refreshed : List.of("updatedAt", "lastActivityAt", "expiresAt")) {
      e.remove(refreshed);
    }
    int keysAt = exportText.indexOf(",\"keys\":");
    return e.getString("id") + "|" + e.getString("state") + "|" + e.getLong("version") + "|" + e.getValue("createdAt")
        + "|" + e.getValue("data") + "|" + e.getValue("creds") + "|" + exportText.substring(keysAt);
  }

  @Test
  void sessionsKeysAndMessages_comeBackByteForByte_afterRedisIsWiped(Vertx vertx, VertxTestContext ctx) {
    TestRedis.Server redis = TestRedis.privateServer();
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    List<String> ids = List.of(TestDaemon.freshSession(), "4915123456789@s.whatsapp.net", TestDaemon.freshSession());
    List<String> before = new ArrayList<>();
    daemon(vertx, redis.url(), prefix, pg).compose(first -> {
      Api api = first.api(TENANT);
      Future<Void> writes = Future.succeededFuture();
      for (String id : ids) {
        writes = writes.compose(v -> richSession(api, id));
      }
      return writes
          .compose(v -> Poll.until(vertx, 20_000, 50, "PostgreSQL holds every session at version 4",
              () -> pgVersions(vertx, pg).map(m -> ids.stream().allMatch(id -> Long.valueOf(4).equals(m.get(id))))))
          .compose(v -> exports(api, ids, before))
          .compose(v -> first.stop());
    }).compose(v -> vertx.executeBlocking(() -> {
      assertEquals("+OK", redis.command("FLUSHALL"));
      redis.stop();
      redis.start(); // and a Redis restart: nothing is left in it
      return null;
    })).compose(v -> daemon(vertx, redis.url(), prefix, pg)).compose(second -> {
      List<String> after = new ArrayList<>();
      return exports(second.api(TENANT), ids, after).compose(v -> {
        ctx.verify(() -> {
          for (int i = 0; i < ids.size(); i++) {
            assertEquals(durable(before.get(i)), durable(after.get(i)), "session " + ids.get(i));
          }
        });
        return second.stop();
      });
    }).onComplete(ar -> {
      redis.stop();
      ctx.verify(() -> assertTrue(ar.succeeded(), () -> String.valueOf(ar.cause())));
      ctx.completeNow();
    });
  }

  /** The daemon's sync status, asked over its event bus as the health check does. */
  static Future<SyncStatus> status(TestDaemon d) {
    Future<SyncStatus> asked = d.vertx().eventBus().<SyncStatus>request(SyncAddresses.STATUS, "status")
        .map(io.vertx.core.eventbus.Message::body);
    return Future.fromCompletionStage(asked.toCompletionStage(), Vertx.currentContext());
  }

  static Future<Void> exports(Api api, List<String> ids, List<String> into) {
    Future<Void> chain = Future.succeededFuture();
    for (String id : ids) {
      chain = chain.compose(v -> api.get("/v1/sessions/" + id + "/export")).compose(r -> {
        if (r.statusCode() != 200) {
          return Future.failedFuture("export of " + id + " answered " + r.statusCode() + ": " + r.bodyAsString());
        }
        into.add(r.bodyAsString());
        return Future.succeededFuture();
      });
    }
    return chain;
  }

  @Test
  void postgresStoppedUnderWrites_thenStarted_everythingReachesIt(Vertx vertx, VertxTestContext ctx) {
    TestPostgres.Server server = TestPostgres.privateServer();
    String pg = TestPostgres.createDatabase(server.url("postgres"));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(TestDaemon.freshSession());
    }
    daemon(vertx, TestRedis.url(), TestRedis.uniquePrefix(), pg).compose(d -> {
      Api api = d.api(TENANT);
      return vertx.executeBlocking(() -> {
            server.stop();
            return null;
          })
          .compose(v -> {
            List<Future<Void>> writes = new ArrayList<>();
            for (String id : ids) {
              writes.add(api.create(id, new JsonObject().put("data", new JsonObject().put("n", id)))
                  .compose(r -> api.post("/v1/sessions/" + id + "/keys", new JsonObject().put("pre-key", new JsonObject().put("1", "x"))))
                  .compose(r -> expect(r, 204)));
            }
            return Future.all(writes);
          })
          .compose(v -> d.api(TENANT).get("/v1/sessions/" + ids.get(0)))
          .compose(r -> expect(r, 200))
          .compose(v -> status(d))
          .compose(s -> {
            ctx.verify(() -> {
              assertTrue(!s.postgresUp(), s.toString());
              assertEquals(ids.size() * 2L, s.backlog(), s.toString());
            });
            // The worker has tried (and failed) to sync them before PostgreSQL comes back.
            return Poll.until(vertx, 10_000, 50, "a failed sync batch is counted", () -> d.client().get("/metrics").send()
                .map(m -> metricValue(m.bodyAsString(), "sessiond_sync_failures_total") >= 1));
          })
          .compose(v -> vertx.executeBlocking(() -> {
            server.start();
            return null;
          }))
          .compose(v -> Poll.until(vertx, 30_000, 100, "every write reached PostgreSQL",
              () -> pgVersions(vertx, pg).map(m -> ids.stream().allMatch(id -> Long.valueOf(2).equals(m.get(id))))))
          .compose(v -> Poll.until(vertx, 10_000, 50, "the backlog drained",
              () -> status(d).map(s -> s.backlog() == 0 && s.postgresUp())))
          .compose(v -> vertx.executeBlocking(() -> TestPostgres.query(pg,
              "SELECT count(*) FROM keys WHERE tenant = '" + TENANT + "'")))
          .compose(rows -> {
            ctx.verify(() -> assertEquals(String.valueOf(ids.size()), rows.get(0).get(0)));
            return d.client().get("/metrics").send();
          })
          .compose(metrics -> {
            ctx.verify(() -> {
              String text = metrics.bodyAsString();
              assertTrue(metricValue(text, "sessiond_sync_batch_size_changes_count") >= 1, "batches counted");
            });
            return d.stop();
          });
    }).onComplete(ar -> {
      server.stop();
      ctx.verify(() -> assertTrue(ar.succeeded(), () -> String.valueOf(ar.cause())));
      ctx.completeNow();
    });
  }

  @Test
  void gracefulShutdown_flushesWhatIsPending(Vertx vertx, VertxTestContext ctx) {
    String pg = TestPostgres.newDatabase();
    String id = TestDaemon.freshSession();
    // An hour's interval: only the flush at shutdown can move the change into PostgreSQL.
    daemon(vertx, TestRedis.url(), TestRedis.uniquePrefix(), pg, "SESSION_SYNC_INTERVAL_MS", "3600000")
        .compose(d -> d.api(TENANT).create(id, new JsonObject()).compose(r -> pgVersions(vertx, pg)).compose(m -> {
          ctx.verify(() -> assertTrue(m.isEmpty(), "nothing synced before the shutdown: " + m));
          return d.stop();
        }))
        .compose(v -> pgVersions(vertx, pg))
        .onComplete(ctx.succeeding(m -> ctx.verify(() -> {
          assertEquals(Long.valueOf(1), m.get(id));
          ctx.completeNow();
        })));
  }

  @Test
  void changesACrashedInstanceLeftPending_areSyncedByAnotherInstance(Vertx vertx, VertxTestContext ctx) {
    TestRedis.Server redis = TestRedis.privateServer();
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    List<String> ids = List.of(TestDaemon.freshSession(), TestDaemon.freshSession(), TestDaemon.freshSession());
    // The writer never polls the stream itself (an hour's interval), so its changes stay in the stream.
    daemon(vertx, redis.url(), prefix, pg, "SESSION_SYNC_INTERVAL_MS", "3600000").compose(writer -> {
      Api api = writer.api(TENANT);
      Future<Void> writes = Future.succeededFuture();
      for (String id : ids) {
        writes = writes.compose(v -> api.create(id, new JsonObject().put("data", new JsonObject().put("id", id))).mapEmpty());
      }
      // An instance that read the entries and crashed before writing them: they are pending at its consumer.
      return writes.compose(v -> vertx.executeBlocking(() -> {
        String reply = redis.command("XREADGROUP GROUP sync crashed-instance COUNT 100 STREAMS " + prefix + "sync >");
        assertTrue(reply.startsWith("*1"), reply);
        assertEquals(":" + ids.size(), redis.command("XLEN " + prefix + "sync"));
        return null;
      })).compose(v -> writer.stop());
    }).compose(v -> daemon(vertx, redis.url(), prefix, pg, "SYNC_CLAIM_IDLE_MS", "100", "AUTO_RESTORE_SESSIONS", "false"))
        .compose(other -> Poll.until(vertx, 20_000, 50, "the other instance synced the crashed one's changes",
                () -> pgVersions(vertx, pg).map(m -> ids.stream().allMatch(id -> Long.valueOf(1).equals(m.get(id)))))
            .compose(v -> Poll.until(vertx, 5_000, 50, "the stream is empty once synced",
                () -> vertx.executeBlocking(() -> redis.command("XLEN " + prefix + "sync").equals(":0"))))
            .compose(v -> other.stop()))
        .onComplete(ar -> {
          redis.stop();
          ctx.verify(() -> assertTrue(ar.succeeded(), () -> String.valueOf(ar.cause())));
          ctx.completeNow();
        });
  }

  /** The value of an unlabelled sample in Prometheus text, or -1 when absent. */
  private static double metricValue(String text, String name) {
    return text.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1).trim()))
        .findFirst().orElse(-1);
  }
}
