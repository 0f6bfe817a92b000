package io.sessiond.sync;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Restore jobs over the API, corrupt rows, and expiry reaching PostgreSQL, on real daemons, a real
 * Redis and a real PostgreSQL.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class RestoreJobApiTest {

  @Test
  void restoreJob_bringsBackTheTenantsSessions_skipsACorruptRow_andReportsItsOutcome(Vertx vertx, VertxTestContext ctx) {
    TestRedis.Server redis = TestRedis.privateServer();
    String pg = TestPostgres.newDatabase();
    String a = TestDaemon.freshSession();
    String b = TestDaemon.freshSession();
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    AtomicReference<String> location = new AtomicReference<>();
    // No epoch watch (REFILL_CHECK_MS=0): after the FLUSHALL only the job may restore, or it finds the sessions back already.
    PostgresSyncApiTest.daemon(vertx, redis.url(), TestRedis.uniquePrefix(), pg, "REFILL_CHECK_MS", "0").compose(d -> {
      daemon.set(d);
      Api api = d.api(tenant());
      return PostgresSyncApiTest.richSession(api, a).compose(v -> PostgresSyncApiTest.richSession(api, b))
          .compose(v -> Poll.until(vertx, 20_000, 50, "both sessions are in PostgreSQL",
              () -> PostgresSyncApiTest.pgVersions(vertx, pg).map(m -> m.size() == 2 && m.values().stream().allMatch(x -> x == 4))))
          .compose(v -> vertx.executeBlocking(() -> {
            TestPostgres.update(pg, "INSERT INTO sessions VALUES ('" + tenant() + "', 'corrupt', 'no-such-state', '{}', NULL,"
                + " 1, 1, 1, 1, 0, 0)");
            assertEquals("+OK", redis.command("FLUSHALL"));
            return null;
          }))
          .compose(v -> api.post("/v1/sessions/restore", new JsonObject()))
          .compose(r -> {
            ctx.verify(() -> {
              assertEquals(202, r.statusCode(), r.bodyAsString());
              assertTrue(r.getHeader("Location").startsWith("/v1/jobs/"));
              assertEquals("restore", r.bodyAsJsonObject().getString("type"));
            });
            location.set(r.getHeader("Location"));
            return Poll.until(vertx, 20_000, 50, "the job finished",
                () -> api.get(location.get()).map(j -> !"running".equals(j.bodyAsJsonObject().getString("state"))));
          })
          .compose(v -> api.get(location.get()))
          .compose(r -> {
            ctx.verify(() -> {
              JsonObject job = r.bodyAsJsonObject();
              assertEquals("succeeded", job.getString("state"), job.encode());
              assertEquals(3, job.getLong("total"));
              assertEquals(2, job.getLong("restored"));
              assertEquals(1, job.getLong("failed"));
            });
            return api.get("/v1/sessions/" + a + "/keys/query".replace("/keys/query", ""));
          })
          .compose(r -> {
            ctx.verify(() -> assertEquals(200, r.statusCode(), r.bodyAsString()));
            return d.apiWithKey("test-unknown").get(location.get());
          })
          .compose(r -> {
            ctx.verify(() -> assertEquals(401, r.statusCode()));
            return api.get("/v1/jobs/no-such-job");
          })
          .map(r -> {
            ctx.verify(() -> assertProblem(r, 404));
            return null;
          });
    }).onComplete(ar -> {
      Future<Void> stop = daemon.get() == null ? Future.succeededFuture() : daemon.get().stop();
      stop.onComplete(s -> {
        redis.stop();
        ctx.verify(() -> assertTrue(ar.succeeded(), () -> String.valueOf(ar.cause())));
        ctx.completeNow();
      });
    });
  }

  private static String tenant() {
    return PostgresSyncApiTest.TENANT;
  }

  @Test
  void aSecondRestoreJobOfATenant_whileOneRuns_is409_andStartsOnceItEnded(Vertx vertx, VertxTestContext ctx) {
    TestRedis.Server redis = TestRedis.privateServer();
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    String lock = prefix + "lock:restore-job:" + tenant();
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    PostgresSyncApiTest.daemon(vertx, redis.url(), prefix, pg).compose(d -> {
      daemon.set(d);
      // A job of this tenant running on another instance holds the tenant's job lock.
      return vertx.executeBlocking(() -> redis.command("SET " + lock + " another-job PX 60000"));
    }).compose(set -> {
      ctx.verify(() -> assertEquals("+OK", set));
      return daemon.get().api(tenant()).post("/v1/sessions/restore", new JsonObject());
    }).compose(r -> {
      ctx.verify(() -> {
        JsonObject p = io.sessiond.testing.Problem.assertProblem(r, 409);
        assertTrue(p.getString("type").endsWith("job-running"), p.encode());
      });
      return vertx.executeBlocking(() -> redis.command("DEL " + lock));
    }).compose(v -> daemon.get().api(tenant()).post("/v1/sessions/restore", new JsonObject()))
        .compose(r -> {
          ctx.verify(() -> assertEquals(202, r.statusCode(), r.bodyAsString()));
          return Poll.until(vertx, 10_000, 50, "the job ended and released the tenant's job lock",
              () -> vertx.executeBlocking(() -> redis.command("EXISTS " + lock)).map(":0"::equals));
        })
        .eventually(() -> daemon.get() == null ? Future.succeededFuture() : daemon.get().stop())
        .onComplete(ctx.succeeding(v -> {
          redis.stop();
          ctx.completeNow();
        }));
  }

  @Test
  void aRestoreJob_doesNotBringBackASessionWhoseDeletionHasNotReachedPostgresYet(Vertx vertx, VertxTestContext ctx) {
    // Found by HostileRequestsFuzzTest: the job copied the deleted session back from PostgreSQL, then the
    // deletion reached PostgreSQL, and the session lived on in Redis alone: an acknowledged DELETE undone.
    TestRedis.Server redis = TestRedis.privateServer();
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    String id = TestDaemon.freshSession();
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    PostgresSyncApiTest.daemon(vertx, redis.url(), prefix, pg).compose(first -> first.api(tenant()).create(id,
            new JsonObject())
        .compose(r -> Poll.until(vertx, 20_000, 50, "the session reached PostgreSQL",
            () -> PostgresSyncApiTest.pgVersions(vertx, pg).map(m -> m.containsKey(id))))
        .compose(v -> first.stop()))
        // Another instance whose sync does not drain for ten minutes: its deletion stays pending.
        .compose(v -> PostgresSyncApiTest.daemon(vertx, redis.url(), prefix, pg, "SESSION_SYNC_INTERVAL_MS", "600000"))
        .compose(d -> {
          daemon.set(d);
          return d.api(tenant()).delete("/v1/sessions/" + id);
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals(204, r.statusCode(), r.bodyAsString()));
          return daemon.get().api(tenant()).post("/v1/sessions/restore", new JsonObject());
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals(202, r.statusCode(), r.bodyAsString()));
          String job = r.getHeader("Location");
          return Poll.until(vertx, 20_000, 50, "the job finished", () -> daemon.get().api(tenant()).get(job)
              .map(j -> !"running".equals(j.bodyAsJsonObject().getString("state"))))
              .compose(v -> daemon.get().api(tenant()).get(job));
        })
        .compose(job -> {
          ctx.verify(() -> {
            assertEquals("succeeded", job.bodyAsJsonObject().getString("state"), job.bodyAsString());
            assertEquals(0L, job.bodyAsJsonObject().getLong("restored"), job.bodyAsString());
          });
          return daemon.get().api(tenant()).get("/v1/sessions/" + id);
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals(404, r.statusCode(), "the deleted session came back: " + r.bodyAsString()));
          return Future.succeededFuture();
        })
        .eventually(() -> daemon.get() == null ? Future.succeededFuture() : daemon.get().stop())
        .onComplete(ctx.succeeding(v -> {
          redis.stop();
          ctx.completeNow();
        }));
  }

  @Test
  void twoInstancesStartingTogether_restoreEachSessionOnce(Vertx vertx, VertxTestContext ctx) {
    TestRedis.Server redis = TestRedis.privateServer();
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    int n = 30;
    List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(TestDaemon.freshSession());
    }
    List<TestDaemon> started = new java.util.concurrent.CopyOnWriteArrayList<>();
    PostgresSyncApiTest.daemon(vertx, redis.url(), prefix, pg).compose(writer -> {
      List<Future<?>> creates = new java.util.ArrayList<>();
      ids.forEach(id -> creates.add(writer.api(tenant()).create(id, new JsonObject().put("data", new JsonObject().put("id", id)))));
      return Future.all(creates)
          .compose(v -> Poll.until(vertx, 20_000, 50, "every session is in PostgreSQL",
              () -> PostgresSyncApiTest.pgVersions(vertx, pg).map(m -> m.size() == n)))
          .compose(v -> writer.stop());
    }).compose(v -> vertx.executeBlocking(() -> redis.command("FLUSHALL")))
        .compose(v -> Future.all(PostgresSyncApiTest.daemon(vertx, redis.url(), prefix, pg).onSuccess(started::add),
            PostgresSyncApiTest.daemon(vertx, redis.url(), prefix, pg).onSuccess(started::add)))
        .compose(v -> Future.all(PostgresSyncApiTest.status(started.get(0)), PostgresSyncApiTest.status(started.get(1))))
        .compose(all -> {
          SyncStatus a = all.resultAt(0);
          SyncStatus b = all.resultAt(1);
          ctx.verify(() -> {
            assertEquals(n, a.restoredSessions() + b.restoredSessions(), a + " / " + b);
            assertTrue(a.restoredSessions() == 0 || b.restoredSessions() == 0, a + " / " + b);
          });
          return started.get(0).api(tenant()).get("/v1/sessions/" + ids.get(n - 1));
        })
        .onComplete(ar -> Future.join(started.stream().map(TestDaemon::stop).toList()).onComplete(s -> {
          redis.stop();
          ctx.verify(() -> {
            assertTrue(ar.succeeded(), () -> String.valueOf(ar.cause()));
            assertEquals(200, ar.result().statusCode());
          });
          ctx.completeNow();
        }));
  }

  @Test
  void anExpiredSession_isRemovedFromPostgres(Vertx vertx, VertxTestContext ctx) {
    String pg = TestPostgres.newDatabase();
    String id = TestDaemon.freshSession();
    PostgresSyncApiTest.daemon(vertx, TestRedis.url(), TestRedis.uniquePrefix(), pg, "EXPIRY_SWEEP_INTERVAL_MS", "50")
        // It gets its 1 s lifetime only once PostgreSQL has it: on a busy machine a session created with
        // it could expire before its first sync, and then there is nothing to remove.
        .compose(d -> d.api(tenant()).create(id, new JsonObject().put("ttlSeconds", 3600))
            .compose(r -> Poll.until(vertx, 10_000, 50, "the session reached PostgreSQL",
                () -> PostgresSyncApiTest.pgVersions(vertx, pg).map(m -> m.containsKey(id))))
            .compose(v -> d.api(tenant()).put("/v1/sessions/" + id, new JsonObject().put("ttlSeconds", 1)))
            .compose(r -> r.statusCode() == 200 ? Future.succeededFuture()
                : Future.failedFuture("setting a 1 s TTL answered " + r.statusCode() + ": " + r.bodyAsString()))
            .compose(v -> Poll.until(vertx, 10_000, 50, "the expired session is gone from PostgreSQL",
                () -> PostgresSyncApiTest.pgVersions(vertx, pg).map(m -> !m.containsKey(id))))
            .compose(v -> d.stop()))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void restore_withSyncOff_answers503(Vertx vertx, VertxTestContext ctx) {
    String tenant = TestDaemon.freshTenant();
    TestDaemon.builder().tenant(tenant).start(vertx)
        .compose(d -> d.api(tenant).post("/v1/sessions/restore", new JsonObject()).compose(r -> {
          ctx.verify(() -> assertProblem(r, 503));
          return d.stop();
        }))
        .onComplete(ctx.succeedingThenComplete());
  }
}
