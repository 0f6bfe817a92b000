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
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A master failover under write load with write-behind sync, on a real local Redis Cluster: first a
 * clean {@code CLUSTER FAILOVER}, then a master killed with {@code SIGKILL}. Sessions in the slots of
 * the other masters are served throughout (no failed request, readiness stays up), the daemon finds the
 * new masters by itself, and once the load stops PostgreSQL holds exactly what Redis holds for every
 * session. What Redis itself lost of the acknowledged writes (asynchronous replication: a write
 * acknowledged by the killed master but not yet copied to its replica) is measured and printed.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class ClusterFailoverApiTest {
  private static final int SESSIONS = 30;

  /** One session's write loop and what it saw. */
  private static final class Writer {
    final String id;
    volatile int slot;
    final AtomicLong acked = new AtomicLong();
    final AtomicLong lastAckAt = new AtomicLong();
    final List<String> failures = new ArrayList<>();

    Writer(String id) {
      this.id = id;
    }
  }

  @Test
  void masterFailover_cleanThenKilled_otherSlotsServedThroughout_andPostgresMatchesRedis(Vertx vertx,
                                                                                       VertxTestContext ctx) {
    TestRedisCluster cluster = TestRedisCluster.start();
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    List<Writer> writers = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) {
      writers.add(new Writer(TestDaemon.freshSession()));
    }
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger notReady = new AtomicInteger();
    Map<String, Integer> phaseFailures = new ConcurrentHashMap<>();
    ClusterSyncApiTest.daemon(vertx, cluster, prefix, pg, "SESSION_SYNC_INTERVAL_MS", "100").compose(d -> {
      Api api = d.api(ClusterSyncApiTest.TENANT);
      writers.forEach(w -> w.slot = ((Long) Resp.call(cluster.nodes().get(0).port, "CLUSTER", "KEYSLOT",
          ClusterSyncApiTest.TENANT + ":" + w.id)).intValue());
      List<Future<Void>> loops = new ArrayList<>();
      writers.forEach(w -> loops.add(writeLoop(vertx, api, w, stop)));
      Future<Void> readiness = watchReadiness(vertx, d, stop, notReady);
      return Poll.until(vertx, 20_000, 50, "every session acknowledged a write",
              () -> Future.succeededFuture(writers.stream().allMatch(w -> w.acked.get() > 0)))
          .compose(v -> failover(vertx, cluster, writers, writers.get(0), "clean", phaseFailures, master -> {
            TestRedisCluster.Node replica = cluster.replicaOf(master);
            assertEquals("OK", replica.call("CLUSTER", "FAILOVER"));
            TestRedisCluster.await("the replica took over", replica::isMaster);
          }))
          .compose(v -> failover(vertx, cluster, writers, writers.get(writers.size() - 1), "kill", phaseFailures, master -> {
            master.kill();
            TestRedisCluster.await("a replica took over the killed master's slots",
                () -> cluster.masters().size() == 3 && cluster.nodes().stream().filter(TestRedisCluster.Node::alive)
                    .allMatch(n -> Resp.text(n.port, "CLUSTER", "INFO").contains("cluster_state:ok")));
          }))
          .compose(v -> {
            stop.set(true);
            return Future.all(loops).compose(x -> readiness);
          })
          .compose(v -> converged(vertx, api, pg, writers))
          .compose(v -> d.stop());
    }).onComplete(ar -> {
      cluster.stop();
      ctx.verify(() -> {
        assertTrue(ar.succeeded(), () -> String.valueOf(ar.cause()));
        assertEquals(0, phaseFailures.getOrDefault("clean:other", 0), "failed requests on other masters, clean failover: " + phaseFailures);
        assertEquals(0, phaseFailures.getOrDefault("kill:other", 0), "failed requests on other masters, killed master: " + phaseFailures);
        assertEquals(0, notReady.get(), "readiness answered 503 while only some slots failed over");
      });
      ctx.completeNow();
    });
  }

  /** A session's writes one after the other (a PATCH of a counter) until {@code stop}; each acknowledged version is kept. */
  private static Future<Void> writeLoop(Vertx vertx, Api api, Writer w, AtomicBoolean stop) {
    Promise<Void> done = Promise.promise();
    api.create(w.id, new JsonObject().put("data", new JsonObject().put("n", 0))).onComplete(ar -> next(vertx, api, w, stop, done, 1));
    return done.future();
  }

  private static void next(Vertx vertx, Api api, Writer w, AtomicBoolean stop, Promise<Void> done, int n) {
    if (stop.get()) {
      done.complete();
      return;
    }
    api.patch("/v1/sessions/" + w.id, new JsonObject().put("n", n)).onComplete(ar -> {
      if (ar.succeeded() && ar.result().statusCode() == 200) {
        w.acked.accumulateAndGet(ar.result().bodyAsJsonObject().getLong("version"), Math::max);
        w.lastAckAt.set(System.currentTimeMillis());
      } else {
        synchronized (w.failures) {
          w.failures.add(System.currentTimeMillis() + " " + (ar.succeeded() ? ar.result().statusCode() + " "
              + ar.result().bodyAsString() : ar.cause().toString()));
        }
      }
      vertx.setTimer(5, t -> next(vertx, api, w, stop, done, n + 1));
    });
  }

  private static Future<Void> watchReadiness(Vertx vertx, TestDaemon d, AtomicBoolean stop, AtomicInteger notReady) {
    return Poll.until(vertx, 110_000, 50, "the load stopped", () -> d.client().get("/health/ready").send().map(r -> {
      if (r.statusCode() != 200) {
        notReady.incrementAndGet();
        System.out.println("readiness " + r.statusCode() + ": " + r.bodyAsString());
      }
      return stop.get();
    }));
  }

  /** The masters' failure counts of one phase: the sessions of the failed master, and the others. */
  private static Future<Void> failover(Vertx vertx, TestRedisCluster cluster, List<Writer> writers, Writer of, String phase,
                                       Map<String, Integer> failures, java.util.function.Consumer<TestRedisCluster.Node> act) {
    Map<Writer, Integer> before = new ConcurrentHashMap<>();
    long start = System.currentTimeMillis();
    return vertx.executeBlocking(() -> {
      TestRedisCluster.Node master = cluster.masterOf(of.slot);
      List<Writer> affected = writers.stream().filter(w -> cluster.masterOf(w.slot) == master).toList();
      writers.forEach(w -> before.put(w, w.failures.size()));
      act.accept(master);
      return affected;
    }).compose(affected -> {
      long tookOver = System.currentTimeMillis();
      // Every session, the failed master's included, is written again after the failover: the daemon found the new master.
      return Poll.until(vertx, 20_000, 50, "every session is written after the " + phase + " failover",
              () -> Future.succeededFuture(writers.stream().allMatch(w -> w.lastAckAt.get() > tookOver)))
          .map(v -> {
            int mine = 0;
            int other = 0;
            for (Writer w : writers) {
              int n = w.failures.size() - before.get(w);
              if (affected.contains(w)) {
                mine += n;
              } else {
                other += n;
                synchronized (w.failures) {
                  w.failures.subList(before.get(w), w.failures.size()).forEach(f -> System.out.println(phase + " other: " + f));
                }
              }
            }
            failures.put(phase + ":affected", mine);
            failures.put(phase + ":other", other);
            System.out.printf("%s failover: %d sessions on the failed master, %d failed requests there, %d on the others;"
                    + " cluster took over after %d ms, all served again after %d ms%n", phase, affected.size(), mine, other,
                tookOver - start, System.currentTimeMillis() - start);
            return null;
          });
    });
  }

  /**
   * Once the load stopped: PostgreSQL converges to what Redis holds, session by session (version and
   * data); and what Redis lost of the acknowledged writes is counted and printed.
   */
  private static Future<Void> converged(Vertx vertx, Api api, String pg, List<Writer> writers) {
    Map<String, Long> redisVersions = new ConcurrentHashMap<>();
    Map<String, String> redisData = new ConcurrentHashMap<>();
    List<Future<Void>> reads = new ArrayList<>();
    for (Writer w : writers) {
      reads.add(api.get("/v1/sessions/" + w.id).map(r -> {
        assertEquals(200, r.statusCode(), r.bodyAsString());
        redisVersions.put(w.id, r.bodyAsJsonObject().getLong("version"));
        redisData.put(w.id, r.bodyAsJsonObject().getJsonObject("data").encode());
        return null;
      }));
    }
    return Future.all(reads).compose(v -> {
      long lostVersions = 0;
      int sessionsLosing = 0;
      for (Writer w : writers) {
        long lost = w.acked.get() - redisVersions.get(w.id);
        if (lost > 0) {
          lostVersions += lost;
          sessionsLosing++;
        }
      }
      long acked = writers.stream().mapToLong(w -> w.acked.get()).sum();
      System.out.printf("Redis lost %d acknowledged writes (of %d) in %d sessions on the unclean failover%n",
          lostVersions, acked, sessionsLosing);
      return Poll.until(vertx, 20_000, 100, "PostgreSQL holds what Redis holds, for every session",
          () -> PostgresSyncApiTest.pgVersions(vertx, pg).map(m -> writers.stream()
              .allMatch(w -> redisVersions.get(w.id).equals(m.get(w.id)))));
    }).compose(v -> vertx.executeBlocking(() -> TestPostgres.query(pg,
        "SELECT id, data FROM sessions WHERE tenant = '" + ClusterSyncApiTest.TENANT + "'"))).map(rows -> {
      for (List<String> row : rows) {
        if (redisData.containsKey(row.get(0))) {
          assertEquals(redisData.get(row.get(0)), row.get(1), "data of " + row.get(0));
        }
      }
      return null;
    });
  }
}
