package io.sessiond.http;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.tenant.TenantLimits;
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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The error answers clients branch on: their problem types, and the headers that tell a client what
 * to do next (WWW-Authenticate, Allow, Retry-After); and the tenant limits (rate, bytes per session,
 * sessions) answered as problems without changing anything.
 */
@ExtendWith(VertxExtension.class)
class ErrorsTest {
  private static final String PREFIX = "urn:sessiond:problem:";
  private static final String plain = TestDaemon.freshTenant();
  private static final String throttled = TestDaemon.freshTenant();
  private static final String small = TestDaemon.freshTenant();
  private static final String few = TestDaemon.freshTenant();
  @RegisterExtension
  static final DaemonExtension daemon = DaemonExtension.of(TestDaemon.builder()
      .tenant(plain)
      .tenant(throttled, new TenantLimits(0, 0, 5))
      .tenant(small, new TenantLimits(0, 2000, 0))
      .tenant(few, new TenantLimits(2, 0, 0)));

  @Test
  void unauthorized_carriesWwwAuthenticate_withoutAKey_andWithAnUnknownOne(VertxTestContext ctx) {
    daemon.client().get("/v1/sessions").send()
        .compose(r -> {
          ctx.verify(() -> assertUnauthorized(r));
          return daemon.client().get("/v1/sessions").putHeader("Authorization", "Bearer unknown").send();
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertUnauthorized(r);
          assertEquals("the API key is not known", r.bodyAsJsonObject().getString("detail"));
          ctx.completeNow();
        })));
  }

  private static void assertUnauthorized(HttpResponse<Buffer> r) {
    JsonObject p = assertProblem(r, 401);
    assertEquals(PREFIX + "unauthorized", p.getString("type"));
    assertEquals("Bearer realm=\"sessiond\"", r.getHeader("WWW-Authenticate"));
  }

  @Test
  void methodNotAllowed_carriesAllow_withTheMethodsOfThatPath(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    Api api = daemon.api(plain);
    api.request(HttpMethod.POST, "/v1/sessions/" + id).send()
        .compose(r -> {
          ctx.verify(() -> assertMethodNotAllowed(r, "DELETE, GET, PATCH, PUT"));
          return api.request(HttpMethod.PATCH, "/v1/sessions/" + id + "/keys").send();
        })
        .compose(r -> {
          ctx.verify(() -> assertMethodNotAllowed(r, "DELETE, POST"));
          return api.request(HttpMethod.PUT, "/v1/sessions").send();
        })
        .compose(r -> {
          ctx.verify(() -> assertMethodNotAllowed(r, "DELETE, GET"));
          return daemon.client().request(HttpMethod.PUT, "/health/ready").send();
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertMethodNotAllowed(r, "GET");
          ctx.completeNow();
        })));
  }

  private static void assertMethodNotAllowed(HttpResponse<Buffer> r, String allow) {
    JsonObject p = assertProblem(r, 405);
    assertEquals(PREFIX + "method-not-allowed", p.getString("type"));
    assertEquals(allow, r.getHeader("Allow"));
  }

  @Test
  void rateLimit_burstPastIt_answers429_withRetryAfter(VertxTestContext ctx) {
    Api api = daemon.api(throttled);
    List<Future<HttpResponse<Buffer>>> burst = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      burst.add(api.get("/v1/sessions"));
    }
    Future.join(burst).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
      int ok = 0;
      int limited = 0;
      for (Future<HttpResponse<Buffer>> f : burst) {
        HttpResponse<Buffer> r = f.result();
        if (r.statusCode() == 200) {
          ok++;
        } else {
          JsonObject p = assertProblem(r, 429);
          assertEquals(PREFIX + "rate-limited", p.getString("type"));
          assertNotNull(r.getHeader("Retry-After"), "429 carries Retry-After");
          assertTrue(Integer.parseInt(r.getHeader("Retry-After")) >= 1, r.getHeader("Retry-After"));
          limited++;
        }
      }
      // A burst of 5, refilled at 5/s while the 30 requests are in flight.
      assertTrue(ok >= 1 && ok <= 15, "about one second's worth passes: " + ok);
      assertEquals(30, ok + limited);
      ctx.completeNow();
    })));
  }

  @Test
  void tenantByteLimit_answers413_andLeavesTheSessionUnchanged(VertxTestContext ctx) {
    Api api = daemon.api(small);
    String id = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    JsonObject big = new JsonObject().put("data", new JsonObject().put("blob", "x".repeat(5 * 1024)));
    api.create(id, new JsonObject().put("data", new JsonObject().put("a", 1)))
        .compose(r -> api.put(path, big))
        .compose(r -> {
          ctx.verify(() -> {
            JsonObject p = assertProblem(r, 413);
            assertEquals(PREFIX + "too-large", p.getString("type"));
          });
          return api.get(path);
        })
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(200, r.statusCode());
            assertEquals(new JsonObject().put("a", 1), r.bodyAsJsonObject().getJsonObject("data"));
            assertEquals(1, r.bodyAsJsonObject().getLong("version"));
          });
          String newId = TestDaemon.freshSession();
          return api.put("/v1/sessions/" + newId, big).compose(created -> {
            ctx.verify(() -> assertProblem(created, 413));
            return api.get("/v1/sessions/" + newId);
          });
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertProblem(r, 404);
          ctx.completeNow();
        })));
  }

  @Test
  void maxSessions_thirdNewSession_answers429LimitReached_butReplacingOneStillWorks(VertxTestContext ctx) {
    Api api = daemon.api(few);
    api.create("first", new JsonObject())
        .compose(r -> api.create("second", new JsonObject()))
        .compose(r -> api.put("/v1/sessions/third", new JsonObject()))
        .compose(r -> {
          ctx.verify(() -> {
            JsonObject p = assertProblem(r, 429);
            assertEquals(PREFIX + "limit-reached", p.getString("type"));
          });
          return api.post("/v1/sessions/import", new JsonObject().put("id", "fourth"));
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals(PREFIX + "limit-reached", assertProblem(r, 429).getString("type")));
          return api.put("/v1/sessions/first", new JsonObject().put("data", new JsonObject().put("b", 2)));
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals(200, r.statusCode(), r.bodyAsString()));
          return api.get("/v1/sessions/third");
        })
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 404));
          return api.delete("/v1/sessions/second");
        })
        .compose(r -> api.put("/v1/sessions/third", new JsonObject()))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(201, r.statusCode(), "a deleted session frees its place: " + r.bodyAsString());
          ctx.completeNow();
        })));
  }

  @Test
  void everyProblem_namesItsType_andTheRequestPathAsInstance(VertxTestContext ctx) {
    Api api = daemon.api(plain);
    String id = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    api.create(id, new JsonObject())
        .compose(r -> api.put(path, new JsonObject().put("nope", 1)))
        .compose(r -> {
          ctx.verify(() -> assertType(r, 400, "bad-request", path));
          return api.get(path + "-missing");
        })
        .compose(r -> {
          ctx.verify(() -> assertType(r, 404, "not-found", path + "-missing"));
          return api.post(path + "/state", new JsonObject().put("state", "connected"));
        })
        .compose(r -> {
          ctx.verify(() -> assertType(r, 409, "illegal-transition", path + "/state"));
          return api.request(HttpMethod.DELETE, path).putHeader("If-Match", "\"9\"").send();
        })
        .compose(r -> {
          ctx.verify(() -> assertType(r, 412, "stale-version", path));
          return api.request(HttpMethod.PUT, path).putHeader("Content-Type", "text/plain").sendBuffer(Buffer.buffer("{}"));
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertType(r, 415, "unsupported-media-type", path);
          ctx.completeNow();
        })));
  }

  private static void assertType(HttpResponse<Buffer> r, int status, String slug, String instance) {
    JsonObject p = assertProblem(r, status);
    assertEquals(PREFIX + slug, p.getString("type"));
    assertEquals(instance, p.getString("instance"));
  }
}
