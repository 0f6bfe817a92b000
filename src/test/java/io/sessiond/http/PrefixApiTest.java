package io.sessiond.http;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sessiond.testing.Api;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code GET /v1/sessions?prefix=}, {@code GET /v1/sessions/status?prefix=} and
 * {@code DELETE /v1/sessions?prefix=} on a memory daemon and a Redis daemon, each with two tenants:
 * only the tenant's sessions with the prefix are listed or deleted, never another tenant's.
 */
@ExtendWith(VertxExtension.class)
class PrefixApiTest {
  private static final String TENANT = TestDaemon.freshTenant();
  private static final String OTHER = TestDaemon.freshTenant();
  private static final Map<String, TestDaemon> DAEMONS = new HashMap<>();

  @BeforeAll
  static void start(Vertx vertx, VertxTestContext ctx) {
    TestDaemon.Builder redis = TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_PREFIX", TestRedis.uniquePrefix());
    TestRedis.settings().forEach(redis::set);
    TestDaemon.builder().set("SESSION_STORE", "memory").tenant(TENANT).tenant(OTHER).start(vertx)
        .compose(memory -> {
          DAEMONS.put("memory", memory);
          return redis.tenant(TENANT).tenant(OTHER).start(vertx);
        })
        .onComplete(ctx.succeeding(d -> {
          DAEMONS.put("redis", d);
          ctx.completeNow();
        }));
  }

  @AfterAll
  static void stop(VertxTestContext ctx) {
    Future.join(DAEMONS.values().stream().map(TestDaemon::stop).toList()).onComplete(ctx.succeedingThenComplete());
  }

  private static Api api(String store) {
    return DAEMONS.get(store).api(TENANT);
  }

  private static Api other(String store) {
    return DAEMONS.get(store).api(OTHER);
  }

