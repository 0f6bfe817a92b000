package io.sessiond.sync;

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
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A Redis that comes back empty while two daemons run (write-behind to a real PostgreSQL) heals by
 * itself: both notice the new epoch; while the refill has not run, every synced session is served
 * from PostgreSQL on first use (never a 404), a key batch lands on the whole session (its old keys
 * stay), a deletion stays deleted; when the instance that held the refill "dies" (its lock expires),
 * another takes the refill over and fills Redis, without overwriting what clients wrote meanwhile.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class RefillApiTest {
  private static final int SESSIONS = 12;

  @Test
  void redisWipedUnderRunningDaemons_servesFromPostgresOnDemand_thenRefillsWithoutLosingWrites(Vertx vertx,
                                                                                             VertxTestContext ctx) {
    TestRedis.Server redis = TestRedis.privateServer();
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    String epoch = "test-epoch-" + UUID.randomUUID();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) {
      ids.add(TestDaemon.freshSession());
    }
    String keyed = ids.get(0);
    String deleted = ids.get(1);
    List<String> before = new ArrayList<>();
    List<TestDaemon> daemons = new ArrayList<>();
    AtomicReference<String> readyDuringRefill = new AtomicReference<>();
    Future<Void> test = PostgresSyncApiTest.daemon(vertx, redis.url(), prefix, pg, "REFILL_CHECK_MS", "100")
        .compose(a -> {
          daemons.add(a);
          return PostgresSyncApiTest.daemon(vertx, redis.url(), prefix, pg, "REFILL_CHECK_MS", "100");
        })
        .compose(b -> {
          daemons.add(b);
          Api api = daemons.get(0).api(PostgresSyncApiTest.TENANT);
          Future<Void> writes = Future.succeededFuture();
          for (String id : ids) {
            writes = writes.compose(v -> PostgresSyncApiTest.richSession(api, id));
          }
          return writes.compose(v -> Poll.until(vertx, 30_000, 50, "PostgreSQL holds every session at version 4",
                  () -> PostgresSyncApiTest.pgVersions(vertx, pg).map(m -> ids.stream()
                      .allMatch(id -> Long.valueOf(4).equals(m.get(id))))))
              .compose(v -> PostgresSyncApiTest.exports(api, ids, before));
        })
        // Redis loses everything; in the same step an instance that will "die" takes the refill's lock,
        // so nobody refills: every session served now comes from PostgreSQL on demand.
        .compose(v -> vertx.executeBlocking(() -> redis.command("EVAL \"redis.call('FLUSHALL')"
            + " redis.call('SET', KEYS[1], ARGV[1]) redis.call('SET', KEYS[2], 'a-dead-instance') return 1\" 2 "
            + prefix + "epoch " + prefix + "lock:" + EpochWatch.LOCK + epoch + " " + epoch)))
        .compose(reply -> {
          ctx.verify(() -> assertEquals(":1", reply, "the wipe script's reply"));
          return Poll.until(vertx, 10_000, 50, "both daemons notice the new epoch",
              () -> Future.all(PostgresSyncApiTest.status(daemons.get(0)), PostgresSyncApiTest.status(daemons.get(1)))
                  .map(all -> all.<SyncStatus>resultAt(0).refilling() && all.<SyncStatus>resultAt(1).refilling()));
        })
        .compose(v -> listed(daemons.get(1)))
        .compose(listed -> {
          ctx.verify(() -> assertEquals(0, listed, "sessions in Redis right after the wipe"));
          Api api = daemons.get(1).api(PostgresSyncApiTest.TENANT);
          List<String> served = new ArrayList<>();
          // Every session but the two touched below is read through the other daemon, on demand.
          return PostgresSyncApiTest.exports(api, ids.subList(2, SESSIONS), served).map(served);
        })
        .compose(served -> {
          ctx.verify(() -> {
            for (int i = 2; i < SESSIONS; i++) {
              assertEquals(PostgresSyncApiTest.durable(before.get(i)), PostgresSyncApiTest.durable(served.get(i - 2)),
                  "session " + ids.get(i) + " served during the refill");
            }
          });
          Api api = daemons.get(0).api(PostgresSyncApiTest.TENANT);
          return api.request(HttpMethod.POST, "/v1/sessions/" + keyed + "/keys").putHeader("Content-Type", "application/json")
              .sendBuffer(Buffer.buffer("{\"pre-key\":{\"99\":{\"type\":\"Buffer\",\"data\":\"CQ==\"}}}"))
              .compose(r -> PostgresSyncApiTest.expect(r, 204))
              .compose(x -> api.delete("/v1/sessions/" + deleted))
              .compose(r -> PostgresSyncApiTest.expect(r, 204))
              .compose(x -> api.get("/v1/sessions/" + TestDaemon.freshSession()))
              .compose(r -> PostgresSyncApiTest.expect(r, 404))
              // Readiness is re-evaluated on its own interval: the detail shows the refill once it ran.
              .compose(x -> Poll.until(vertx, 10_000, 50, "readiness names the refill", () -> api.get("/health/ready")
                  .map(r -> {
                    readyDuringRefill.set(r.statusCode() + " " + r.bodyAsString());
                    return r.bodyAsString().contains("being refilled");
                  })))
              .compose(x -> Future.all(listed(daemons.get(0)), PostgresSyncApiTest.status(daemons.get(0))));
        })
        .compose(both -> {
          ctx.verify(() -> {
            assertEquals(SESSIONS - 1, (int) both.<Integer>resultAt(0), "sessions in Redis: those used, not the deleted one");
            assertTrue(both.<SyncStatus>resultAt(1).refilling(), "still refilling: nobody ran the refill yet");
            assertTrue(readyDuringRefill.get().startsWith("200 "), readyDuringRefill.get());
            assertTrue(readyDuringRefill.get().contains("being refilled from PostgreSQL"), readyDuringRefill.get());
          });
          // The instance holding the refill dies: its lock expires, another instance takes the refill over.
          return vertx.executeBlocking(() -> redis.command("PEXPIRE " + prefix + "lock:" + EpochWatch.LOCK + epoch + " 200"));
        })
        .compose(v -> Poll.until(vertx, 30_000, 50, "the refill ends on both daemons",
            () -> Future.all(PostgresSyncApiTest.status(daemons.get(0)), PostgresSyncApiTest.status(daemons.get(1)))
                .map(all -> !all.<SyncStatus>resultAt(0).refilling() && !all.<SyncStatus>resultAt(1).refilling())))
        .compose(v -> vertx.executeBlocking(() -> redis.command("HGETALL " + prefix + EpochWatch.DONE + epoch)))
        .compose(done -> {
          ctx.verify(() -> assertTrue(done.startsWith("*") && !done.equals("*0"), "refilled record: " + done));
          Api api = daemons.get(1).api(PostgresSyncApiTest.TENANT);
          List<String> after = new ArrayList<>();
          return PostgresSyncApiTest.exports(api, ids.subList(2, SESSIONS), after)
              .compose(x -> api.get("/v1/sessions/" + keyed + "/export"))
              .compose(keyedExport -> api.get("/v1/sessions/" + deleted).map(gone -> {
                ctx.verify(() -> {
                  for (int i = 2; i < SESSIONS; i++) {
                    assertEquals(PostgresSyncApiTest.durable(before.get(i)), PostgresSyncApiTest.durable(after.get(i - 2)),
                        "session " + ids.get(i) + " after the refill");
                  }
                  assertEquals(200, keyedExport.statusCode(), keyedExport.bodyAsString());
                  JsonObject preKeys = keyedExport.bodyAsJsonObject().getJsonObject("keys").getJsonObject("pre-key");
                  assertEquals(List.of("1", "2", "99"), preKeys.fieldNames().stream().sorted().toList(),
                      "the key batch during the refill landed on the whole session and survived the refill");
                  assertEquals(5L, keyedExport.bodyAsJsonObject().getLong("version"), "restored at 4, then the key batch");
                  assertEquals(404, gone.statusCode(), "deleted during the refill, and the refill did not bring it back");
                });
                return null;
              }));
        })
        .compose(v -> listed(daemons.get(0)))
        .compose(listed -> {
          ctx.verify(() -> assertEquals(SESSIONS - 1, (int) listed, "sessions in Redis after the refill"));
          return Poll.until(vertx, 30_000, 50, "PostgreSQL has the key batch and the deletion",
              () -> PostgresSyncApiTest.pgVersions(vertx, pg).map(m -> Long.valueOf(5).equals(m.get(keyed))
                  && !m.containsKey(deleted)));
        });
    test.onComplete(ar -> Future.join(daemons.stream().map(TestDaemon::stop).toList()).onComplete(s -> {
      redis.stop();
      ctx.verify(() -> assertFalse(ar.failed(), () -> String.valueOf(ar.cause())));
      ctx.completeNow();
    }));
  }

  @Test
  void aRequestThatFindsNoSession_noticesTheWipeAtOnce_withoutWaitingForTheNextCheck(Vertx vertx,
                                                                                    VertxTestContext ctx) {
    TestRedis.Server redis = TestRedis.privateServer();
    String pg = TestPostgres.newDatabase();
    String id = TestDaemon.freshSession();
    List<String> before = new ArrayList<>();
    List<String> after = new ArrayList<>();
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    // The periodic check runs once an hour: only the request itself can notice the wipe.
    PostgresSyncApiTest.daemon(vertx, redis.url(), TestRedis.uniquePrefix(), pg, "REFILL_CHECK_MS", "3600000")
        .compose(d -> {
          daemon.set(d);
          Api api = d.api(PostgresSyncApiTest.TENANT);
          return PostgresSyncApiTest.richSession(api, id)
              .compose(v -> Poll.until(vertx, 30_000, 50, "PostgreSQL holds the session at version 4",
                  () -> PostgresSyncApiTest.pgVersions(vertx, pg).map(m -> Long.valueOf(4).equals(m.get(id)))))
              .compose(v -> PostgresSyncApiTest.exports(api, List.of(id), before))
              .compose(v -> vertx.executeBlocking(() -> redis.command("FLUSHALL")))
              .compose(v -> PostgresSyncApiTest.exports(api, List.of(id), after));
        })
        .onComplete(ar -> daemon.get().stop().onComplete(s -> {
          redis.stop();
          ctx.verify(() -> {
            assertFalse(ar.failed(), () -> String.valueOf(ar.cause()));
            assertEquals(PostgresSyncApiTest.durable(before.get(0)), PostgresSyncApiTest.durable(after.get(0)));
          });
          ctx.completeNow();
        }));
  }

  /** How many of the tenant's sessions Redis holds, by listing them (a listing reads Redis only). */
  private static Future<Integer> listed(TestDaemon d) {
    return d.api(PostgresSyncApiTest.TENANT).get("/v1/sessions?limit=1000").map(r -> {
      if (r.statusCode() != 200) {
        throw new IllegalStateException("list answered " + r.statusCode() + ": " + r.bodyAsString());
      }
      return r.bodyAsJsonObject().getJsonArray("sessions").size();
    });
  }
}
