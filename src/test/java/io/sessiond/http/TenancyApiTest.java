package io.sessiond.http;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.config.AppConfig;
import io.sessiond.config.Settings;
import io.sessiond.tenant.ApiKeys;
import io.sessiond.tenant.TenantSpec;
import io.sessiond.testing.Api;
import io.sessiond.testing.DaemonExtension;
import io.sessiond.testing.TestDaemon;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Tenants over HTTP: isolation by API key, several keys per tenant, tenants declared by variable and file, digests only. */
@ExtendWith(VertxExtension.class)
class TenancyApiTest {
  private static final String SECOND_KEY = "second-" + UUID.randomUUID();
  private static final String acme = TestDaemon.freshTenant();
  private static final String globex = TestDaemon.freshTenant();
  private static final String twoKeys = TestDaemon.freshTenant();
  @RegisterExtension
  static final DaemonExtension daemon = DaemonExtension.of(TestDaemon.builder().tenant(acme).tenant(globex)
      .tenantWithKeys(twoKeys, "first-" + UUID.randomUUID(), SECOND_KEY));

  @Test
  void sameSessionIdInTwoTenants_areIndependent(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    Api a = daemon.api(acme);
    Api g = daemon.api(globex);
    String base = "/v1/sessions/" + id;
    a.create(id, new JsonObject().put("data", new JsonObject().put("owner", "acme")).put("state", "registering"))
        .compose(r -> g.create(id, new JsonObject().put("data", new JsonObject().put("owner", "globex"))))
        .compose(r -> a.post(base + "/keys", new JsonObject().put("pre-key", new JsonObject().put("1", "acme-key"))))
        .compose(r -> g.post(base + "/messages", new JsonObject().put("role", "user").put("content", "globex")))
        .compose(r -> a.get(base))
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals("acme", r.bodyAsJsonObject().getJsonObject("data").getString("owner"));
            assertEquals("registering", r.bodyAsJsonObject().getString("state"));
            assertEquals(2, r.bodyAsJsonObject().getLong("version"));
          });
          return g.get(base + "/status");
        })
        .compose(r -> {
          ctx.verify(() -> {
            JsonObject s = r.bodyAsJsonObject();
            assertEquals("unregistered", s.getString("state"));
            assertEquals(new JsonObject(), s.getJsonObject("keyCounts"));
            assertEquals(1, s.getInteger("messageCount"));
          });
          return g.post(base + "/keys/query", new JsonObject().put("type", "pre-key").put("ids", new JsonArray().add("1")));
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals("{}", r.bodyAsString()));
          return a.get(base + "/messages");
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals(0, r.bodyAsJsonObject().getJsonArray("messages").size()));
          return g.delete(base);
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals(204, r.statusCode()));
          return a.get(base);
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(200, r.statusCode(), "deleting globex's session leaves acme's");
          ctx.completeNow();
        })));
  }

  @Test
  void oneTenant_cannotSeeOrTouchAnothersSession(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    Api a = daemon.api(acme);
    Api g = daemon.api(globex);
    String base = "/v1/sessions/" + id;
    a.create(id, new JsonObject().put("creds", new JsonObject().put("secret", 1)))
        .compose(r -> Future.all(List.of(
            g.get(base), g.get(base + "/status"), g.get(base + "/creds"), g.get(base + "/export"),
            g.get(base + "/messages"), g.delete(base), g.delete(base + "/keys"),
            g.post(base + "/touch", new JsonObject()),
            g.patch(base, new JsonObject().put("x", 1)),
            g.post(base + "/state", new JsonObject().put("state", "registering")),
            g.put(base + "/creds", new JsonObject().put("stolen", true)),
            g.post(base + "/keys", new JsonObject().put("pre-key", new JsonObject().put("1", 1))),
            g.post(base + "/keys/query", new JsonObject().put("type", "pre-key").put("ids", new JsonArray().add("1"))),
            g.post(base + "/messages", new JsonObject().put("role", "user").put("content", "x")))))
        .compose(all -> {
          ctx.verify(() -> {
            for (int i = 0; i < all.size(); i++) {
              io.vertx.ext.web.client.HttpResponse<?> r = all.resultAt(i);
              assertEquals(404, r.statusCode(), "call " + i + ": " + r.bodyAsString());
            }
          });
          return a.get(base);
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(1, r.bodyAsJsonObject().getLong("version"), "nothing globex sent changed acme's session");
          assertTrue(r.bodyAsJsonObject().getBoolean("hasCreds"));
          ctx.completeNow();
        })));
  }

  @Test
  void listAndStatusAll_showOnlyTheTenantsOwnSessions(Vertx vertx, VertxTestContext ctx) {
    String one = TestDaemon.freshTenant();
    String two = TestDaemon.freshTenant();
    TestDaemon.builder().tenant(one).tenant(two).start(vertx).compose(d -> {
      Api a = d.api(one);
      Api b = d.api(two);
      return a.create("shared", new JsonObject())
          .compose(r -> a.create("only-one", new JsonObject()))
          .compose(r -> b.create("shared", new JsonObject()))
          .compose(r -> b.create("only-two", new JsonObject()))
          .compose(r -> Future.all(a.get("/v1/sessions"), b.get("/v1/sessions"), a.get("/v1/sessions/status"),
              b.get("/v1/sessions/status")))
          .map(all -> {
            ctx.verify(() -> {
              assertEquals(List.of("only-one", "shared"), ids(all.resultAt(0)));
              assertEquals(List.of("only-two", "shared"), ids(all.resultAt(1)));
              assertEquals(List.of("only-one", "shared"), ids(all.resultAt(2)));
              assertEquals(List.of("only-two", "shared"), ids(all.resultAt(3)));
            });
            return d;
          })
          .compose(TestDaemon::stop);
    }).onComplete(ctx.succeeding(v -> ctx.completeNow()));
  }

  private static List<String> ids(io.vertx.ext.web.client.HttpResponse<?> r) {
    return r.bodyAsJsonObject().getJsonArray("sessions").stream().map(s -> ((JsonObject) s).getString("id")).sorted().toList();
  }

  @Test
  void aTenantWithTwoKeys_isTheSameTenantWithEither(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    daemon.api(twoKeys).create(id, new JsonObject().put("data", new JsonObject().put("by", "first")))
        .compose(r -> daemon.apiWithKey(SECOND_KEY).get("/v1/sessions/" + id))
        .compose(r -> {
          ctx.verify(() -> assertEquals("first", r.bodyAsJsonObject().getJsonObject("data").getString("by")));
          return daemon.apiWithKey(SECOND_KEY).patch("/v1/sessions/" + id, new JsonObject().put("by", "second"));
        })
        .compose(r -> daemon.api(twoKeys).get("/v1/sessions/" + id))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals("second", r.bodyAsJsonObject().getJsonObject("data").getString("by"));
          ctx.completeNow();
        })));
  }

  @Test
  void missingOrUnknownKey_is401_withAChallenge(VertxTestContext ctx) {
    Future.all(daemon.apiWithKey(null).get("/v1/sessions"), daemon.apiWithKey("nope").get("/v1/sessions"),
            daemon.apiWithKey(ApiKeys.digest(SECOND_KEY)).get("/v1/sessions"))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          for (int i = 0; i < all.size(); i++) {
            io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> r = all.resultAt(i);
            assertProblem(r, 401);
            assertEquals("Bearer realm=\"sessiond\"", r.getHeader("WWW-Authenticate"));
          }
          ctx.completeNow();
        })));
  }

  @Test
  void tenantsFromTheVariableAndFromAFile_bothWork(@TempDir Path dir, Vertx vertx, VertxTestContext ctx) throws IOException {
    String fileKey = "file-" + UUID.randomUUID();
    String fileKey2 = "file2-" + UUID.randomUUID();
    String hashedKey = "hashed-" + UUID.randomUUID();
    String varKey1 = "var1-" + UUID.randomUUID();
    String varKey2 = "var2-" + UUID.randomUUID();
    Path file = dir.resolve("tenants.json");
    Files.writeString(file, new JsonObject().put("tenants", new JsonArray()
        .add(new JsonObject().put("id", "from-file").put("keys", new JsonArray().add(fileKey).add(fileKey2)))
        .add(new JsonObject().put("id", "hashed").put("keySha256", new JsonArray().add(ApiKeys.digest(hashedKey)))))
        .encode());
    TestDaemon.builder().tenantsFromConfig().set("TENANTS_FILE", file.toString())
        .set("TENANTS", "from-var=" + varKey1 + ",from-var=" + varKey2 + ",from-file=" + "extra-" + varKey1)
        .start(vertx).compose(d -> d.apiWithKey(fileKey).create("a", new JsonObject().put("data", new JsonObject().put("t", "file")))
            .compose(r -> d.apiWithKey(varKey1).create("a", new JsonObject().put("data", new JsonObject().put("t", "var"))))
            .compose(r -> d.apiWithKey(hashedKey).create("a", new JsonObject()))
            .compose(r -> Future.all(d.apiWithKey(fileKey2).get("/v1/sessions/a"), d.apiWithKey(varKey2).get("/v1/sessions/a"),
                d.apiWithKey("extra-" + varKey1).get("/v1/sessions/a")))
            .map(all -> {
              ctx.verify(() -> {
                io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> byFile = all.resultAt(0);
                io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> byVar = all.resultAt(1);
                io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> byExtra = all.resultAt(2);
                assertEquals("file", byFile.bodyAsJsonObject().getJsonObject("data").getString("t"));
                assertEquals("var", byVar.bodyAsJsonObject().getJsonObject("data").getString("t"));
                assertEquals("file", byExtra.bodyAsJsonObject().getJsonObject("data").getString("t"),
                    "TENANTS adds a key to a tenant of the file");
              });
              return d;
            })
            .compose(TestDaemon::stop))
        .onComplete(ctx.succeeding(v -> ctx.completeNow()));
  }

  @Test
  void keysAreKeptOnlyAsDigests(@TempDir Path dir) throws IOException {
    String fileKey = "file-" + UUID.randomUUID();
    String varKey = "var-" + UUID.randomUUID();
    Path file = dir.resolve("tenants.json");
    Files.writeString(file, "{\"tenants\":[{\"id\":\"acme\",\"keys\":[\"" + fileKey + "\"],\"maxSessions\":5}]}");
    Map<String, String> env = new HashMap<>();
    env.put("TENANTS_FILE", file.toString());
    env.put("TENANTS", "acme=" + varKey + ",globex=" + varKey + "x");
    List<TenantSpec> tenants = AppConfig.from(Settings.of(new JsonObject(), env)).tenants().tenants();
    assertEquals(List.of("acme", "globex"), tenants.stream().map(TenantSpec::id).toList());
    TenantSpec acmeSpec = tenants.get(0);
    assertEquals(List.of(ApiKeys.digest(fileKey), ApiKeys.digest(varKey)), acmeSpec.keyDigests());
    assertEquals(5, acmeSpec.limits().maxSessions());
    for (TenantSpec t : tenants) {
      for (String digest : t.keyDigests()) {
        assertTrue(TenantSpec.isDigest(digest), digest);
      }
      assertFalse(t.toString().contains(fileKey) || t.toString().contains(varKey), t.toString());
    }
    // The record holds an id, digests and limits: there is no field a plain key could live in.
    assertEquals(List.of("id", "keyDigests", "limits"),
        java.util.Arrays.stream(TenantSpec.class.getRecordComponents()).map(RecordComponent::getName).toList());
  }
}
