package io.sessiond.admin;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sessiond.testing.Api;
import io.sessiond.testing.DaemonExtension;
import io.sessiond.testing.Poll;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestPostgres;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Tenant administration over two real replicas on one Redis with write-behind sync to PostgreSQL (the
 * durable catalog): a key issued on one replica works on the other, and a revoked one stops working on
 * both, within a second (measured); limits changed on one apply on the other; deleting a tenant removes
 * its data from Redis and PostgreSQL; the catalog comes back from PostgreSQL after Redis loses it, and a
 * change PostgreSQL committed but Redis never got reaches every replica; administration needs the
 * administration key (401 / 403 problems); bad input is a 4xx; every action writes an audit line.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class AdminApiTest {
  private static final String ADMIN_KEY = "admin-" + UUID.randomUUID();
  private static final String SEEDED = TestDaemon.freshTenant();
  private static final String SEEDED_KEY = "test-" + UUID.randomUUID();
  private static final String PREFIX = TestRedis.uniquePrefix();
  private static final String PG = TestPostgres.newDatabase();
  /** Propagation within one second is the promise; the test allows no more. */
  private static final long PROPAGATION_MS = 1000;
  @RegisterExtension
  static final DaemonExtension first = DaemonExtension.of(replica());
  @RegisterExtension
  static final DaemonExtension second = DaemonExtension.of(replica());
  private static final ListAppender<ILoggingEvent> audit = new ListAppender<>();

  private static TestDaemon.Builder replica() {
    TestDaemon.Builder b = TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_PREFIX", PREFIX)
        .set("PG_URL", PG).set("SESSION_SYNC_INTERVAL_MS", 50).set("ADMIN_API_KEY", ADMIN_KEY);
    TestRedis.settings().forEach(b::set);
    return b.tenantWithKeys(SEEDED, SEEDED_KEY);
  }

  @BeforeAll
  static void captureAudit() {
    audit.start();
    ((Logger) LoggerFactory.getLogger("sessiond.audit")).addAppender(audit);
  }

  @AfterAll
  static void releaseAudit() {
    ((Logger) LoggerFactory.getLogger("sessiond.audit")).detachAppender(audit);
  }

  private static Api admin(DaemonExtension d) {
    return d.apiWithKey(ADMIN_KEY);
  }

  /** Creates a tenant (on the first replica) and issues it a key; the plain key. */
  private static Future<String> tenantWithKey(String tenant, JsonObject limits) {
    return tenantWithKey(tenant, limits, new java.util.concurrent.atomic.AtomicLong());
  }

  /** As above; {@code authenticated} counts the requests the key made while checking both replicas know it. */
  private static Future<String> tenantWithKey(String tenant, JsonObject limits, java.util.concurrent.atomic.AtomicLong authenticated) {
    JsonObject body = new JsonObject().put("id", tenant);
    if (limits != null) {
      body.put("limits", limits);
    }
    return admin(first).post("/v1/admin/tenants", body).compose(r -> expect(r, 201))
        .compose(r -> admin(first).post("/v1/admin/tenants/" + tenant + "/keys", new JsonObject()))
        .compose(r -> expect(r, 201)).map(r -> r.bodyAsJsonObject().getString("key"))
        .compose(key -> Poll.until(first.running().vertx(), 5_000, 5, "both replicas know the new key",
            () -> Future.all(first.apiWithKey(key).get("/v1/sessions?limit=1"), second.apiWithKey(key).get("/v1/sessions?limit=1"))
                .map(all -> {
                  boolean one = all.<HttpResponse<Buffer>>resultAt(0).statusCode() == 200;
                  boolean two = all.<HttpResponse<Buffer>>resultAt(1).statusCode() == 200;
                  authenticated.addAndGet((one ? 1 : 0) + (two ? 1 : 0));
                  return one && two;
                })).map(key));
  }

  private static Future<HttpResponse<Buffer>> expect(HttpResponse<Buffer> r, int status) {
    return r.statusCode() == status ? Future.succeededFuture(r)
        : Future.failedFuture(new AssertionError("expected " + status + ", got " + r.statusCode() + ": " + r.bodyAsString()));
  }

  /** Polls {@code path} with {@code key} on a replica until it answers {@code status}; the milliseconds it took. */
  private static Future<Long> until(Vertx vertx, DaemonExtension d, String key, int status, long since) {
    return Poll.until(vertx, PROPAGATION_MS, 5, "a key's answer on a replica becomes " + status,
        () -> d.apiWithKey(key).get("/v1/sessions?limit=1").map(r -> r.statusCode() == status))
        .map(v -> System.currentTimeMillis() - since);
  }

  @Test
  void issuedKey_worksOnTheOtherReplica_andRevokedKey_isRefusedByBoth_withinOneSecond(Vertx vertx, VertxTestContext tc) {
    String tenant = TestDaemon.freshTenant();
    long[] times = new long[2];
    String[] keyId = new String[1];
    admin(first).post("/v1/admin/tenants", new JsonObject().put("id", tenant)).compose(r -> expect(r, 201))
        .compose(r -> admin(first).post("/v1/admin/tenants/" + tenant + "/keys", new JsonObject()))
        .compose(r -> expect(r, 201))
        .compose(r -> {
          long issued = System.currentTimeMillis();
          String key = r.bodyAsJsonObject().getString("key");
          keyId[0] = r.bodyAsJsonObject().getString("id");
          tc.verify(() -> assertTrue(key.startsWith("sk_") && key.length() >= 40, key));
          return until(vertx, second, key, 200, issued).map(ms -> {
            times[0] = ms;
            return key;
          });
        })
        .compose(key -> admin(second).delete("/v1/admin/tenants/" + tenant + "/keys/" + keyId[0])
            .compose(r -> expect(r, 204)).compose(r -> {
              long revoked = System.currentTimeMillis();
              return Future.all(until(vertx, first, key, 401, revoked), until(vertx, second, key, 401, revoked));
            }).map(all -> {
              times[1] = Math.max(all.<Long>resultAt(0), all.<Long>resultAt(1));
              return key;
            }))
        .compose(key -> admin(first).get("/v1/admin/tenants/" + tenant))
        .onComplete(tc.succeeding(r -> tc.verify(() -> {
          LoggerFactory.getLogger(AdminApiTest.class).info("Propagation to the other replica: issued key usable after {} ms, "
              + "revoked key refused by both after {} ms", times[0], times[1]);
          assertTrue(times[0] <= PROPAGATION_MS && times[1] <= PROPAGATION_MS);
          assertEquals(0, r.bodyAsJsonObject().getJsonArray("keys").size(), r.bodyAsString());
          assertFalse(r.bodyAsString().contains("sha256"), "digests are not shown: " + r.bodyAsString());
          tc.completeNow();
        })));
  }

  @Test
  void limitsChangedOnOneReplica_applyOnTheOther(Vertx vertx, VertxTestContext tc) {
    String tenant = TestDaemon.freshTenant();
    tenantWithKey(tenant, new JsonObject().put("maxSessions", 5))
        .compose(key -> second.apiWithKey(key).put("/v1/sessions/a", new JsonObject()).compose(r -> expect(r, 201))
            .compose(r -> admin(first).patch("/v1/admin/tenants/" + tenant,
                new JsonObject().put("limits", new JsonObject().put("maxSessions", 1))))
            .compose(r -> {
              tc.verify(() -> {
                assertEquals(200, r.statusCode(), r.bodyAsString());
                assertEquals(1, r.bodyAsJsonObject().getJsonObject("limits").getLong("maxSessions"));
                // Limits not named keep their value: the TENANT_* default it was created with.
                assertEquals(2000, r.bodyAsJsonObject().getJsonObject("limits").getLong("requestsPerSecond"));
              });
              // The second replica refuses a second session once it has the new limit.
              return Poll.until(vertx, PROPAGATION_MS, 10, "the other replica applies maxSessions 1",
                  () -> second.apiWithKey(key).put("/v1/sessions/b-" + UUID.randomUUID(), new JsonObject())
                      .map(r2 -> r2.statusCode() == 429));
            }))
        .onComplete(tc.succeedingThenComplete());
  }

  @Test
  void administration_needsTheAdministrationKey(VertxTestContext tc) {
    Api none = first.apiWithKey(null);
    Future.all(List.of(
            none.get("/v1/admin/tenants"),
            first.apiWithKey("not-the-admin-key-" + UUID.randomUUID()).get("/v1/admin/tenants"),
            first.apiWithKey(SEEDED_KEY).get("/v1/admin/tenants"),
            first.apiWithKey(ADMIN_KEY).get("/v1/sessions"),
            first.apiWithKey(SEEDED_KEY).post("/v1/admin/tenants", new JsonObject().put("id", "x" + SEEDED))))
        .onComplete(tc.succeeding(all -> tc.verify(() -> {
          assertTrue(assertProblem(all.resultAt(0), 401).getString("detail").contains("administration key"));
          assertTrue(assertProblem(all.resultAt(1), 401).getString("detail").contains("not the administration key"));
          assertTrue(assertProblem(all.resultAt(2), 403).getString("detail").contains("tenant's API key"));
          assertProblem(all.resultAt(3), 401); // the administration key is no tenant's key
          assertProblem(all.resultAt(4), 403);
          tc.completeNow();
        })));
  }

  @Test
  void badInput_isA4xxProblem_andChangesNothing(VertxTestContext tc) {
    Api a = admin(first);
    String tenant = TestDaemon.freshTenant();
    Future.all(List.of(
            a.post("/v1/admin/tenants", new JsonObject().put("id", "Bad_Id")),
            a.post("/v1/admin/tenants", new JsonObject().put("id", tenant).put("limits", new JsonObject().put("maxSessions", -1))),
            a.post("/v1/admin/tenants", new JsonObject().put("id", tenant).put("limits", new JsonObject().put("maxSessions", 1.5))),
            a.post("/v1/admin/tenants", new JsonObject().put("id", tenant).put("limts", new JsonObject())),
            a.post("/v1/admin/tenants", new JsonObject().put("id", tenant).put("limits", new JsonObject().put("rps", 1))),
            a.post("/v1/admin/tenants", new io.vertx.core.json.JsonArray().add(1)),
            a.request(HttpMethod.POST, "/v1/admin/tenants").putHeader("Content-Type", "text/plain").sendBuffer(Buffer.buffer("x")),
            a.patch("/v1/admin/tenants/" + SEEDED, new JsonObject().put("limits", new JsonObject())),
            a.get("/v1/admin/tenants/" + tenant),
            a.delete("/v1/admin/tenants/" + SEEDED + "/keys/no-such-key"),
            a.post("/v1/admin/tenants", new JsonObject().put("id", SEEDED)),
            a.get("/v1/admin/jobs/no-such-job"),
            a.get("/v1/admin/tenants/UPPER")))
        .compose(all -> {
          tc.verify(() -> {
            int[] expected = {400, 400, 400, 400, 400, 400, 415, 400, 404, 404, 409, 404, 400};
            for (int i = 0; i < expected.length; i++) {
              JsonObject p = assertProblem(all.resultAt(i), expected[i]);
              assertFalse(p.getString("detail").isBlank(), "request " + i);
            }
          });
          return a.get("/v1/admin/tenants/" + tenant);
        })
        .onComplete(tc.succeeding(r -> tc.verify(() -> {
          assertProblem(r, 404); // no refused create left a tenant behind
          tc.completeNow();
        })));
  }

  @Test
  void deletingATenant_removesItsDataFromRedisAndPostgres_asAJob_andLeavesOthersAlone(Vertx vertx, VertxTestContext tc) {
    String tenant = TestDaemon.freshTenant();
    String other = SEEDED;
    String otherSession = TestDaemon.freshSession();
    Redis redis = Redis.createClient(vertx, TestRedis.url());
    String[] key = new String[1];
    String[] jobPath = new String[1];
    tenantWithKey(tenant, null)
        .compose(k -> {
          key[0] = k;
          Api t = second.apiWithKey(k);
          return Future.all(List.of(
              t.put("/v1/sessions/one", new JsonObject().put("data", new JsonObject().put("x", 1))),
              t.put("/v1/sessions/two", new JsonObject().put("creds", new JsonObject().put("me", "x"))),
              first.apiWithKey(SEEDED_KEY).put("/v1/sessions/" + otherSession, new JsonObject())));
        })
        .compose(v -> second.apiWithKey(key[0]).post("/v1/sessions/one/keys",
            new JsonObject().put("pre-key", new JsonObject().put("1", "v"))))
        .compose(v -> Poll.until(vertx, 10_000, 50, "the tenant's sessions reach PostgreSQL",
            () -> pgCount(vertx, tenant).map(n -> n == 3))) // two sessions and a key
        .compose(v -> admin(second).delete("/v1/admin/tenants/" + tenant))
        .compose(r -> expect(r, 202))
        .compose(r -> {
          jobPath[0] = r.getHeader("Location");
          tc.verify(() -> assertEquals("running", r.bodyAsJsonObject().getString("state")));
          return Poll.until(vertx, 30_000, 50, "the deletion job succeeds", () -> admin(first).get(jobPath[0])
              .map(j -> "succeeded".equals(j.bodyAsJsonObject().getString("state"))));
        })
        .compose(v -> Future.all(admin(first).get(jobPath[0]), first.apiWithKey(key[0]).get("/v1/sessions"),
            admin(first).get("/v1/admin/tenants/" + tenant), pgCount(vertx, tenant),
            redis.send(Request.cmd(Command.KEYS).arg(PREFIX + "{" + tenant + "*")),
            first.apiWithKey(SEEDED_KEY).get("/v1/sessions/" + otherSession)))
        .eventually(() -> redis.close())
        .onComplete(tc.succeeding(all -> tc.verify(() -> {
          HttpResponse<Buffer> job = all.resultAt(0);
          assertEquals(2, job.bodyAsJsonObject().getLong("deletedSessions"), job.bodyAsString());
          assertProblem(all.resultAt(1), 401);
          assertProblem(all.resultAt(2), 404);
          assertEquals(0L, all.<Long>resultAt(3), "rows left in PostgreSQL");
          // Only the deletion markers (creation time and version, no data) that keep a restore from
          // bringing a deleted session back stay, for a day.
          for (io.vertx.redis.client.Response k : all.<io.vertx.redis.client.Response>resultAt(4)) {
            assertTrue(k.toString().endsWith(":gone"), "keys left in Redis: " + all.resultAt(4));
          }
          assertEquals(200, all.<HttpResponse<Buffer>>resultAt(5).statusCode(), "another tenant's session");
          tc.completeNow();
        })));
  }

  private static Future<Long> pgCount(Vertx vertx, String tenant) {
    return vertx.executeBlocking(() -> Long.parseLong(TestPostgres.query(PG,
        "SELECT (SELECT count(*) FROM sessions WHERE tenant = '" + tenant + "') + (SELECT count(*) FROM keys WHERE tenant = '"
            + tenant + "')").get(0).get(0)) - 0);
  }

  @Test
  void usage_countsSessionsBytesAndRequests_acrossReplicas(Vertx vertx, VertxTestContext tc) {
    String tenant = TestDaemon.freshTenant();
    String data = "x".repeat(1000);
    java.util.concurrent.atomic.AtomicLong checks = new java.util.concurrent.atomic.AtomicLong();
    tenantWithKey(tenant, new JsonObject().put("maxBytesPerSession", 1 << 20), checks)
        .compose(key -> first.apiWithKey(key).put("/v1/sessions/a", new JsonObject().put("data", new JsonObject().put("d", data)))
            .compose(r -> second.apiWithKey(key).put("/v1/sessions/b", new JsonObject().put("data", new JsonObject().put("d", data))))
            .compose(r -> second.apiWithKey(key).get("/v1/sessions/a")))
        .compose(r -> Poll.until(vertx, 5_000, 50, "both replicas' request counts are added up",
            () -> admin(first).get("/v1/admin/tenants/" + tenant + "/usage").map(u -> u.bodyAsJsonObject().getLong("requests") >= 3 + checks.get())))
        .compose(v -> admin(second).get("/v1/admin/tenants/" + tenant + "/usage"))
        .onComplete(tc.succeeding(r -> tc.verify(() -> {
          JsonObject u = r.bodyAsJsonObject();
          assertEquals(2, u.getLong("sessions"), u.encode());
          assertTrue(u.getLong("bytes") >= 2000 && u.getLong("bytes") < 4000, u.encode());
          assertEquals(3 + checks.get(), u.getLong("requests"), u.encode()); // and the checks that the key works
          assertTrue(u.getBoolean("complete"));
          tc.completeNow();
        })));
  }

  @Test
  void aChangePostgresCommittedButRedisNeverGot_reachesEveryReplica(Vertx vertx, VertxTestContext tc) {
    String tenant = TestDaemon.freshTenant();
    tenantWithKey(tenant, null)
        .compose(key -> Poll.until(vertx, PROPAGATION_MS, 5, "the key works on the other replica",
                () -> second.apiWithKey(key).get("/v1/sessions").map(r -> r.statusCode() == 200))
            // What a crash between the PostgreSQL commit and the Redis copy leaves: the key revoked in
            // PostgreSQL only, the catalog version raised there.
            .compose(v -> vertx.executeBlocking(() -> {
              String doc = TestPostgres.query(PG, "SELECT doc FROM tenant_catalog WHERE id = '" + tenant + "'").get(0).get(0);
              JsonObject d = new JsonObject(doc);
              d.put("revoked", d.getJsonArray("revoked").add(d.getJsonArray("keys").getJsonObject(0).getString("sha256")));
              d.put("keys", new io.vertx.core.json.JsonArray());
              TestPostgres.update(PG, "UPDATE tenant_catalog SET doc = '" + d.encode() + "' WHERE id = '" + tenant + "'");
              TestPostgres.update(PG, "UPDATE tenant_catalog_version SET version = version + 1");
              return null;
            }))
            .compose(v -> Poll.until(vertx, AdminVerticle.REPAIR_EVERY_MS + 2 * PROPAGATION_MS, 20,
                "both replicas refuse the key revoked in PostgreSQL",
                () -> Future.all(first.apiWithKey(key).get("/v1/sessions"), second.apiWithKey(key).get("/v1/sessions"))
                    .map(all -> all.<HttpResponse<Buffer>>resultAt(0).statusCode() == 401
                        && all.<HttpResponse<Buffer>>resultAt(1).statusCode() == 401))))
        .onComplete(tc.succeedingThenComplete());
  }

  @Test
  void theCatalog_comesBackFromPostgres_afterRedisLostIt(Vertx vertx, VertxTestContext tc) {
    String tenant = TestDaemon.freshTenant();
    Redis redis = Redis.createClient(vertx, TestRedis.url());
    String base = PREFIX + "{admin}";
    tenantWithKey(tenant, null)
        .compose(key -> Poll.until(vertx, PROPAGATION_MS, 5, "the key works on the other replica",
                () -> second.apiWithKey(key).get("/v1/sessions").map(r -> r.statusCode() == 200))
            .compose(v -> redis.send(Request.cmd(Command.DEL).arg(base + ":tenants").arg(base + ":version").arg(base + ":durable")))
            .compose(v -> Poll.until(vertx, AdminVerticle.REPAIR_EVERY_MS + 2 * PROPAGATION_MS, 20,
                "the catalog is back in Redis", () -> redis.send(Request.cmd(Command.HEXISTS).arg(base + ":tenants").arg(tenant))
                    .map(r -> r.toInteger() == 1)))
            .compose(v -> Future.all(first.apiWithKey(key).get("/v1/sessions"), second.apiWithKey(key).get("/v1/sessions"))))
        .eventually(() -> redis.close())
        .onComplete(tc.succeeding(all -> tc.verify(() -> {
          assertEquals(200, all.<HttpResponse<Buffer>>resultAt(0).statusCode());
          assertEquals(200, all.<HttpResponse<Buffer>>resultAt(1).statusCode());
          tc.completeNow();
        })));
  }

  @Test
  void everyAdministrationRequest_writesOneAuditLine_withoutSecrets(VertxTestContext tc) {
    String tenant = TestDaemon.freshTenant();
    String[] key = new String[1];
    tenantWithKey(tenant, null)
        .compose(k -> {
          key[0] = k;
          return first.apiWithKey(SEEDED_KEY).get("/v1/admin/tenants");
        })
        .onComplete(tc.succeeding(r -> tc.verify(() -> {
          List<String> lines = audit.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
          assertTrue(lines.stream().anyMatch(l -> l.contains("action=tenant.create") && l.contains("tenant=" + tenant)
              && l.contains("status=201")), String.join("\n", lines));
          assertTrue(lines.stream().anyMatch(l -> l.contains("action=key.issue") && l.contains("tenant=" + tenant)
              && l.contains("key=k-")), String.join("\n", lines));
          assertTrue(lines.stream().anyMatch(l -> l.contains("action=tenant.list") && l.contains("status=403")),
              String.join("\n", lines));
          for (String l : lines) {
            assertFalse(l.contains(key[0]) || l.contains(ADMIN_KEY) || l.contains(SEEDED_KEY), l);
          }
          tc.completeNow();
        })));
  }
}
