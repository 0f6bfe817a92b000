package io.sessiond.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.Poll;
import io.sessiond.testing.Resp;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestPostgres;
import io.sessiond.testing.TestRedis;
import io.sessiond.testing.TestRedisCluster;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * PostgreSQL sync on a real Redis Cluster (three masters, three replicas): write-behind and
 * write-through reach PostgreSQL from sessions on every master, auto-restore and a restore job fill an
 * emptied cluster byte for byte, and changes whose slot hints were lost or that a crashed instance
 * left pending are still synced.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class ClusterSyncApiTest {
  static final String TENANT = PostgresSyncApiTest.TENANT;
  private static final String KEY = "test-" + UUID.randomUUID();
  private static TestRedisCluster cluster;

  @BeforeAll
  static void startCluster() {
    cluster = TestRedisCluster.start();
  }

  @AfterAll
  static void stopCluster() {
    cluster.stop();
  }

  static Future<TestDaemon> daemon(Vertx vertx, TestRedisCluster cluster, String prefix, String pg, String... settings) {
    TestDaemon.Builder b = TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_PREFIX", prefix)
        .set("PG_URL", pg).set("SESSION_SYNC_INTERVAL_MS", 50).set("HTTP_INSTANCES", 1);
    cluster.settings().forEach(b::set);
    for (int i = 0; i + 1 < settings.length; i += 2) {
      b.set(settings[i], settings[i + 1]);
    }
    return b.tenantWithKeys(TENANT, KEY).start(vertx);
  }

  private static List<String> sessions(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(TestDaemon.freshSession());
    }
    return ids;
  }

  /** Keys matching {@code pattern} on each master: port → count. */
  static Map<Integer, Integer> keysPerMaster(TestRedisCluster cluster, String pattern) {
    Map<Integer, Integer> out = new HashMap<>();
    for (TestRedisCluster.Node m : cluster.masters()) {
      String cursor = "0";
      int n = 0;
      do {
        List<?> reply = (List<?>) m.call("SCAN", cursor, "MATCH", pattern, "COUNT", 1000);
        cursor = (String) reply.get(0);
        n += ((List<?>) reply.get(1)).size();
      } while (!cursor.equals("0"));
      out.put(m.port, n);
    }
    return out;
  }

  private static void flushCluster() {
    cluster.masters().forEach(m -> assertEquals("OK", Resp.text(m.port, "FLUSHALL")));
  }

  @Test
  void writeBehind_reachesPostgresFromEveryMaster_andAutoRestoreAndARestoreJobFillAnEmptyCluster(Vertx vertx,
                                                                                              VertxTestContext ctx) {
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    List<String> ids = sessions(24);
    List<String> before = new ArrayList<>();
    daemon(vertx, cluster, prefix, pg).compose(first -> {
      Api api = first.api(TENANT);
      List<Future<Void>> writes = new ArrayList<>();
      for (String id : ids) {
        writes.add(PostgresSyncApiTest.richSession(api, id));
      }
      return Future.all(writes)
          .compose(v -> Poll.until(vertx, 20_000, 50, "PostgreSQL holds every session at version 4",
              () -> PostgresSyncApiTest.pgVersions(vertx, pg)
                  .map(m -> ids.stream().allMatch(id -> Long.valueOf(4).equals(m.get(id))))))
          .compose(v -> vertx.executeBlocking(() -> {
            // The changes were recorded in per-slot streams on the sessions' own masters, never in one stream.
            Map<Integer, Integer> streams = keysPerMaster(cluster, prefix + "sync:*:{*}");
            assertTrue(streams.values().stream().filter(n -> n > 0).count() == 3, "slot streams on every master: " + streams);
            assertTrue(keysPerMaster(cluster, prefix + "sync").values().stream().allMatch(n -> n == 0));
            return null;
          }))
          .compose(v -> PostgresSyncApiTest.exports(api, ids, before))
          .compose(v -> first.stop());
    }).compose(v -> vertx.executeBlocking(() -> {
      flushCluster();
      return null;
    })).compose(v -> daemon(vertx, cluster, prefix, pg)).compose(second -> {
      List<String> restored = new ArrayList<>();
      return PostgresSyncApiTest.exports(second.api(TENANT), ids, restored).compose(v -> {
        ctx.verify(() -> {
          for (int i = 0; i < ids.size(); i++) {
            assertEquals(PostgresSyncApiTest.durable(before.get(i)), PostgresSyncApiTest.durable(restored.get(i)),
                "auto-restored session " + ids.get(i));
          }
        });
        return second.stop();
      });
    }).compose(v -> daemon(vertx, cluster, prefix, pg, "AUTO_RESTORE_SESSIONS", "false", "REFILL_CHECK_MS", "0"))
        .compose(third -> { // only the job may restore: no start-up restore, no refill when the cluster empties
      Api api = third.api(TENANT);
      List<String> restored = new ArrayList<>();
      return vertx.executeBlocking(() -> {
            flushCluster();
            return null;
          })
          .compose(v -> api.get("/v1/sessions/" + ids.get(0)))
          .compose(r -> {
            ctx.verify(() -> assertEquals(404, r.statusCode(), "the emptied cluster lost the session"));
            return api.post("/v1/sessions/restore", new JsonObject());
          })
          .compose(r -> {
            ctx.verify(() -> assertEquals(202, r.statusCode(), r.bodyAsString()));
            String job = r.getHeader("Location");
            return Poll.until(vertx, 20_000, 50, "the restore job finished",
                    () -> api.get(job).map(j -> !"running".equals(j.bodyAsJsonObject().getString("state"))))
                .compose(v -> api.get(job));
          })
          .compose(job -> {
            ctx.verify(() -> {
              assertEquals("succeeded", job.bodyAsJsonObject().getString("state"), job.bodyAsString());
              assertEquals(ids.size(), job.bodyAsJsonObject().getLong("restored"), job.bodyAsString());
            });
            return PostgresSyncApiTest.exports(api, ids, restored);
          })
          .compose(v -> {
            ctx.verify(() -> {
              for (int i = 0; i < ids.size(); i++) {
                assertEquals(PostgresSyncApiTest.durable(before.get(i)), PostgresSyncApiTest.durable(restored.get(i)),
                    "session restored by the job " + ids.get(i));
              }
            });
            return third.stop();
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void writeThrough_everyAcknowledgedWrite_isInPostgresWhenAnswered(Vertx vertx, VertxTestContext ctx) {
    String pg = TestPostgres.newDatabase();
    List<String> ids = sessions(12);
    daemon(vertx, cluster, TestRedis.uniquePrefix(), pg, "SYNC_MODE", "write-through",
        "SESSION_SYNC_INTERVAL_MS", "3600000").compose(d -> {
      Api api = d.api(TENANT);
      List<Future<Void>> writes = new ArrayList<>();
      for (String id : ids) {
        writes.add(api.create(id, new JsonObject().put("data", new JsonObject().put("id", id)))
            .compose(r -> PostgresSyncApiTest.expect(r, 201))
            .compose(v -> api.post("/v1/sessions/" + id + "/state", new JsonObject().put("state", "registering")))
            .compose(r -> PostgresSyncApiTest.expect(r, 200)));
      }
      // No polling: with an hour's sync interval only write-through can have put them there.
      return Future.all(writes).compose(v -> PostgresSyncApiTest.pgVersions(vertx, pg)).compose(m -> {
        ctx.verify(() -> ids.forEach(id -> assertEquals(Long.valueOf(2), m.get(id), "session " + id)));
        return vertx.executeBlocking(() -> TestPostgres.query(pg,
            "SELECT count(*) FROM sessions WHERE tenant = '" + TENANT + "' AND state = 'registering'"));
      }).compose(rows -> {
        ctx.verify(() -> assertTrue(Long.parseLong(rows.get(0).get(0)) >= ids.size()));
        // A cluster has no change events: the webhook endpoints say so rather than 404.
        return api.get("/v1/webhooks");
      }).compose(r -> {
        ctx.verify(() -> assertTrue(io.sessiond.testing.Problem.assertProblem(r, 501).getString("detail")
            .contains("Redis Cluster"), r.bodyAsString()));
        return d.stop();
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void changesWhoseHintsWereLost_orThatACrashedInstanceHeld_areSyncedByAnotherInstance(Vertx vertx, VertxTestContext ctx) {
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    List<String> ids = sessions(12);
    // The writer never reads the streams itself (an hour's interval), so its changes stay recorded.
    daemon(vertx, cluster, prefix, pg, "SESSION_SYNC_INTERVAL_MS", "3600000").compose(writer -> {
      Api api = writer.api(TENANT);
      List<Future<Void>> writes = new ArrayList<>();
      for (String id : ids) {
        writes.add(api.create(id, new JsonObject().put("data", new JsonObject().put("id", id))).mapEmpty());
      }
      return Future.all(writes).compose(v -> vertx.executeBlocking(() -> {
            // A crash right after the scripts: the hints never written. And one slot's entries read by an
            // instance that died before syncing them: pending at a consumer that never comes back.
            cluster.masters().forEach(m -> m.call("DEL", prefix + "sync:slots"));
            String stream = firstStream(prefix);
            Object read = cluster.masterOf(slotOf(stream)).call("XREADGROUP", "GROUP", "sync", "crashed-instance",
                "COUNT", 100, "STREAMS", stream, ">");
            assertTrue(read instanceof Resp.RedisError || read instanceof List<?>, String.valueOf(read));
            if (read instanceof Resp.RedisError) { // no group yet: make it as the feed would, then read
              cluster.masterOf(slotOf(stream)).call("XGROUP", "CREATE", stream, "sync", "0");
              read = cluster.masterOf(slotOf(stream)).call("XREADGROUP", "GROUP", "sync", "crashed-instance",
                  "COUNT", 100, "STREAMS", stream, ">");
            }
            assertTrue(read instanceof List<?> l && !l.isEmpty(), String.valueOf(read));
            return null;
          }))
          .compose(v -> daemon(vertx, cluster, prefix, pg, "SYNC_CLAIM_IDLE_MS", "100", "AUTO_RESTORE_SESSIONS", "false"))
          .compose(other -> Poll.until(vertx, 20_000, 50, "the other instance synced every change",
                  () -> PostgresSyncApiTest.pgVersions(vertx, pg)
                      .map(m -> ids.stream().allMatch(id -> Long.valueOf(1).equals(m.get(id)))))
              .compose(v -> Poll.until(vertx, 10_000, 50, "the streams are empty once synced",
                  () -> vertx.executeBlocking(() -> streamEntries(prefix) == 0)))
              .compose(v -> other.stop()))
          .compose(v -> writer.stop());
    }).onComplete(ctx.succeedingThenComplete());
  }

  /** The first slot stream of the prefix found on any master. */
  private static String firstStream(String prefix) {
    for (TestRedisCluster.Node m : cluster.masters()) {
      List<?> reply = (List<?>) m.call("SCAN", "0", "MATCH", prefix + "sync:*:{*}", "COUNT", 100000);
      List<?> keys = (List<?>) reply.get(1);
      if (!keys.isEmpty()) {
        return (String) keys.get(0);
      }
    }
    throw new AssertionError("no slot stream under " + prefix);
  }

  private static int slotOf(String stream) {
    String[] parts = stream.split(":");
    return Integer.parseInt(parts[parts.length - 2]);
  }

  /** Entries left in every slot stream of the prefix. */
  private static long streamEntries(String prefix) {
    long n = 0;
    for (TestRedisCluster.Node m : cluster.masters()) {
      List<?> reply = (List<?>) m.call("SCAN", "0", "MATCH", prefix + "sync:*:{*}", "COUNT", 100000);
      for (Object key : (List<?>) reply.get(1)) {
        n += (Long) m.call("XLEN", key);
      }
    }
    return n;
  }

}
