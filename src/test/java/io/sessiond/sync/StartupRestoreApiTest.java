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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The start-up restore over several cursor batches (read ahead while earlier ones are imported) into
 * an empty Redis, on real daemons, a real Redis and a real PostgreSQL: every session comes back byte
 * for byte, nothing is recorded for sync (PostgreSQL holds it already) while an import over HTTP still
 * is, and a restore never replaces a session Redis holds at a newer version.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class StartupRestoreApiTest {
  /** More keys of one type and more messages than one Lua call takes at once (UNPACK_CHUNK). */
  private static final int MANY_KEYS = 1_200;
  private static final int MANY_MESSAGES = 1_100;

  @Test
  void restoreOverSeveralBatches_bringsBackEverySessionByteForByte_andRecordsNothingForSync(Vertx vertx,
                                                                                            VertxTestContext ctx) {
    TestRedis.Server redis = TestRedis.privateServer();
    String pg = TestPostgres.newDatabase();
    String firstPrefix = TestRedis.uniquePrefix();
    String emptyPrefix = TestRedis.uniquePrefix(); // the same Redis under a new prefix: empty for sessiond
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      ids.add(TestDaemon.freshSession());
    }
    String big = TestDaemon.freshSession();
    List<String> all = new ArrayList<>(ids);
    all.add(big);
    List<String> before = new ArrayList<>();
    List<String> after = new ArrayList<>();
    AtomicReference<TestDaemon> second = new AtomicReference<>();
    PostgresSyncApiTest.daemon(vertx, redis.url(), firstPrefix, pg, "MAX_MESSAGES_PER_SESSION", "2000")
        .compose(first -> {
          Api api = first.api(PostgresSyncApiTest.TENANT);
          Future<Void> writes = bigSession(api, big);
          for (String id : ids) {
            writes = writes.compose(v -> PostgresSyncApiTest.richSession(api, id));
          }
          return writes
              .compose(v -> Poll.until(vertx, 30_000, 50, "PostgreSQL holds every session at version 4",
                  () -> PostgresSyncApiTest.pgVersions(vertx, pg).map(m -> all.stream()
                      .allMatch(id -> Long.valueOf(4).equals(m.get(id))))))
              .compose(v -> PostgresSyncApiTest.exports(api, all, before))
              .compose(v -> first.stop());
        })
        // Batches of 3 sessions: several batches, read ahead while earlier ones are imported.
        // The sync worker never polls (an hour's interval), so the stream keeps whatever is recorded.
        .compose(v -> PostgresSyncApiTest.daemon(vertx, redis.url(), emptyPrefix, pg, "RESTORE_BATCH_SIZE", "3",
            "MAX_MESSAGES_PER_SESSION", "2000", "SESSION_SYNC_INTERVAL_MS", "3600000"))
        .compose(d -> {
          second.set(d);
          return PostgresSyncApiTest.exports(d.api(PostgresSyncApiTest.TENANT), all, after);
        })
        .compose(v -> {
          ctx.verify(() -> {
            for (int i = 0; i < all.size(); i++) {
              assertEquals(PostgresSyncApiTest.durable(before.get(i)), PostgresSyncApiTest.durable(after.get(i)),
                  "session " + all.get(i));
            }
            JsonObject restoredBig = new JsonObject(after.get(all.indexOf(big)));
            assertEquals(MANY_KEYS, restoredBig.getJsonObject("keys").getJsonObject("pre-key").size());
            assertEquals(MANY_MESSAGES, restoredBig.getJsonArray("messages").size());
          });
          return Future.all(streamLength(vertx, redis, emptyPrefix), PostgresSyncApiTest.status(second.get()));
        })
        .compose(both -> {
          SyncStatus status = both.resultAt(1);
          ctx.verify(() -> {
            assertEquals(0L, (long) both.<Long>resultAt(0), "change stream entries after the restore");
            assertEquals(0, status.backlog(), status.toString());
            assertEquals(all.size(), status.restoredSessions(), status.toString());
          });
          // An import over HTTP is a client's write: it is recorded for PostgreSQL.
          JsonObject copy = new JsonObject(before.get(1)).put("id", TestDaemon.freshSession());
          return second.get().api(PostgresSyncApiTest.TENANT).post("/v1/sessions/import", copy);
        })
        .compose(r -> PostgresSyncApiTest.expect(r, 201))
        .compose(v -> streamLength(vertx, redis, emptyPrefix))
        .onComplete(ar -> {
          Future<Void> stop = second.get() == null ? Future.succeededFuture() : second.get().stop();
          stop.onComplete(s -> {
            redis.stop();
            ctx.verify(() -> {
              assertTrue(ar.succeeded(), () -> String.valueOf(ar.cause()));
              assertEquals(1L, ar.result(), "change stream entries after an import over HTTP");
            });
            ctx.completeNow();
          });
        });
  }

  @Test
  void restoreJob_replacesAnOlderSession_andNeverOneRedisHoldsNewer(Vertx vertx, VertxTestContext ctx) {
    String pg = TestPostgres.newDatabase();
    String newer = TestDaemon.freshSession();
    String older = TestDaemon.freshSession();
    String tenant = PostgresSyncApiTest.TENANT;
    PostgresSyncApiTest.daemon(vertx, TestRedis.url(), TestRedis.uniquePrefix(), pg).compose(d -> {
      Api api = d.api(tenant);
      return api.create(newer, new JsonObject().put("data", new JsonObject().put("v", 1)))
          .compose(r -> api.create(older, new JsonObject().put("data", new JsonObject().put("v", 1))))
          .compose(r -> api.patch("/v1/sessions/" + newer, new JsonObject().put("v", 2)))
          .compose(r -> Poll.until(vertx, 20_000, 50, "both sessions are in PostgreSQL",
              () -> PostgresSyncApiTest.pgVersions(vertx, pg).map(m -> Map.of(newer, 2L, older, 1L).equals(m))))
          // PostgreSQL now lags Redis for one session and is ahead of it for the other.
          .compose(v -> vertx.executeBlocking(() -> {
            TestPostgres.update(pg, "UPDATE sessions SET version = 1, data = '{\"stale\":true}' WHERE id = '" + newer + "'");
            TestPostgres.update(pg, "UPDATE sessions SET version = 7, data = '{\"from\":\"postgres\"}' WHERE id = '"
                + older + "'");
            return null;
          }))
          .compose(v -> api.post("/v1/sessions/restore", new JsonObject()))
          .compose(r -> {
            String job = r.getHeader("Location");
            return Poll.until(vertx, 20_000, 50, "the job finished",
                () -> api.get(job).map(j -> !"running".equals(j.bodyAsJsonObject().getString("state"))))
                .compose(v -> api.get(job));
          })
          .compose(r -> {
            ctx.verify(() -> {
              JsonObject job = r.bodyAsJsonObject();
              assertEquals("succeeded", job.getString("state"), job.encode());
              assertEquals(1, job.getLong("restored"), job.encode());
              assertEquals(1, job.getLong("skipped"), job.encode());
            });
            return Future.all(api.get("/v1/sessions/" + newer), api.get("/v1/sessions/" + older));
          })
          .compose(both -> {
            JsonObject n = both.<io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer>>resultAt(0).bodyAsJsonObject();
            JsonObject o = both.<io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer>>resultAt(1).bodyAsJsonObject();
            ctx.verify(() -> {
              assertEquals(new JsonObject().put("v", 2), n.getJsonObject("data"), n.encode());
              assertEquals(2, n.getLong("version"), n.encode());
              assertEquals(new JsonObject().put("from", "postgres"), o.getJsonObject("data"), o.encode());
              assertEquals(7, o.getLong("version"), o.encode());
            });
            return d.stop();
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void restoreOfASessionWithTtl_givesPostgresItsNewExpiry_soTheCleanUpKeepsIt(Vertx vertx, VertxTestContext ctx) {
    String pg = TestPostgres.newDatabase();
    String redisUrl = TestRedis.url();
    String id = TestDaemon.freshSession();
    String tenant = PostgresSyncApiTest.TENANT;
    long soon = System.currentTimeMillis() + 120_000;
    PostgresSyncApiTest.daemon(vertx, redisUrl, TestRedis.uniquePrefix(), pg).compose(first -> first.api(tenant)
            .create(id, new JsonObject().put("data", new JsonObject().put("v", 1)).put("ttlSeconds", 86_400))
            .compose(r -> Poll.until(vertx, 20_000, 50, "the session is in PostgreSQL",
                () -> PostgresSyncApiTest.pgVersions(vertx, pg).map(m -> Long.valueOf(1).equals(m.get(id)))))
            .compose(v -> first.stop()))
        // Most of its day has passed while no instance ran: PostgreSQL's expiry is two minutes away.
        .compose(v -> vertx.executeBlocking(() -> {
          TestPostgres.update(pg, "UPDATE sessions SET expires_at = " + soon + " WHERE id = '" + id + "'");
          return null;
        }))
        .compose(v -> PostgresSyncApiTest.daemon(vertx, redisUrl, TestRedis.uniquePrefix(), pg))
        .compose(second -> second.api(tenant).get("/v1/sessions/" + id)
            .compose(r -> vertx.executeBlocking(() -> TestPostgres.query(pg,
                "SELECT expires_at FROM sessions WHERE id = '" + id + "'")).map(rows -> {
                  long redisExpiry = java.time.Instant.parse(r.bodyAsJsonObject().getString("expiresAt")).toEpochMilli();
                  long pgExpiry = Long.parseLong(rows.get(0).get(0));
                  ctx.verify(() -> {
                    assertTrue(redisExpiry > soon + 3_600_000L, "Redis expiry restarted: " + redisExpiry);
                    assertTrue(Math.abs(redisExpiry - pgExpiry) < 1_000, "PostgreSQL expiry " + pgExpiry
                        + " follows Redis's " + redisExpiry);
                  });
                  return null;
                }))
            .eventually(second::stop))
        .onComplete(ctx.succeedingThenComplete());
  }

  /** A session with more keys of one type and more messages than one Lua call takes at once; version 4. */
  private static Future<Void> bigSession(Api api, String id) {
    JsonObject preKeys = new JsonObject();
    for (int i = 0; i < MANY_KEYS; i++) {
      preKeys.put(Integer.toString(i), new JsonObject().put("type", "Buffer").put("data", "k" + i + "=="));
    }
    // Non-ASCII text and a value longer than 64 KiB come back byte for byte too.
    JsonObject keys = new JsonObject().put("pre-key", preKeys)
        .put("session", new JsonObject().put("a@s.whatsapp.net", new JsonObject().put("z", 1).put("a", 2))
            .put("\u00fcn\u00efc\u00f8d\u00e9-\ud83d\ude00", new JsonObject().put("long", "x\u20ac".repeat(35_000))));
    JsonArray first = new JsonArray();
    JsonArray rest = new JsonArray();
    for (int i = 0; i < MANY_MESSAGES; i++) {
      (i < 1000 ? first : rest).add(new JsonObject().put("role", "user").put("content", "m\u00e9\ud83d\ude00" + i));
    }
    String path = "/v1/sessions/" + id;
    return api.create(id, new JsonObject().put("data", new JsonObject().put("big", true)))
        .compose(r -> api.post(path + "/keys", keys))
        .compose(r -> PostgresSyncApiTest.expect(r, 204))
        .compose(v -> api.post(path + "/messages", first)) // an append takes at most 1,000
        .compose(r -> PostgresSyncApiTest.expect(r, 201))
        .compose(v -> api.post(path + "/messages", rest))
        .compose(r -> PostgresSyncApiTest.expect(r, 201));
  }

  /** XLEN of the change stream under {@code prefix}. */
  private static Future<Long> streamLength(Vertx vertx, TestRedis.Server redis, String prefix) {
    return vertx.executeBlocking(() -> {
      String reply = redis.command("XLEN " + prefix + "sync");
      return Long.parseLong(reply.substring(1).trim());
    });
  }
}
