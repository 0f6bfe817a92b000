package io.sessiond.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.TestDaemon;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Exports: plain JSON by default (the authorized client reads its own values); {@code ?sealed=true}
 * a backup whose every value is sealed (no marker in it), which imports back with {@code ?sealed=true}
 * (400 without it) into the same session after it was deleted, and fails with 422 into another session id (nothing imported). Without a
 * master key, a sealed export is refused with 409.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class SealedExportApiTest {

  @Test
  void sealedExport_holdsNoPlaintext_importsBackIntoItsSession_onlyThere(Vertx vertx, VertxTestContext ctx) {
    Scenario s = new Scenario();
    String id = TestDaemon.freshSession();
    String other = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    AtomicReference<String> plain = new AtomicReference<>();
    TestDaemon.builder().set("ENCRYPTION_KEY", Scenario.newKey()).tenantWithKeys(Scenario.TENANT, "key-" + Scenario.TENANT)
        .start(vertx).compose(d -> {
          daemon.set(d);
          Api api = d.api(Scenario.TENANT);
          return s.write(api, id).compose(v -> api.get(path + "/export")).compose(r -> {
            plain.set(r.bodyAsString());
            ctx.verify(() -> {
              assertEquals("sessiond.session.v1", r.bodyAsJsonObject().getString("format"));
              assertTrue(plain.get().contains(s.creds) && plain.get().contains(s.key) && plain.get().contains(s.message));
            });
            return api.get(path + "/export?sealed=true");
          }).compose(r -> {
            String sealed = r.bodyAsString();
            JsonObject doc = r.bodyAsJsonObject();
            ctx.verify(() -> {
              assertEquals(200, r.statusCode(), sealed);
              assertEquals("sessiond.session.v1.sealed", doc.getString("format"));
              for (String marker : s.markers()) {
                assertFalse(sealed.contains(marker), marker + " is in the sealed export");
              }
              assertTrue(doc.getJsonObject("data").getString("$sealed").startsWith("k1."));
            });
            JsonObject elsewhere = doc.copy().put("id", other);
            return api.post("/v1/sessions/import", doc).compose(x -> {
              ctx.verify(() -> assertEquals(400, x.statusCode(), "a sealed export needs ?sealed=true: " + x.bodyAsString()));
              return api.post("/v1/sessions/import?sealed=true", elsewhere);
            }).compose(x -> {
              ctx.verify(() -> {
                assertEquals(422, x.statusCode(), x::bodyAsString);
                assertEquals("urn:sessiond:problem:unreadable-value", x.bodyAsJsonObject().getString("type"));
              });
              return api.get("/v1/sessions/" + other);
            }).compose(x -> {
              ctx.verify(() -> assertEquals(404, x.statusCode(), "nothing was imported"));
              return api.delete(path);
            }).compose(x -> Scenario.expect(x, 204))
                .compose(v -> api.post("/v1/sessions/import?sealed=true", doc))
                .compose(x -> Scenario.expect(x, 201));
          }).compose(v -> api.get(path + "/export")).map(r -> {
            ctx.verify(() -> {
              JsonObject back = r.bodyAsJsonObject();
              JsonObject before = new JsonObject(plain.get());
              for (String field : new String[] {"data", "creds", "keys", "state", "ttlSeconds"}) {
                assertEquals(before.getValue(field), back.getValue(field), field);
              }
              assertEquals(before.getJsonArray("messages").getJsonObject(0).getString("content"),
                  back.getJsonArray("messages").getJsonObject(0).getString("content"));
            });
            return null;
          });
        }).eventually(() -> daemon.get() == null ? Future.succeededFuture() : daemon.get().stop())
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void withoutAKey_aSealedExport_isRefused409(Vertx vertx, VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    TestDaemon.builder().set("SESSION_STORE", "memory").tenantWithKeys(Scenario.TENANT, "key-" + Scenario.TENANT)
        .start(vertx).compose(d -> {
          daemon.set(d);
          Api api = d.api(Scenario.TENANT);
          return api.put("/v1/sessions/" + id, new JsonObject()).compose(r -> Scenario.expect(r, 201))
              .compose(v -> api.get("/v1/sessions/" + id + "/export?sealed=true"))
              .compose(r -> {
                ctx.verify(() -> {
                  assertEquals(409, r.statusCode(), r::bodyAsString);
                  assertEquals("urn:sessiond:problem:encryption-off", r.bodyAsJsonObject().getString("type"));
                });
                return api.post("/v1/encryption/rotate", new JsonObject());
              })
              .map(r -> {
                ctx.verify(() -> assertEquals(409, r.statusCode(), r::bodyAsString));
                return null;
              });
        }).eventually(() -> daemon.get() == null ? Future.succeededFuture() : daemon.get().stop())
        .onComplete(ctx.succeedingThenComplete());
  }
}
