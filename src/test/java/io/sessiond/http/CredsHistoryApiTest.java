package io.sessiond.http;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.DaemonExtension;
import io.sessiond.testing.TestDaemon;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Creds history over HTTP: every creds write kept (newest first, CREDS_HISTORY of them), a rollback
 * that brings back the exact bytes written, an export/import that carries the history, and bad input.
 */
@ExtendWith(VertxExtension.class)
class CredsHistoryApiTest {
  private static final String TENANT = TestDaemon.freshTenant();
  @RegisterExtension
  static final DaemonExtension daemon = DaemonExtension.of(TestDaemon.builder().tenant(TENANT).set("CREDS_HISTORY", 3));

  private static Api api() {
    return daemon.api(TENANT);
  }

  /** Creds text as Baileys writes it: Buffer JSON, members in its own order, a number with a fraction. */
  private static String creds(int n) {
    return "{\"noiseKey\":{\"private\":{\"type\":\"Buffer\",\"data\":\"" + "AQID".repeat(n) + "\"},\"public\":"
        + "{\"type\":\"Buffer\",\"data\":\"BAUG\"}},\"registrationId\":" + (1000 + n) + ",\"advSecretKey\":\"k" + n
        + "\",\"z\":0.5,\"me\":{\"id\":\"" + n + ":1@s.whatsapp.net\",\"name\":\"\u00e9\"}}";
  }

  private static Future<HttpResponse<Buffer>> putCreds(String id, String text) {
    return api().request(HttpMethod.PUT, "/v1/sessions/" + id + "/creds").putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer(text));
  }

  private static Future<Void> expect(HttpResponse<Buffer> r, int status) {
    return r.statusCode() == status ? Future.succeededFuture()
        : Future.failedFuture("expected " + status + ", got " + r.statusCode() + ": " + r.bodyAsString());
  }

  @Test
  void history_keepsTheLastThree_andRollbackRestoresTheExactBytes(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    api().create(id, new JsonObject())
        .compose(r -> putCreds(id, creds(1))).compose(r -> expect(r, 204))
        .compose(v -> putCreds(id, creds(2))).compose(r -> expect(r, 204))
        .compose(v -> putCreds(id, creds(3))).compose(r -> expect(r, 204))
        .compose(v -> putCreds(id, creds(4))).compose(r -> expect(r, 204))
        .compose(v -> api().get(path + "/creds/history"))
        .compose(h -> {
          ctx.verify(() -> {
            assertEquals(200, h.statusCode());
            assertEquals("\"5\"", h.getHeader("ETag"));
            JsonObject body = h.bodyAsJsonObject();
            assertEquals(3, body.getInteger("keep"));
            JsonArray history = body.getJsonArray("history");
            assertEquals(List.of(5L, 4L, 3L), history.stream().map(o -> ((JsonObject) o).getLong("version")).toList());
            assertTrue(h.bodyAsString().contains("\"creds\":" + creds(2)), "the kept creds appear as written");
          });
          return api().post(path + "/creds/rollback", new JsonObject().put("version", 3));
        })
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(204, r.statusCode(), r.bodyAsString());
            assertEquals("\"6\"", r.getHeader("ETag"));
          });
          return api().get(path + "/creds");
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(creds(2), r.bodyAsString(), "byte for byte what was written at version 3");
          ctx.completeNow();
        })));
  }

  @Test
  void exportAndImport_carryTheHistory(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String copy = TestDaemon.freshSession();
    api().create(id, new JsonObject())
        .compose(r -> putCreds(id, creds(1))).compose(r -> expect(r, 204))
        .compose(v -> putCreds(id, creds(2))).compose(r -> expect(r, 204))
        .compose(v -> api().get("/v1/sessions/" + id + "/export"))
        .compose(e -> {
          JsonObject doc = e.bodyAsJsonObject().put("id", copy);
          ctx.verify(() -> assertEquals(2, doc.getJsonArray("credsHistory").size()));
          return api().post("/v1/sessions/import", doc).compose(r -> expect(r, 201))
              .compose(v -> api().get("/v1/sessions/" + copy + "/creds/history"))
              .map(h -> List.of(e.bodyAsJsonObject().getJsonArray("credsHistory"), h.bodyAsJsonObject().getJsonArray("history")));
        })
        .onComplete(ctx.succeeding(both -> ctx.verify(() -> {
          assertEquals(both.get(0), both.get(1));
          ctx.completeNow();
        })));
  }

  @Test
  void badInput_is4xx_withAUsefulDetail(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String rollback = "/v1/sessions/" + id + "/creds/rollback";
    api().post(rollback, new JsonObject().put("version", 1))
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 404));
          return api().create(id, new JsonObject());
        })
        .compose(r -> putCreds(id, creds(1)))
        .compose(r -> api().post(rollback, new JsonObject()))
        .compose(r -> {
          ctx.verify(() -> assertTrue(assertProblem(r, 400).getString("detail").contains("version")));
          return api().post(rollback, new JsonObject().put("version", "2"));
        })
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 400));
          return api().post(rollback, new JsonObject().put("version", 2).put("extra", true));
        })
        .compose(r -> {
          ctx.verify(() -> assertTrue(assertProblem(r, 400).getString("detail").contains("unknown field")));
          return api().post(rollback, new JsonObject().put("version", 7));
        })
        .compose(r -> {
          ctx.verify(() -> {
            String detail = assertProblem(r, 404).getString("detail");
            assertTrue(detail.contains("7") && detail.contains("[2]"), detail);
          });
          JsonObject bad = new JsonObject().put("id", TestDaemon.freshSession()).put("credsHistory",
              new JsonArray().add(new JsonObject().put("version", 1).put("creds", new JsonObject()))
                  .add(new JsonObject().put("version", 2).put("creds", new JsonObject())));
          return api().post("/v1/sessions/import", bad);
        })
        .compose(r -> {
          ctx.verify(() -> assertTrue(assertProblem(r, 400).getString("detail").contains("credsHistory[1]")));
          return api().get("/v1/sessions/" + id);
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals("\"2\"", r.getHeader("ETag"), "no refused request changed the session");
          ctx.completeNow();
        })));
  }
}
