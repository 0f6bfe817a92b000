package io.sessiond.http;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.DaemonExtension;
import io.sessiond.testing.TestDaemon;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Instant;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Backup and restore of a whole session over HTTP: an export imported into another tenant or another
 * daemon exports again the same (keys and messages byte for byte), an import replaces wholly, and
 * versions only move forward.
 */
@ExtendWith(VertxExtension.class)
class ExportImportApiTest {
  private static final Random RANDOM = new Random(7);
  private static final String source = TestDaemon.freshTenant();
  private static final String target = TestDaemon.freshTenant();
  @RegisterExtension
  static final DaemonExtension daemon = DaemonExtension.of(TestDaemon.builder().tenant(source).tenant(target));

  private static String buffer(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return "{\"type\":\"Buffer\",\"data\":\"" + Base64.getEncoder().encodeToString(b) + "\"}";
  }

  private static Future<HttpResponse<Buffer>> postRaw(Api api, String path, String json) {
    return api.request(HttpMethod.POST, path).putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(json));
  }

  /** A session as a Baileys bot leaves it: data, creds, keys of several types, messages, a state. Returns its export. */
  private static Future<HttpResponse<Buffer>> richSession(Api api, String id) {
    String creds = "{\"noiseKey\":{\"private\":" + buffer(32) + ",\"public\":" + buffer(32) + "},"
        + "\"registrationId\":1234,\"me\":{\"id\":\"49123@s.whatsapp.net\",\"name\":\"Bot\"},\"registered\":true}";
    String keys = "{\"pre-key\":{\"1\":{\"private\":" + buffer(32) + ",\"public\":" + buffer(32) + "},"
        + "\"2\":{\"private\":" + buffer(32) + ",\"public\":" + buffer(32) + "}},"
        + "\"session\":{\"49123.0\":{\"_sessions\":{\"" + Base64.getEncoder().encodeToString(new byte[] {5, 1}) + "\":{}}}},"
        + "\"sender-key\":{\"g@g.us::49123::0\":" + buffer(64) + "},"
        + "\"app-state-sync-key\":{\"AAAAAOex\":{\"keyData\":" + buffer(32) + ",\"timestamp\":\"1700000000\"}}}";
    JsonArray messages = new JsonArray()
        .add(new JsonObject().put("id", "m1").put("role", "user").put("content", "hello").put("userId", "u1")
            .put("timestamp", "2024-05-01T10:00:00.000Z"))
        .add(new JsonObject().put("role", "assistant").put("content", new JsonObject().put("text", "hi \u00e9"))
            .put("metadata", new JsonObject().put("tokens", 3)).put("timestamp", 1714557601000L))
        .add(new JsonObject().put("role", "user").put("content", new JsonArray().add(1).add(2.5)));
    return api.create(id, new JsonObject().put("data", new JsonObject().put("bot", "b1").put("n", 1))
            .put("state", "registering").put("ttlSeconds", 600))
        .compose(r -> api.put("/v1/sessions/" + id + "/creds", new JsonObject(creds)))
        .compose(r -> postRaw(api, "/v1/sessions/" + id + "/keys", keys))
        .compose(r -> api.post("/v1/sessions/" + id + "/messages", messages))
        .compose(r -> api.post("/v1/sessions/" + id + "/state", new JsonObject().put("state", "registered")))
        .compose(r -> api.get("/v1/sessions/" + id + "/export"))
        .map(r -> {
          assertEquals(200, r.statusCode(), r.bodyAsString());
          return r;
        });
  }

  /** The export without the fields an import recomputes (it is a write now: updated and active now). */
  private static JsonObject comparable(JsonObject export) {
    JsonObject c = export.copy();
    c.remove("updatedAt");
    return c;
  }

  /** The {@code keys} and {@code messages} members' JSON text, cut from the raw export as served. */
  private static String rawTail(String export) {
    int at = export.indexOf(",\"keys\":");
    assertTrue(at > 0, export);
    return export.substring(at);
  }

  private static Future<HttpResponse<Buffer>> importAs(Api api, String exportText) {
    return postRaw(api, "/v1/sessions/import", exportText);
  }

  @Test
  void export_holdsEverything(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    richSession(daemon.api(source), id).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      JsonObject e = r.bodyAsJsonObject();
      assertEquals("sessiond.session.v1", e.getString("format"));
      assertEquals(id, e.getString("id"));
      assertEquals("registered", e.getString("state"));
      assertEquals(new JsonObject().put("bot", "b1").put("n", 1), e.getJsonObject("data"));
      assertEquals(1234, e.getJsonObject("creds").getInteger("registrationId"));
      assertEquals(600, e.getLong("ttlSeconds"));
      assertEquals(5, e.getLong("version"));
      assertEquals("\"5\"", r.getHeader("ETag"));
      assertEquals(4, e.getJsonObject("keys").size());
      assertEquals(2, e.getJsonObject("keys").getJsonObject("pre-key").size());
      JsonArray messages = e.getJsonArray("messages");
      assertEquals(3, messages.size());
      assertEquals(1, messages.getJsonObject(0).getLong("seq"));
      assertEquals("2024-05-01T10:00:01.000Z", messages.getJsonObject(1).getString("timestamp"));
      ctx.completeNow();
    })));
  }

  @Test
  void importIntoAnotherTenant_reExportsEqual_keysAndMessagesByteForByte(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    richSession(daemon.api(source), id).compose(exported -> importAs(daemon.api(target), exported.bodyAsString())
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(201, r.statusCode(), r.bodyAsString());
            assertEquals("/v1/sessions/" + id, r.getHeader("Location"));
            assertEquals("\"5\"", r.getHeader("ETag"), "a restore into an empty place keeps the export's version");
            assertTrue(r.bodyAsJsonObject().getBoolean("hasCreds"));
          });
          return daemon.api(target).get("/v1/sessions/" + id + "/export");
        })
        .map(again -> {
          ctx.verify(() -> assertReExport(exported, again));
          return again;
        }))
        .onComplete(ctx.succeeding(r -> ctx.completeNow()));
  }

  @Test
  void importIntoAFreshDaemon_reExportsEqual(Vertx vertx, VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String freshTenant = TestDaemon.freshTenant();
    richSession(daemon.api(source), id).compose(exported -> TestDaemon.builder().tenant(freshTenant).start(vertx)
            .compose(fresh -> importAs(fresh.api(freshTenant), exported.bodyAsString())
                .compose(r -> {
                  ctx.verify(() -> assertEquals(201, r.statusCode(), r.bodyAsString()));
                  return fresh.api(freshTenant).get("/v1/sessions/" + id + "/export");
                })
                .compose(again -> {
                  ctx.verify(() -> assertReExport(exported, again));
                  return fresh.api(freshTenant).get("/v1/sessions/" + id + "/status");
                })
                .compose(status -> {
                  ctx.verify(() -> {
                    JsonObject s = status.bodyAsJsonObject();
                    assertEquals(3, s.getInteger("messageCount"));
                    assertEquals(new JsonObject().put("app-state-sync-key", 1).put("pre-key", 2).put("sender-key", 1)
                        .put("session", 1), s.getJsonObject("keyCounts"));
                    Instant active = Instant.parse(s.getString("lastActivityAt"));
                    assertEquals(active.plusSeconds(600), Instant.parse(s.getString("expiresAt")),
                        "expiry recomputed from the import");
                  });
                  // Appends after an import continue the sequence.
                  return fresh.api(freshTenant).post("/v1/sessions/" + id + "/messages",
                      new JsonObject().put("role", "user").put("content", "after"));
                })
                .compose(r -> {
                  ctx.verify(() -> assertEquals(4, r.bodyAsJsonObject().getLong("firstSeq")));
                  return fresh.stop();
                })))
        .onComplete(ctx.succeeding(v -> ctx.completeNow()));
  }

  private static void assertReExport(HttpResponse<Buffer> exported, HttpResponse<Buffer> again) {
    assertEquals(200, again.statusCode(), again.bodyAsString());
    JsonObject before = exported.bodyAsJsonObject();
    JsonObject after = again.bodyAsJsonObject();
    assertEquals(comparable(before), comparable(after));
    assertEquals(rawTail(exported.bodyAsString()), rawTail(again.bodyAsString()));
    assertFalse(Instant.parse(after.getString("updatedAt")).isBefore(Instant.parse(before.getString("updatedAt"))));
  }

  @Test
  void import_replacesAnExistingSessionWholly_withAVersionAboveBoth(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    Api target = daemon.api(ExportImportApiTest.target);
    String base = "/v1/sessions/" + id;
    richSession(daemon.api(source), id).compose(exported -> {
      Future<HttpResponse<Buffer>> chain = target.create(id, new JsonObject().put("data", new JsonObject().put("old", true))
              .put("creds", new JsonObject().put("old", true)))
          .compose(r -> postRaw(target, base + "/keys", "{\"old-type\":{\"x\":1},\"pre-key\":{\"99\":{\"old\":1}}}"));
      for (int i = 0; i < 8; i++) {
        chain = chain.compose(r -> target.post(base + "/messages", new JsonObject().put("role", "old").put("content", "old")));
      }
      return chain
          .compose(r -> {
            ctx.verify(() -> assertEquals("\"10\"", r.getHeader("ETag"), "the replaced session is ahead of the export"));
            return importAs(target, exported.bodyAsString());
          })
          .compose(r -> {
            ctx.verify(() -> {
              assertEquals(200, r.statusCode(), r.bodyAsString());
              assertEquals(11, r.bodyAsJsonObject().getLong("version"), "above the replaced version 10 and the export's 5");
              assertEquals(new JsonObject().put("bot", "b1").put("n", 1), r.bodyAsJsonObject().getJsonObject("data"));
            });
            return target.post(base + "/keys/query", new JsonObject().put("type", "old-type").put("ids", new JsonArray().add("x")));
          })
          .compose(r -> {
            ctx.verify(() -> assertEquals("{}", r.bodyAsString(), "keys of the replaced session are gone"));
            return target.post(base + "/keys/query", new JsonObject().put("type", "pre-key")
                .put("ids", new JsonArray().add("1").add("2").add("99")));
          })
          .compose(r -> {
            ctx.verify(() -> assertEquals(new JsonArray().add("1").add("2"), new JsonArray(r.bodyAsJsonObject().fieldNames().stream().toList())));
            return target.get(base + "/messages?order=asc&limit=100");
          })
          .compose(r -> {
            ctx.verify(() -> assertEquals(exported.bodyAsJsonObject().getJsonArray("messages"),
                r.bodyAsJsonObject().getJsonArray("messages")));
            return target.get(base + "/creds");
          })
          .map(r -> {
            ctx.verify(() -> assertEquals(exported.bodyAsJsonObject().getJsonObject("creds"), r.bodyAsJsonObject()));
            return r;
          });
    }).onComplete(ctx.succeeding(r -> ctx.completeNow()));
  }

  @Test
  void import_overAnOlderSession_keepsTheExportsVersion_whichIsAboveTheReplaced(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    Api target = daemon.api(ExportImportApiTest.target);
    richSession(daemon.api(source), id)
        .compose(exported -> target.create(id, new JsonObject()).compose(r -> importAs(target, exported.bodyAsString())))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(200, r.statusCode(), r.bodyAsString());
          assertEquals(5, r.bodyAsJsonObject().getLong("version"));
          ctx.completeNow();
        })));
  }

  @Test
  void import_withStaleIfMatch_is412_andChangesNothing(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    Api target = daemon.api(ExportImportApiTest.target);
    richSession(daemon.api(source), id)
        .compose(exported -> target.create(id, new JsonObject().put("data", new JsonObject().put("mine", 1)))
            .compose(r -> target.request(HttpMethod.POST, "/v1/sessions/import").putHeader("Content-Type", "application/json")
                .putHeader("If-Match", "\"3\"").sendBuffer(exported.body()))
            .compose(r -> {
              ctx.verify(() -> assertProblem(r, 412));
              return target.get("/v1/sessions/" + id);
            })
            .compose(r -> {
              ctx.verify(() -> {
                assertEquals(new JsonObject().put("mine", 1), r.bodyAsJsonObject().getJsonObject("data"));
                assertEquals(1, r.bodyAsJsonObject().getLong("version"));
              });
              return target.request(HttpMethod.POST, "/v1/sessions/import").putHeader("Content-Type", "application/json")
                  .putHeader("If-Match", "\"1\"").sendBuffer(exported.body());
            }))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(200, r.statusCode(), r.bodyAsString());
          ctx.completeNow();
        })));
  }

  @Test
  void export_ofAMissingSession_is404_andTheSourceTenantIsUntouchedByAnImportElsewhere(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    daemon.api(source).get("/v1/sessions/" + id + "/export")
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 404));
          return richSession(daemon.api(source), id);
        })
        .compose(exported -> importAs(daemon.api(target), exported.bodyAsString()))
        .compose(r -> daemon.api(target).delete("/v1/sessions/" + id))
        .compose(r -> daemon.api(source).get("/v1/sessions/" + id))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(200, r.statusCode());
          assertEquals(5, r.bodyAsJsonObject().getLong("version"));
          ctx.completeNow();
        })));
  }

  /**
   * Bodies past {@link BulkWork#THRESHOLD} are parsed on a worker thread: a large import
   * still lands whole, and a bad one is still a 400 naming what is wrong, with nothing stored.
   */
  @Test
  void largeImport_parsedOffTheEventLoop_landsWhole_andABadOneIsRefused(VertxTestContext ctx) {
    Api api = daemon.api(target);
    String id = TestDaemon.freshSession();
    String big = "x".repeat(BulkWork.THRESHOLD * 3);
    JsonObject export = new JsonObject().put("id", id).put("data", new JsonObject().put("big", big));
    String bad = "{\"id\":\"" + TestDaemon.freshSession() + "\",\"data\":{\"big\":\"" + big + "\",\"n\\u0000\":1}}";
    api.post("/v1/sessions/import", export)
        .compose(r -> {
          ctx.verify(() -> assertEquals(201, r.statusCode(), r.bodyAsString()));
          return api.get("/v1/sessions/" + id);
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals(big, r.bodyAsJsonObject().getJsonObject("data").getString("big")));
          return postRaw(api, "/v1/sessions/import", bad);
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(400, r.statusCode(), r.bodyAsString());
          assertEquals("application/problem+json", r.getHeader("Content-Type"));
          ctx.completeNow();
        })));
  }
}
