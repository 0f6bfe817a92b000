package io.sessiond.http;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.DaemonExtension;
import io.sessiond.testing.Poll;
import io.sessiond.testing.TestDaemon;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Leases over HTTP: grant (201), renewal (200), 409 lease-held for another holder, GET who holds it
 * and until when, release by token, expiry, the Fence header on writes (409 fenced), and bad input.
 */
@ExtendWith(VertxExtension.class)
class LeasesApiTest {
  private static final String TENANT = TestDaemon.freshTenant();
  @RegisterExtension
  static final DaemonExtension daemon = DaemonExtension.of(TestDaemon.builder().tenant(TENANT));

  private static Api api() {
    return daemon.api(TENANT);
  }

  private static String lease(String id) {
    return "/v1/sessions/" + id + "/lease";
  }

  private static Future<HttpResponse<Buffer>> take(String id, String holder, int ttlSeconds) {
    return api().post(lease(id), new JsonObject().put("holder", holder).put("ttlSeconds", ttlSeconds));
  }

  private static Future<HttpResponse<Buffer>> fenced(HttpMethod method, String path, long token, JsonObject body) {
    var r = api().request(method, path).putHeader("Fence", Long.toString(token));
    return body == null ? r.send() : r.putHeader("Content-Type", "application/json").sendBuffer(body.toBuffer());
  }

  @Test
  void grant_renewal_otherHolder_get_release(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    long before = System.currentTimeMillis();
    take(id, "worker-a", 30).compose(r -> {
      JsonObject g = r.bodyAsJsonObject();
      ctx.verify(() -> {
        assertEquals(201, r.statusCode(), r.bodyAsString());
        assertEquals("worker-a", g.getString("holder"));
        assertTrue(g.getLong("token") >= before);
        assertFalse(g.getBoolean("renewed"));
        assertTrue(Instant.parse(g.getString("expiresAt")).toEpochMilli() >= before + 30_000);
      });
      long token = g.getLong("token");
      return take(id, "worker-a", 60).compose(renewed -> {
        ctx.verify(() -> {
          assertEquals(200, renewed.statusCode());
          assertEquals(token, renewed.bodyAsJsonObject().getLong("token"));
          assertTrue(renewed.bodyAsJsonObject().getBoolean("renewed"));
        });
        return take(id, "worker-b", 30);
      }).compose(other -> {
        ctx.verify(() -> {
          JsonObject p = assertProblem(other, 409);
          assertEquals("urn:sessiond:problem:lease-held", p.getString("type"));
          assertTrue(p.getString("detail").contains("worker-a"), p.getString("detail"));
        });
        return api().get(lease(id));
      }).compose(held -> {
        ctx.verify(() -> {
          assertEquals(200, held.statusCode());
          JsonObject l = held.bodyAsJsonObject();
          assertTrue(l.getBoolean("held"));
          assertEquals("worker-a", l.getString("holder"));
          assertEquals(token, l.getLong("token"));
          assertTrue(Instant.parse(l.getString("expiresAt")).toEpochMilli() >= before + 60_000);
        });
        return fenced(HttpMethod.DELETE, lease(id), token, null);
      }).compose(released -> {
        ctx.verify(() -> assertEquals(204, released.statusCode(), released.bodyAsString()));
        return fenced(HttpMethod.DELETE, lease(id), token, null);
      }).compose(again -> {
        ctx.verify(() -> assertEquals("urn:sessiond:problem:fenced", assertProblem(again, 409).getString("type")));
        return api().get(lease(id));
      });
    }).onComplete(ctx.succeeding(free -> ctx.verify(() -> {
      assertEquals(new JsonObject().put("held", false), free.bodyAsJsonObject());
      ctx.completeNow();
    })));
  }

