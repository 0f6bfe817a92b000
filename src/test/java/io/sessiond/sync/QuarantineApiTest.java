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
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One session whose changes PostgreSQL refuses (a NUL byte in its data, put into Redis behind the
 * daemon's back, as a bug or an old version could) is quarantined: it stays whole in Redis, is shown
 * in its status, readiness and the metrics, is retried, and leaves quarantine once fixed; meanwhile
 * another tenant's writes reach PostgreSQL as if nothing happened.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class QuarantineApiTest {

  @Test
  void poisonedSession_isQuarantined_andOtherTenantsKeepSyncing(Vertx vertx, VertxTestContext ctx) {
    Setup t = new Setup();
    AtomicReference<TestDaemon> daemon = t.daemon;
    String pg = t.pg;
    String victim = t.victim;
    String bystander = t.bystander;
    String bad = t.bad;
    TestRedis.Server redis = t.redis;
    t.syncedSession(vertx)
        .compose(v -> vertx.executeBlocking(() -> {
          // PostgreSQL text cannot hold NUL: every sync of this row is refused from now on.
          assertEquals(":0", redis.command("HSET \"" + t.prefix + "{" + victim + ":" + bad + "}:meta\" data"
              + " \"{\\\"a\\\":\\\"x\\x00y\\\"}\""));
          return null;
        }))
        .compose(v -> daemon.get().api(victim).post("/v1/sessions/" + bad + "/touch", null))
        .compose(r -> {
          ctx.verify(() -> assertEquals(200, r.statusCode(), r.bodyAsString()));
          return Poll.until(vertx, 20_000, 50, "the session's status shows it quarantined",
              () -> daemon.get().api(victim).get("/v1/sessions/" + bad + "/status").map(s -> {
                JsonObject sync = s.bodyAsJsonObject().getJsonObject("sync");
                return sync != null && sync.getBoolean("quarantined") && !sync.getString("error").isEmpty()
                    && sync.getInteger("attempts") >= 1;
              }));
        })
        .compose(v -> bystanderWrites(vertx, daemon.get().api(bystander), pg, bystander))
        .compose(v -> Poll.until(vertx, 10_000, 100, "readiness and metrics name the quarantined session",
            () -> Future.all(daemon.get().client().get("/health/ready").send(), daemon.get().client().get("/metrics").send())
                .map(all -> {
                  String ready = all.<io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer>>resultAt(0)
                      .bodyAsString();
                  String metrics = all.<io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer>>resultAt(1)
                      .bodyAsString();
                  return ready.contains("1 sessions quarantined") && metrics.contains("sessiond_sync_quarantined 1.0")
                      && metrics.matches("(?s).*sessiond_sync_quarantine_failures_total [1-9].*");
                })))
        .compose(v -> daemon.get().api(victim).get("/v1/sessions/" + bad))
        .compose(r -> {
          // Kept whole in Redis: the session still answers (its data as Redis holds it).
          ctx.verify(() -> assertEquals(200, r.statusCode(), r.bodyAsString()));
          return daemon.get().api(victim).put("/v1/sessions/" + bad, new JsonObject().put("data",
              new JsonObject().put("a", "fixed")));
        })
        .compose(r -> Poll.until(vertx, 20_000, 100, "the fixed session left quarantine and reached PostgreSQL",
            () -> Future.all(daemon.get().api(victim).get("/v1/sessions/" + bad + "/status"), pgData(vertx, pg, victim, bad))
                .map(all -> {
                  io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> status = all.resultAt(0);
                  String data = all.resultAt(1);
                  return status.bodyAsJsonObject().getJsonObject("sync") == null && "{\"a\":\"fixed\"}".equals(data);
                })))
        .eventually(() -> daemon.get() == null ? Future.succeededFuture() : daemon.get().stop())
        .onComplete(ctx.succeeding(v -> {
          redis.stop();
          ctx.completeNow();
        }));
  }

  @Test
  void sessionWithAnUnreadableVersion_isQuarantined_andDoesNotStopTheSync(Vertx vertx, VertxTestContext ctx) {
    // Found by HostileRequestsFuzzTest: an import at version 2^63-1 left Redis holding the version as a
    // float ("9.2233720368547758e+18"); the feed failed to parse it and the worker took that for Redis
    // being down, so no change of any session reached PostgreSQL any more.
    Setup t = new Setup();
    AtomicReference<TestDaemon> daemon = t.daemon;
    String pg = t.pg;
    String victim = t.victim;
    String bystander = t.bystander;
    String bad = t.bad;
    TestRedis.Server redis = t.redis;
    t.syncedSession(vertx)
        .compose(v -> vertx.executeBlocking(() -> {
          assertEquals(":0", redis.command("HSET \"" + t.prefix + "{" + victim + ":" + bad + "}:meta\" ver"
              + " 9.2233720368547758e+18"));
          return null;
        }))
        // A change of that session for the sync to read (its own answer may fail: the version is unreadable).
        .compose(v -> daemon.get().api(victim).post("/v1/sessions/" + bad + "/touch", null))
        .compose(r -> Poll.until(vertx, 20_000, 50, "readiness names the quarantined session",
            () -> daemon.get().client().get("/health/ready").send().map(h -> h.bodyAsString().contains("1 sessions quarantined"))))
        .compose(v -> bystanderWrites(vertx, daemon.get().api(bystander), pg, bystander))
        .eventually(() -> daemon.get() == null ? Future.succeededFuture() : daemon.get().stop())
        .onComplete(ctx.succeeding(v -> {
          redis.stop();
          ctx.completeNow();
        }));
  }

  /** Two tenants on a daemon with write-behind sync, and one session of the victim already in PostgreSQL. */
  private static final class Setup {
    final TestRedis.Server redis = TestRedis.privateServer();
    final String pg = TestPostgres.newDatabase();
    final String prefix = TestRedis.uniquePrefix();
    final String victim = TestDaemon.freshTenant();
    final String bystander = TestDaemon.freshTenant();
    final String bad = TestDaemon.freshSession();
    final AtomicReference<TestDaemon> daemon = new AtomicReference<>();

    Future<Void> syncedSession(Vertx vertx) {
      return TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_URL", redis.url()).set("REDIS_PREFIX", prefix)
          .set("PG_URL", pg).set("SESSION_SYNC_INTERVAL_MS", 50).set("HEALTH_INTERVAL_MS", 100).set("HTTP_INSTANCES", 1)
          .tenant(victim).tenant(bystander).start(vertx)
          .compose(d -> {
            daemon.set(d);
            return d.api(victim).create(bad, new JsonObject().put("data", new JsonObject().put("a", "clean")));
          })
          .compose(r -> Poll.until(vertx, 20_000, 50, "the session reached PostgreSQL",
              () -> pgData(vertx, pg, victim, bad).map(d -> d != null)));
    }
  }

  /** Another tenant writes ten sessions after the poisoning; all of them reach PostgreSQL within the normal lag. */
  private static Future<Void> bystanderWrites(Vertx vertx, Api api, String pg, String tenant) {
    List<String> ids = new ArrayList<>();
    Future<Void> writes = Future.succeededFuture();
    for (int i = 0; i < 10; i++) {
      String id = TestDaemon.freshSession();
      ids.add(id);
      writes = writes.compose(v -> api.create(id, new JsonObject().put("data", new JsonObject().put("n", 1))).mapEmpty());
    }
    return writes.compose(v -> Poll.until(vertx, 5_000, 50, "the other tenant's sessions reached PostgreSQL",
        () -> vertx.executeBlocking(() -> TestPostgres.query(pg, "SELECT count(*) FROM sessions WHERE tenant = '"
            + tenant + "'").get(0).get(0)).map(n -> {
              assertTrue(Integer.parseInt(n) <= ids.size());
              return Integer.parseInt(n) == ids.size();
            })));
  }

  private static Future<String> pgData(Vertx vertx, String pg, String tenant, String id) {
    return vertx.executeBlocking(() -> {
      List<List<String>> rows = TestPostgres.query(pg, "SELECT data FROM sessions WHERE tenant = '" + tenant
          + "' AND id = '" + id + "'");
      return rows.isEmpty() ? null : rows.get(0).get(0);
    });
  }
}
