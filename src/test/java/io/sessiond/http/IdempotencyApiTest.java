package io.sessiond.http;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.DaemonExtension;
import io.sessiond.testing.TestDaemon;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code Idempotency-Key} over HTTP on the non-idempotent POSTs: a repeat returns the first answer
 * with {@code Idempotent-Replayed: true} and changes nothing; the same key with another body is a 422;
 * a malformed key a 400; a request that failed with a 4xx leaves its key free; keys are per tenant.
 * Runs on the memory store and again on Redis (pom: http-suites-on-redis).
 */
@ExtendWith(VertxExtension.class)
class IdempotencyApiTest {
  private static final String TENANT = TestDaemon.freshTenant();
  private static final String OTHER = TestDaemon.freshTenant();
  @RegisterExtension
  static final DaemonExtension daemon = DaemonExtension.of(TestDaemon.builder().tenant(TENANT).tenant(OTHER));

  private static Api api() {
    return daemon.api(TENANT);
  }

  private static Future<HttpResponse<Buffer>> post(Api api, String path, String key, Object body) {
    var r = api.request(HttpMethod.POST, path).putHeader("Idempotency-Key", key);
    if (body == null) {
      return r.send();
    }
    return r.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body.toString()));
  }

  private static String key() {
    return UUID.randomUUID().toString();
  }

  private static Future<Integer> messageCount(String id) {
    return api().get("/v1/sessions/" + id + "/messages?limit=1000").map(r -> {
      assertEquals(200, r.statusCode(), r.bodyAsString());
      return r.bodyAsJsonObject().getJsonArray("messages").size();
    });
  }

  private static Future<JsonObject> session(String id) {
    return api().get("/v1/sessions/" + id).map(r -> {
      assertEquals(200, r.statusCode(), r.bodyAsString());
      return r.bodyAsJsonObject();
    });
  }

  @Test
  void append_repeatedWithItsKey_isAppliedOnce_andTheRepeatGetsTheFirstAnswer(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String key = key();
    JsonObject message = new JsonObject().put("role", "user").put("content", "hello");
    String path = "/v1/sessions/" + id + "/messages";
    api().create(id, new JsonObject())
        .compose(c -> post(api(), path, key, message))
        .compose(first -> post(api(), path, key, message).map(again -> {
          assertEquals(201, first.statusCode(), first.bodyAsString());
          assertNull(first.getHeader("Idempotent-Replayed"));
          assertEquals(201, again.statusCode(), again.bodyAsString());
          assertEquals("true", again.getHeader("Idempotent-Replayed"));
          assertEquals(first.bodyAsJsonObject(), again.bodyAsJsonObject());
          assertEquals(first.getHeader("ETag"), again.getHeader("ETag"));
          return again;
        }))
        .compose(v -> messageCount(id))
        .compose(n -> session(id).map(s -> {
          assertEquals(1, n, "the repeat appended again");
          assertEquals(2, s.getLong("version"));
          return s;
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void append_sameKeyWithAnotherBody_is422_andAppendsNothing(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String key = key();
    String path = "/v1/sessions/" + id + "/messages";
    api().create(id, new JsonObject())
        .compose(c -> post(api(), path, key, new JsonObject().put("role", "user").put("content", "one")))
        .compose(first -> post(api(), path, key, new JsonObject().put("role", "user").put("content", "two")))
        .map(r -> {
          JsonObject p = assertProblem(r, 422);
          assertTrue(p.getString("type").endsWith("idempotency-key-reused"), p.encode());
          assertTrue(p.getString("detail").contains("different request"), p.encode());
          return r;
        })
        .compose(v -> messageCount(id))
        .map(n -> {
          assertEquals(1, n);
          return n;
        })
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void malformedKey_is400_andNothingHappens(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id + "/messages";
    api().create(id, new JsonObject())
        .compose(c -> post(api(), path, "has space", new JsonObject().put("content", "x")))
        .compose(r -> {
          assertTrue(assertProblem(r, 400).getString("detail").contains("Idempotency-Key"), r.bodyAsString());
          return post(api(), path, "k".repeat(256), new JsonObject().put("content", "x"));
        })
        .compose(r -> {
          assertProblem(r, 400);
          return post(api(), "/v1/sessions/" + id + "/touch", "", null);
        })
        .compose(r -> {
          assertProblem(r, 400);
          return messageCount(id);
        })
        .compose(n -> session(id).map(s -> {
          assertEquals(0, n);
          assertEquals(1, s.getLong("version"));
          return s;
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void transition_repeatedAfterTheStateMovedOn_getsTheFirstAnswer_andChangesNothing(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String key = key();
    String path = "/v1/sessions/" + id + "/state";
    JsonObject registering = new JsonObject().put("state", "registering");
    api().create(id, new JsonObject())
        .compose(c -> post(api(), path, key, registering))
        .compose(first -> api().post(path, new JsonObject().put("state", "registered"))
            .compose(moved -> post(api(), path, key, registering))
            .map(again -> {
              assertEquals(200, first.statusCode(), first.bodyAsString());
              assertEquals(200, again.statusCode(), again.bodyAsString());
              assertEquals("true", again.getHeader("Idempotent-Replayed"));
              assertEquals(first.bodyAsJsonObject(), again.bodyAsJsonObject());
              return again;
            }))
        .compose(v -> session(id))
        .map(s -> {
          assertEquals("registered", s.getString("state"));
          assertEquals(3, s.getLong("version"));
          return s;
        })
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void import_repeatedWithItsKey_importsOnce_andTheRepeatGetsTheFirstAnswer(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String key = key();
    JsonObject doc = new JsonObject().put("id", id).put("data", new JsonObject().put("n", 1));
    post(api(), "/v1/sessions/import", key, doc)
        .compose(first -> post(api(), "/v1/sessions/import", key, doc).map(again -> {
          assertEquals(201, first.statusCode(), first.bodyAsString());
          assertEquals(201, again.statusCode(), again.bodyAsString());
          assertEquals("true", again.getHeader("Idempotent-Replayed"));
          assertEquals(first.getHeader("Location"), again.getHeader("Location"));
          assertEquals(first.getHeader("ETag"), again.getHeader("ETag"));
          assertEquals(first.bodyAsJsonObject(), again.bodyAsJsonObject());
          return first;
        }))
        .compose(first -> session(id).map(s -> {
          assertEquals(first.bodyAsJsonObject().getLong("version"), s.getLong("version"), "the repeat imported again");
          return s;
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void touch_repeatedWithItsKey_bumpsTheVersionOnce(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String key = key();
    String path = "/v1/sessions/" + id + "/touch";
    api().create(id, new JsonObject())
        .compose(c -> post(api(), path, key, null))
        .compose(first -> post(api(), path, key, null).map(again -> {
          assertEquals(200, first.statusCode(), first.bodyAsString());
          assertEquals(200, again.statusCode(), again.bodyAsString());
          assertEquals("true", again.getHeader("Idempotent-Replayed"));
          return again;
        }))
        .compose(v -> session(id))
        .map(s -> {
          assertEquals(2, s.getLong("version"));
          return s;
        })
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void requestRefusedWith4xx_leavesItsKeyFree_forTheCorrectedRetry(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String key = key();
    post(api(), "/v1/sessions/import", key, new JsonObject().put("id", id).put("data", "not an object"))
        .compose(bad -> {
          assertProblem(bad, 400);
          return post(api(), "/v1/sessions/import", key, new JsonObject().put("id", id));
        })
        .map(good -> {
          assertEquals(201, good.statusCode(), good.bodyAsString());
          assertNull(good.getHeader("Idempotent-Replayed"));
          return good;
        })
        .compose(v -> session(id))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void keys_arePerTenant(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String key = key();
    JsonObject doc = new JsonObject().put("id", id);
    post(api(), "/v1/sessions/import", key, doc)
        .compose(mine -> post(daemon.api(OTHER), "/v1/sessions/import", key, doc.copy().put("data", new JsonObject().put("x", 1))))
        .map(theirs -> {
          assertEquals(201, theirs.statusCode(), theirs.bodyAsString());
          assertNull(theirs.getHeader("Idempotent-Replayed"));
          return theirs;
        })
        .onComplete(ctx.succeedingThenComplete());
  }
}
