package io.sessiond.admin;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.TestDaemon;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catalog of the file store: kept in tenants-catalog.json beside the journal, so tenants and keys
 * made over the API survive a restart; a key declared in TENANTS and revoked over the API stays revoked
 * after the restart, and a deleted declared tenant stays deleted, with its sessions gone from the file store.
 */
@ExtendWith(VertxExtension.class)
class AdminFileStoreTest {
  private static final String ADMIN_KEY = "admin-" + UUID.randomUUID();

  private static TestDaemon.Builder daemon(Path dir, String tenants) {
    return TestDaemon.builder().set("SESSION_STORE", "file").set("DATA_DIR", dir).set("ADMIN_API_KEY", ADMIN_KEY)
        .set("TENANTS", tenants).set("TENANTS_FILE", dir.resolve("none.json")).tenantsFromConfig();
  }

  private static int status(Future<HttpResponse<Buffer>> f) {
    return f.result().statusCode();
  }

  @Test
  void catalogChanges_surviveARestart_andRevokedDeclaredKeys_stayRevoked(@TempDir Path dir, Vertx vertx, VertxTestContext tc)
      throws Exception {
    Files.writeString(dir.resolve("none.json"), "{\"tenants\": []}");
    String declared = "declared-" + UUID.randomUUID();
    String gone = "gone-" + UUID.randomUUID();
    String tenants = "acme=" + declared + ",globex=" + gone;
    String[] issued = new String[1];
    daemon(dir, tenants).start(vertx).compose(d -> d.apiWithKey(declared).put("/v1/sessions/s1", new JsonObject())
            .compose(r -> d.apiWithKey(gone).put("/v1/sessions/g1", new JsonObject()))
            .compose(r -> d.apiWithKey(ADMIN_KEY).post("/v1/admin/tenants", new JsonObject().put("id", "initech")))
            .compose(r -> d.apiWithKey(ADMIN_KEY).post("/v1/admin/tenants/initech/keys", new JsonObject()))
            .compose(r -> {
              issued[0] = r.bodyAsJsonObject().getString("key");
              return d.apiWithKey(ADMIN_KEY).get("/v1/admin/tenants/acme");
            })
            .compose(r -> d.apiWithKey(ADMIN_KEY).delete("/v1/admin/tenants/acme/keys/"
                + r.bodyAsJsonObject().getJsonArray("keys").getJsonObject(0).getString("id")))
            .compose(r -> d.apiWithKey(ADMIN_KEY).delete("/v1/admin/tenants/globex"))
            .compose(r -> io.sessiond.testing.Poll.until(vertx, 10_000, 20, "the deletion job succeeds",
                () -> d.apiWithKey(ADMIN_KEY).get(r.getHeader("Location"))
                    .map(j -> "succeeded".equals(j.bodyAsJsonObject().getString("state")))))
            .compose(v -> d.stop()))
        .compose(v -> daemon(dir, tenants).start(vertx))
        .compose(d -> Future.all(d.apiWithKey(declared).get("/v1/sessions"), d.apiWithKey(gone).get("/v1/sessions"),
                d.apiWithKey(issued[0]).get("/v1/sessions"), d.apiWithKey(ADMIN_KEY).get("/v1/admin/tenants"),
                d.apiWithKey(ADMIN_KEY).post("/v1/admin/tenants", new JsonObject().put("id", "globex")))
            .compose(all -> d.apiWithKey(ADMIN_KEY).get("/v1/admin/tenants/globex/usage")
                .compose(u -> d.stop().map(v -> {
                  tc.verify(() -> {
                    assertProblem(all.resultAt(0), 401); // revoked, and not added back from TENANTS
                    assertProblem(all.resultAt(1), 401); // its tenant was deleted
                    assertEquals(200, all.<HttpResponse<Buffer>>resultAt(2).statusCode());
                    String list = all.<HttpResponse<Buffer>>resultAt(3).bodyAsString();
                    assertTrue(list.contains("\"initech\"") && list.contains("\"acme\"") && !list.contains("\"globex\""), list);
                    assertEquals(201, all.<HttpResponse<Buffer>>resultAt(4).statusCode());
                    assertEquals(0, u.bodyAsJsonObject().getLong("sessions"), u.bodyAsString()); // g1 is gone
                    String file = Files.readString(dir.resolve("tenants-catalog.json"));
                    assertFalse(file.contains(declared) || file.contains(issued[0]) || file.contains(gone), "no plain key on disk");
                  });
                  return v;
                }))))
        .onComplete(tc.succeedingThenComplete());
  }
}
