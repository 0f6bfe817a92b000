package io.sessiond.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.Poll;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestPostgres;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Deleting a tenant destroys its data keys (crypto-shredding), on one encrypted daemon over Redis
 * with sync to PostgreSQL: copies of the tenant's ciphertext taken before the deletion (the raw creds
 * value from Redis, a sealed export) are kept; after the deletion job no keyring of the tenant is left
 * in Redis or PostgreSQL; a tenant created again under the same id gets a new data key, and the old
 * ciphertext, put back exactly where it was written, does not open (422), nor does the sealed export
 * import.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class TenantShreddingApiTest {
  private static final String ADMIN_KEY = "admin-" + UUID.randomUUID();

  @Test
  void deletingATenant_destroysItsDataKeys_soOldCiphertextNeverOpensAgain(Vertx vertx, VertxTestContext ctx) {
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    String tenant = TestDaemon.freshTenant();
    String id = TestDaemon.freshSession();
    String credsKey = prefix + "{" + tenant + ":" + id + "}:creds";
    String keyringKey = prefix + "{_sessiond:keyring." + tenant + "}:meta";
    String keyringRows = "SELECT count(*) FROM sessions WHERE tenant = '_sessiond' AND id = 'keyring." + tenant + "'";
    RedisAPI redis = RedisAPI.api(Redis.createClient(vertx, TestRedis.url()));
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    AtomicReference<String> oldCreds = new AtomicReference<>();
    AtomicReference<String> oldKeyring = new AtomicReference<>();
    AtomicReference<JsonObject> sealedExport = new AtomicReference<>();
    AtomicReference<Api> client = new AtomicReference<>();
    Scenario.redisDaemon(TestRedis.url(), prefix, pg, Scenario.newKey()).set("ADMIN_API_KEY", ADMIN_KEY)
        // The deletion waits for requests authenticated before it to end: a short request timeout keeps it short.
        .set("REQUEST_TIMEOUT_MS", 1000).start(vertx)
        .compose(d -> {
          daemon.set(d);
          return tenantWithKey(vertx, d, tenant);
        })
        .compose(api -> {
          client.set(api);
          return api.put("/v1/sessions/" + id, new JsonObject().put("creds", new JsonObject().put("me", "MARK-OLD")));
        })
        .compose(r -> Scenario.expect(r, 201))
        .compose(v -> client.get().get("/v1/sessions/" + id + "/export?sealed=true"))
        .compose(r -> {
          sealedExport.set(r.bodyAsJsonObject());
          return Poll.until(vertx, 30_000, 50, "PostgreSQL holds the tenant's keyring",
              () -> vertx.executeBlocking(() -> TestPostgres.query(pg, keyringRows).get(0).get(0).equals("1")));
        })
        .compose(v -> Future.all(redis.get(credsKey), redis.hget(keyringKey, "data")))
        .compose(all -> {
          oldCreds.set(all.<Response>resultAt(0).toString());
          oldKeyring.set(all.<Response>resultAt(1).toString());
          ctx.verify(() -> assertTrue(oldCreds.get().contains("$sealed"), oldCreds::get));
          return admin(daemon.get()).delete("/v1/admin/tenants/" + tenant);
        })
        .compose(r -> {
          String job = r.getHeader("Location");
          ctx.verify(() -> assertEquals(202, r.statusCode(), r::bodyAsString));
          return Poll.until(vertx, 30_000, 50, "the deletion job succeeds", () -> admin(daemon.get()).get(job)
              .map(j -> "succeeded".equals(j.bodyAsJsonObject().getString("state"))));
        })
        .compose(v -> Future.all(redis.keys(prefix + "{_sessiond:keyring." + tenant + "}*"),
            vertx.executeBlocking(() -> TestPostgres.query(pg, keyringRows).get(0).get(0))))
        .compose(all -> {
          ctx.verify(() -> {
            for (Response k : all.<Response>resultAt(0)) {
              assertTrue(k.toString().endsWith(":gone"), "key material left in Redis: " + all.resultAt(0));
            }
            assertEquals("0", all.resultAt(1), "keyring rows left in PostgreSQL");
          });
          // The same tenant id again: a new data key on its first write.
          return tenantWithKey(vertx, daemon.get(), tenant);
        })
        .compose(api -> {
          client.set(api);
          return api.put("/v1/sessions/" + id, new JsonObject().put("creds", new JsonObject().put("me", "MARK-NEW")));
        })
        .compose(r -> Scenario.expect(r, 201))
        .compose(v -> redis.hget(keyringKey, "data"))
        .compose(keyring -> {
          ctx.verify(() -> {
            assertNotNull(keyring, "the tenant created again has a keyring");
            assertNotEquals(oldKeyring.get(), keyring.toString(), "a new data key, not the old one");
          });
          // The old ciphertext back where it was written, under the same tenant, session, field and key id (k1).
          return redis.set(List.of(credsKey, oldCreds.get()));
        })
        .compose(v -> client.get().get("/v1/sessions/" + id + "/creds"))
        .compose(r -> {
          ctx.verify(() -> assertUnreadable(r));
          return client.get().request(io.vertx.core.http.HttpMethod.POST, "/v1/sessions/import?sealed=true")
              .sendJsonObject(sealedExport.get().copy().put("id", id));
        })
        .map(r -> {
          ctx.verify(() -> assertEquals(422, r.statusCode(), r::bodyAsString));
          return null;
        })
        .eventually(() -> daemon.get() == null ? Future.succeededFuture() : daemon.get().stop())
        .onComplete(ctx.succeedingThenComplete());
  }

  private static void assertUnreadable(HttpResponse<Buffer> r) {
    assertEquals(422, r.statusCode(), r::bodyAsString);
    assertEquals("urn:sessiond:problem:unreadable-value", r.bodyAsJsonObject().getString("type"), r::bodyAsString);
  }

  private static Api admin(TestDaemon d) {
    return d.apiWithKey(ADMIN_KEY);
  }

  /** Creates the tenant and issues it a key; its client once the daemon accepts the key. */
  private static Future<Api> tenantWithKey(Vertx vertx, TestDaemon d, String tenant) {
    return admin(d).post("/v1/admin/tenants", new JsonObject().put("id", tenant)).compose(r -> Scenario.expect(r, 201))
        .compose(v -> admin(d).post("/v1/admin/tenants/" + tenant + "/keys", new JsonObject()))
        .map(r -> d.apiWithKey(r.bodyAsJsonObject().getString("key")))
        .compose(api -> Poll.until(vertx, 5_000, 20, "the daemon accepts the tenant's new key",
            () -> api.get("/v1/sessions?limit=1").map(r -> r.statusCode() == 200)).map(api));
  }
}
