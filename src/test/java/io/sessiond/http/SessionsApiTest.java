package io.sessiond.http;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.DaemonExtension;
import io.sessiond.testing.Poll;
import io.sessiond.testing.TestDaemon;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Sessions over HTTP: create, replace, read, merge-patch, delete, touch, list, ETags and preconditions. */
@ExtendWith(VertxExtension.class)
class SessionsApiTest {
  private static final String TENANT = TestDaemon.freshTenant();
  /** A tenant of its own for the listing test, which must see every session of its tenant. */
  private static final String LIST_TENANT = TestDaemon.freshTenant();
  @RegisterExtension
  static final DaemonExtension daemon = DaemonExtension.of(TestDaemon.builder().tenant(TENANT).tenant(LIST_TENANT));

  private static Api api() {
    return daemon.api(TENANT);
  }

  @Test
  void put_createsWith201_thenReplacesWith200_andBumpsVersion(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    api().put("/v1/sessions/" + id, new JsonObject().put("data", new JsonObject().put("a", 1)))
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(201, r.statusCode());
            assertEquals("/v1/sessions/" + id, r.getHeader("Location"));
            assertEquals("\"1\"", r.getHeader("ETag"));
            JsonObject s = r.bodyAsJsonObject();
            assertEquals("unregistered", s.getString("state"));
            assertEquals(1, s.getJsonObject("data").getInteger("a"));
            assertEquals(3600, s.getLong("ttlSeconds"));
            assertNotNull(s.getString("expiresAt"));
          });
          return api().put("/v1/sessions/" + id, new JsonObject().put("data", new JsonObject().put("b", 2)));
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(200, r.statusCode());
          JsonObject s = r.bodyAsJsonObject();
          assertEquals(2, s.getLong("version"));
          assertEquals(new JsonObject().put("b", 2), s.getJsonObject("data"));
          ctx.completeNow();
        })));
  }

  @Test
  void get_returnsSessionWithEtag_andHonoursIfNoneMatch(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    api().create(id, new JsonObject().put("data", new JsonObject().put("k", "v")))
        .compose(r -> api().get("/v1/sessions/" + id))
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(200, r.statusCode());
            assertEquals("\"1\"", r.getHeader("ETag"));
            assertEquals("v", r.bodyAsJsonObject().getJsonObject("data").getString("k"));
            assertFalse(r.bodyAsJsonObject().getBoolean("hasCreds"));
          });
          return api().request(HttpMethod.GET, "/v1/sessions/" + id).putHeader("If-None-Match", "\"1\"").send();
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(304, r.statusCode());
          ctx.completeNow();
        })));
  }

  @Test
  void patch_mergesData_andRemovesNullFields(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    JsonObject data = new JsonObject().put("keep", 1).put("drop", 2).put("nested", new JsonObject().put("x", 1));
    api().create(id, new JsonObject().put("data", data))
        .compose(r -> api().request(HttpMethod.PATCH, "/v1/sessions/" + id)
            .putHeader("Content-Type", "application/merge-patch+json")
            .sendBuffer(io.vertx.core.buffer.Buffer.buffer("{\"drop\":null,\"nested\":{\"y\":2},\"add\":true}")))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(200, r.statusCode(), r.bodyAsString());
          JsonObject d = r.bodyAsJsonObject().getJsonObject("data");
          assertEquals(new JsonObject().put("keep", 1).put("nested", new JsonObject().put("x", 1).put("y", 2)).put("add", true), d);
          assertEquals(2, r.bodyAsJsonObject().getLong("version"));
          ctx.completeNow();
        })));
  }

  @Test
  void ifMatch_stale_answers412_andCurrent_succeeds(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    api().create(id, new JsonObject())
        .compose(r -> api().request(HttpMethod.PATCH, "/v1/sessions/" + id).putHeader("If-Match", "\"7\"")
            .putHeader("Content-Type", "application/json").sendBuffer(io.vertx.core.buffer.Buffer.buffer("{\"a\":1}")))
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 412));
          return api().request(HttpMethod.PATCH, "/v1/sessions/" + id).putHeader("If-Match", "\"1\"")
              .putHeader("Content-Type", "application/json").sendBuffer(io.vertx.core.buffer.Buffer.buffer("{\"a\":1}"));
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(200, r.statusCode());
          assertEquals("\"2\"", r.getHeader("ETag"));
          ctx.completeNow();
        })));
  }

  @Test
  void delete_removesSession_thenEveryEndpointAnswers404(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String base = "/v1/sessions/" + id;
    api().create(id, new JsonObject())
        .compose(r -> api().delete(base))
        .compose(r -> {
          ctx.verify(() -> assertEquals(204, r.statusCode()));
          return api().get(base);
        })
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 404));
          return api().get(base + "/status");
        })
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 404));
          return api().post(base + "/keys", new JsonObject().put("pre-key", new JsonObject().put("1", 1)));
        })
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 404));
          return api().delete(base);
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertProblem(r, 404);
          ctx.completeNow();
        })));
  }

  @Test
  void touch_movesActivityAndExpiryToNow_andBumpsTheVersionByOne(Vertx vertx, VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    api().create(id, new JsonObject().put("ttlSeconds", 100))
        .compose(created -> {
          Instant createdAt = Instant.parse(created.bodyAsJsonObject().getString("lastActivityAt"));
          // The touch must land in a later millisecond than the creation, or its effect could not be seen.
          return Poll.clockPasses(vertx, createdAt)
              .compose(v -> api().request(HttpMethod.POST, "/v1/sessions/" + id + "/touch").send())
              .map(touched -> {
                JsonObject after = touched.bodyAsJsonObject();
                ctx.verify(() -> {
                  assertEquals(200, touched.statusCode(), touched.bodyAsString());
                  JsonObject before = created.bodyAsJsonObject();
                  assertEquals(before.getLong("version") + 1, after.getLong("version"));
                  Instant activity = Instant.parse(after.getString("lastActivityAt"));
                  assertTrue(activity.isAfter(createdAt), activity + " is not after the creation at " + createdAt);
                  assertEquals(activity.plusSeconds(100), Instant.parse(after.getString("expiresAt")));
                  assertTrue(Instant.parse(after.getString("expiresAt")).isAfter(Instant.parse(before.getString("expiresAt"))));
                });
                return after;
              });
        })
        .compose(touched -> api().get("/v1/sessions/" + id).map(read -> {
          ctx.verify(() -> {
            JsonObject now = read.bodyAsJsonObject();
            assertEquals(touched.getLong("version"), now.getLong("version"));
            assertEquals(touched.getString("lastActivityAt"), now.getString("lastActivityAt"));
            assertEquals(touched.getString("expiresAt"), now.getString("expiresAt"));
          });
          return read;
        }))
        .onComplete(ctx.succeeding(r -> ctx.completeNow()));
  }

  @Test
  void ttlZero_meansNoExpiry(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    api().create(id, new JsonObject().put("ttlSeconds", 0))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertNull(r.bodyAsJsonObject().getValue("expiresAt"));
          ctx.completeNow();
        })));
  }

  @Test
  void list_pagesThroughEverySession_withCursor_andFiltersByState(VertxTestContext ctx) {
    Api a = daemon.api(LIST_TENANT);
    io.vertx.core.Future<?> chain = io.vertx.core.Future.succeededFuture();
    for (int i = 0; i < 7; i++) {
      String id = "s" + i;
      JsonObject body = new JsonObject().put("state", i % 2 == 0 ? "registering" : "unregistered");
      chain = chain.compose(x -> a.create(id, body));
    }
    Set<String> seen = new HashSet<>();
    chain.compose(x -> a.get("/v1/sessions?limit=3"))
        .compose(r -> collect(a, r.bodyAsJsonObject(), seen))
        .compose(x -> a.get("/v1/sessions?state=registering&limit=100"))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(Set.of("s0", "s1", "s2", "s3", "s4", "s5", "s6"), seen);
          JsonArray filtered = r.bodyAsJsonObject().getJsonArray("sessions");
          assertEquals(4, filtered.size());
          assertNull(r.bodyAsJsonObject().getValue("nextCursor"));
          ctx.completeNow();
        })));
  }

  private static io.vertx.core.Future<Void> collect(Api a, JsonObject page, Set<String> seen) {
    page.getJsonArray("sessions").forEach(s -> seen.add(((JsonObject) s).getString("id")));
    String next = page.getString("nextCursor");
    if (next == null) {
      return io.vertx.core.Future.succeededFuture();
    }
    return a.get("/v1/sessions?limit=3&cursor=" + next).compose(r -> collect(a, r.bodyAsJsonObject(), seen));
  }

  @Test
  void put_withoutCreds_keepsExistingCreds_andExplicitNullClearsThem(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String base = "/v1/sessions/" + id;
    api().create(id, new JsonObject().put("creds", new JsonObject().put("me", "x")))
        .compose(r -> api().put(base, new JsonObject().put("data", new JsonObject())))
        .compose(r -> api().get(base + "/creds"))
        .compose(r -> {
          ctx.verify(() -> assertEquals(new JsonObject().put("me", "x"), r.bodyAsJsonObject()));
          return api().put(base, new JsonObject().putNull("creds"));
        })
        .compose(r -> api().get(base + "/creds"))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertProblem(r, 404);
          ctx.completeNow();
        })));
  }
}