  @Test
  void fencedWrites_applyWithTheLiveToken_andAreRefusedWithAStaleOne(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    take(id, "worker-a", 30).compose(a -> {
      long first = a.bodyAsJsonObject().getLong("token");
      return fenced(HttpMethod.PUT, path, first, new JsonObject().put("data", new JsonObject().put("by", "a")))
          .compose(created -> {
            ctx.verify(() -> assertEquals(201, created.statusCode(), created.bodyAsString()));
            return fenced(HttpMethod.DELETE, lease(id), first, null);
          })
          .compose(released -> take(id, "worker-b", 30))
          .compose(b -> {
            long second = b.bodyAsJsonObject().getLong("token");
            ctx.verify(() -> assertTrue(second > first));
            return fenced(HttpMethod.PUT, path + "/creds", first, new JsonObject().put("stale", true))
                .compose(stale -> {
                  ctx.verify(() -> {
                    JsonObject p = assertProblem(stale, 409);
                    assertEquals("urn:sessiond:problem:fenced", p.getString("type"));
                    assertTrue(p.getString("detail").contains(Long.toString(second)), p.getString("detail"));
                  });
                  return fenced(HttpMethod.PUT, path + "/creds", second, new JsonObject().put("live", true));
                });
          })
          .compose(live -> {
            ctx.verify(() -> assertEquals(204, live.statusCode(), live.bodyAsString()));
            return api().get(path + "/creds");
          });
    }).onComplete(ctx.succeeding(creds -> ctx.verify(() -> {
      assertEquals(new JsonObject().put("live", true), creds.bodyAsJsonObject());
      ctx.completeNow();
    })));
  }

  @Test
  void lease_expiresByItself(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    take(id, "worker-a", 1)
        .compose(a -> Poll.until(daemon.running().vertx(), 10_000, 100, "the lease expires",
            () -> api().get(lease(id)).map(r -> !r.bodyAsJsonObject().getBoolean("held"))).map(a))
        .compose(a -> take(id, "worker-b", 30).map(b -> new long[] {a.bodyAsJsonObject().getLong("token"),
            b.statusCode(), b.bodyAsJsonObject().getLong("token")}))
        .onComplete(ctx.succeeding(t -> ctx.verify(() -> {
          assertEquals(201, t[1]);
          assertTrue(t[2] > t[0]);
          ctx.completeNow();
        })));
  }

  @Test
  void badInput_is400_withAUsefulDetail(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    api().post(lease(id), new JsonObject().put("holder", "a"))
        .compose(r -> {
          ctx.verify(() -> assertTrue(assertProblem(r, 400).getString("detail").contains("ttlSeconds")));
          return api().post(lease(id), new JsonObject().put("holder", "a b").put("ttlSeconds", 5));
        })
        .compose(r -> {
          ctx.verify(() -> assertTrue(assertProblem(r, 400).getString("detail").contains("holder")));
          return api().post(lease(id), new JsonObject().put("holder", "a").put("ttlSeconds", 0));
        })
        .compose(r -> {
          ctx.verify(() -> assertTrue(assertProblem(r, 400).getString("detail").contains("ttlSeconds")));
          return api().post(lease(id), new JsonObject().put("holder", "a").put("ttlSeconds", 5).put("x", 1));
        })
        .compose(r -> {
          ctx.verify(() -> assertTrue(assertProblem(r, 400).getString("detail").contains("unknown field")));
          return api().delete(lease(id));
        })
        .compose(r -> {
          ctx.verify(() -> assertTrue(assertProblem(r, 400).getString("detail").contains("Fence")));
          return api().create(id, new JsonObject());
        })
        .compose(r -> api().request(HttpMethod.POST, path + "/touch").putHeader("Fence", "12ab").send())
        .compose(r -> {
          ctx.verify(() -> assertTrue(assertProblem(r, 400).getString("detail").contains("Fence")));
          return api().request(HttpMethod.POST, path + "/touch").putHeader("Fence", "0").send();
        })
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 400));
          return api().request(HttpMethod.POST, path + "/touch").putHeader("Fence", "99999999999999999999").send();
        })
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 400));
          return api().get(path);
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals("\"1\"", r.getHeader("ETag"), "no refused request changed the session");
          ctx.completeNow();
        })));
  }
}