  /** A prefix no other test uses, ending in '.' so that ids such as {@code <p>1} sort around it. */
  private static String freshPrefix() {
    return "p-" + UUID.randomUUID().toString().substring(0, 8) + ".";
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "redis"})
  void list_withPrefix_pagesOnlyThoseIds_andNeverAnotherTenants(String store, VertxTestContext ctx) {
    String p = freshPrefix();
    String stem = p.substring(0, p.length() - 1);
    List<String> mine = List.of(p + "1", p + "2", p + "3");
    Api api = api(store);
    createAll(api, List.of(p + "1", p + "2", p + "3", stem, stem + "-1", stem + "_1"))
        .compose(v -> other(store).create(p + "0", new JsonObject()))
        .compose(r -> api.get("/v1/sessions?limit=2&prefix=" + p))
        .compose(r -> {
          JsonObject page = ok(ctx, r);
          ctx.verify(() -> {
            assertEquals(mine.subList(0, 2), ids(page));
            assertNotNull(page.getString("nextCursor"));
          });
          return api.get("/v1/sessions?limit=2&prefix=" + p + "&cursor=" + page.getString("nextCursor"));
        })
        .compose(r -> {
          JsonObject page = ok(ctx, r);
          ctx.verify(() -> {
            assertEquals(mine.subList(2, 3), ids(page));
            assertNull(page.getString("nextCursor"));
          });
          return api.get("/v1/sessions/status?prefix=" + p);
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals(mine, ids(ok(ctx, r))));
          return api.get("/v1/sessions?state=unregistered&prefix=" + p + "2");
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals(List.of(p + "2"), ids(ok(ctx, r))));
          return other(store).get("/v1/sessions?prefix=" + p);
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(List.of(p + "0"), ids(ok(ctx, r)));
          ctx.completeNow();
        })));
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "redis"})
  void aPrefixThatIsNoValidIdPrefix_isABadRequest_andDeleteRequiresOne(String store, VertxTestContext ctx) {
    Api api = api(store);
    List<String> bad = List.of("/v1/sessions?prefix=", "/v1/sessions?prefix=a%2Fb", "/v1/sessions?prefix=a%20b",
        "/v1/sessions?prefix=" + "x".repeat(129), "/v1/sessions/status?prefix=%C3%A9", "/v1/sessions?prefix=a&prefix=b");
    Future<Void> chain = Future.succeededFuture();
    for (String path : bad) {
      chain = chain.compose(v -> api.get(path)).compose(r -> {
        ctx.verify(() -> assertProblem(r, 400));
        return api.delete(path.replace("/status", ""));
      }).map(r -> {
        ctx.verify(() -> assertProblem(r, 400));
        return null;
      });
    }
    chain.compose(v -> api.delete("/v1/sessions"))
        .compose(r -> {
          ctx.verify(() -> assertEquals("query parameter 'prefix' is required: a DELETE of /v1/sessions never deletes"
              + " every session", assertProblem(r, 400).getString("detail")));
          return api.get("/v1/sessions?prefix=" + "x".repeat(128));
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(List.of(), ids(ok(ctx, r)));
          ctx.completeNow();
        })));
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "redis"})
  void delete_withPrefix_deletesThoseSessionsWithTheirKeysMessagesAndBlobs_andNothingElse(String store,
                                                                                          VertxTestContext ctx) {
    String p = freshPrefix();
    String stem = p.substring(0, p.length() - 1);
    Api api = api(store);
    List<String> mine = List.of(p + "a", p + "b", p + "c");
    createAll(api, mine)
        .compose(v -> createAll(api, List.of(stem, stem + "_x")))
        .compose(v -> other(store).create(p + "a", new JsonObject()))
        .compose(r -> api.post("/v1/sessions/" + p + "a/keys", new JsonObject().put("pre-key", new JsonObject().put("1", "k"))))
        .compose(r -> api.post("/v1/sessions/" + p + "a/messages", new JsonObject().put("role", "user").put("content", "hi")))
        .compose(r -> api.request(HttpMethod.PUT, "/v1/sessions/" + p + "b/blobs/RemoteAuth.zip")
            .putHeader("Content-Type", "application/octet-stream").sendBuffer(Buffer.buffer("zip bytes")))
        .compose(r -> {
          ctx.verify(() -> assertEquals(201, r.statusCode(), r.bodyAsString()));
          return api.delete("/v1/sessions?prefix=" + p);
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals(new JsonObject().put("deleted", 3).put("more", false), ok(ctx, r)));
          return api.get("/v1/sessions?prefix=" + stem);
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals(List.of(stem, stem + "_x"), ids(ok(ctx, r))));
          return other(store).get("/v1/sessions/" + p + "a");
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals(200, r.statusCode(), "another tenant's session with the prefix stays"));
          return api.delete("/v1/sessions?prefix=" + p);
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals(new JsonObject().put("deleted", 0).put("more", false), ok(ctx, r)));
          return createAll(api, List.of(p + "a", p + "b"));
        })
        .compose(v -> api.post("/v1/sessions/" + p + "a/keys/query", new JsonObject().put("type", "pre-key")
            .put("ids", new JsonArray().add("1"))))
        .compose(r -> {
          ctx.verify(() -> assertEquals(new JsonObject(), ok(ctx, r), "the keys went with the session"));
          return api.get("/v1/sessions/" + p + "a/messages");
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals(0, ok(ctx, r).getJsonArray("messages").size(), "the messages went with it"));
          return api.get("/v1/sessions/" + p + "b/blobs");
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(0, ok(ctx, r).getJsonArray("blobs").size(), "the blobs went with it");
          ctx.completeNow();
        })));
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "redis"})
  void delete_withPrefix_deletesAtMostAThousandPerCall_andSaysWhetherMoreRemain(String store, VertxTestContext ctx) {
    String p = freshPrefix();
    Api api = api(store);
    List<String> ids = IntStream.range(0, PrefixDelete.MAX_PER_REQUEST + 5).mapToObj(i -> p + i).toList();
    createAll(api, ids)
        .compose(v -> api.delete("/v1/sessions?prefix=" + p))
        .compose(r -> {
          ctx.verify(() -> assertEquals(new JsonObject().put("deleted", 1000).put("more", true), ok(ctx, r)));
          return api.delete("/v1/sessions?prefix=" + p);
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals(new JsonObject().put("deleted", 5).put("more", false), ok(ctx, r)));
          return api.get("/v1/sessions?prefix=" + p);
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(List.of(), ids(ok(ctx, r)));
          ctx.completeNow();
        })));
  }

  /** Creates the sessions, at most 50 requests at a time. */
  private static Future<Void> createAll(Api api, List<String> ids) {
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < ids.size(); from += 50) {
      List<String> batch = ids.subList(from, Math.min(from + 50, ids.size()));
      chain = chain.compose(v -> Future.all(batch.stream().map(id -> api.create(id, new JsonObject())).toList()).mapEmpty());
    }
    return chain;
  }

  private static JsonObject ok(VertxTestContext ctx, HttpResponse<Buffer> r) {
    ctx.verify(() -> assertEquals(200, r.statusCode(), r.bodyAsString()));
    return r.bodyAsJsonObject();
  }

  private static List<String> ids(JsonObject page) {
    List<String> ids = new ArrayList<>();
    page.getJsonArray("sessions").forEach(s -> ids.add(((JsonObject) s).getString("id")));
    return ids;
  }
}
