package io.sessiond.http;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The typed key store over HTTP: atomic batches with null deletes, queries, Buffer JSON, clear, counts, preconditions. */
@ExtendWith(VertxExtension.class)
class KeysApiTest {
  private static final String TENANT = TestDaemon.freshTenant();
  @RegisterExtension
  static final DaemonExtension daemon = DaemonExtension.of(TestDaemon.builder().tenant(TENANT));

  private static Api api() {
    return daemon.api(TENANT);
  }
  private static final Random RANDOM = new Random(42);

  /** Baileys' BufferJSON form of {@code n} random bytes, in compact JSON text. */
  private static String bufferJson(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return "{\"type\":\"Buffer\",\"data\":\"" + Base64.getEncoder().encodeToString(b) + "\"}";
  }

  /** A Baileys pre-key pair as compact JSON text. */
  private static String preKeyJson() {
    return "{\"private\":" + bufferJson(32) + ",\"public\":" + bufferJson(32) + "}";
  }

  private static Future<HttpResponse<Buffer>> postRaw(String path, String json) {
    return api().request(HttpMethod.POST, path).putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer(json));
  }

  private static Future<HttpResponse<Buffer>> query(String id, String type, String... ids) {
    return api().post("/v1/sessions/" + id + "/keys/query",
        new JsonObject().put("type", type).put("ids", new JsonArray(List.of((Object[]) ids))));
  }

  @Test
  void keyBatch_withNull_deletesOnlyThatKey(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String keys = "/v1/sessions/" + id + "/keys";
    api().create(id, new JsonObject())
        .compose(r -> postRaw(keys, "{\"pre-key\":{\"1\":" + preKeyJson() + ",\"2\":" + preKeyJson() + ",\"3\":"
            + preKeyJson() + "}}"))
        .compose(r -> {
          ctx.verify(() -> assertEquals(204, r.statusCode(), r.bodyAsString()));
          return postRaw(keys, "{\"pre-key\":{\"2\":null,\"4\":" + preKeyJson() + "}}");
        })
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(204, r.statusCode(), r.bodyAsString());
            assertEquals("\"3\"", r.getHeader("ETag"));
          });
          return query(id, "pre-key", "1", "2", "3", "4");
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(200, r.statusCode());
          assertEquals(List.of("1", "3", "4"), List.copyOf(r.bodyAsJsonObject().fieldNames()));
          ctx.completeNow();
        })));
  }

  @Test
  void query_returnsOnlyPresentIds_andNothingForAnUnknownType(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    api().create(id, new JsonObject())
        .compose(r -> postRaw("/v1/sessions/" + id + "/keys", "{\"session\":{\"a\":{\"x\":1},\"b\":{\"x\":2}}}"))
        .compose(r -> query(id, "session", "missing", "b", "also-missing"))
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(200, r.statusCode());
            assertEquals(new JsonObject().put("b", new JsonObject().put("x", 2)), r.bodyAsJsonObject());
          });
          return query(id, "sender-key", "a", "b");
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals("{}", r.bodyAsString()));
          return query(id, "session");
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(200, r.statusCode());
          assertEquals("{}", r.bodyAsString());
          ctx.completeNow();
        })));
  }

  @Test
  void query_ofNoIds_answersAnEmptyObject_andStill404ForAMissingSession(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    api().create(id, new JsonObject())
        .compose(r -> postRaw("/v1/sessions/" + id + "/keys", "{\"pre-key\":{\"1\":" + preKeyJson() + "}}"))
        .compose(r -> query(id, "pre-key"))
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(200, r.statusCode(), r.bodyAsString());
            assertEquals("{}", r.bodyAsString());
          });
          return query(TestDaemon.freshSession(), "pre-key");
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertProblem(r, 404);
          ctx.completeNow();
        })));
  }

  @Test
  void bufferJsonValues_roundTripByteForByte(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String preKey = preKeyJson();
    String plain = bufferJson(48);
    // Escapes, unicode, big and fractional numbers, nesting: all must come back exactly as sent (compact).
    String odd = "{\"s\":\"a\\\"b\\\\c\\n\u00e9\u4e2d\ud83d\ude00\",\"n\":12345678901234567,\"f\":0.5,\"neg\":-3,"
        + "\"arr\":[true,false,null,[]],\"o\":{}}";
    api().create(id, new JsonObject())
        .compose(r -> postRaw("/v1/sessions/" + id + "/keys", "{\"pre-key\":{\"7\":" + preKey + "},"
            + "\"app-state-sync-key\":{\"AAAAAOex\":" + plain + "},\"lid-mapping\":{\"odd\":" + odd + "}}"))
        .compose(r -> {
          ctx.verify(() -> assertEquals(204, r.statusCode(), r.bodyAsString()));
          return query(id, "pre-key", "7");
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals("{\"7\":" + preKey + "}", r.bodyAsString()));
          return query(id, "app-state-sync-key", "AAAAAOex");
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals("{\"AAAAAOex\":" + plain + "}", r.bodyAsString()));
          return query(id, "lid-mapping", "odd");
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals("{\"odd\":" + odd + "}", r.bodyAsString());
          ctx.completeNow();
        })));
  }

  @Test
  void severalTypesInOneBatch_areWrittenTogether_andCountedPerTypeInStatus(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String batch = "{\"pre-key\":{\"1\":" + preKeyJson() + ",\"2\":" + preKeyJson() + "},"
        + "\"session\":{\"12345@s.whatsapp.net.0\":{\"_sessions\":{}}},"
        + "\"sender-key\":{\"group@g.us::123::0\":" + bufferJson(16) + "},"
        + "\"sender-key-memory\":{\"group@g.us\":{\"123@s.whatsapp.net\":true}},"
        + "\"app-state-sync-version\":{\"regular\":{\"version\":3,\"hash\":" + bufferJson(128) + "}}}";
    api().create(id, new JsonObject())
        .compose(r -> postRaw("/v1/sessions/" + id + "/keys", batch))
        .compose(r -> {
          ctx.verify(() -> assertEquals(204, r.statusCode(), r.bodyAsString()));
          return api().get("/v1/sessions/" + id + "/status");
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals(new JsonObject().put("app-state-sync-version", 1).put("pre-key", 2)
              .put("sender-key", 1).put("sender-key-memory", 1).put("session", 1),
              r.bodyAsJsonObject().getJsonObject("keyCounts")));
          return postRaw("/v1/sessions/" + id + "/keys", "{\"pre-key\":{\"1\":null},\"session\":{\"12345@s.whatsapp.net.0\":null}}");
        })
        .compose(r -> api().get("/v1/sessions/" + id + "/status"))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          JsonObject counts = r.bodyAsJsonObject().getJsonObject("keyCounts");
          assertEquals(1, counts.getInteger("pre-key"));
          assertNull(counts.getValue("session"), "a type with no keys left is not counted: " + counts);
          assertEquals(1, counts.getInteger("sender-key"));
          ctx.completeNow();
        })));
  }

  @Test
  void clearKeys_removesEveryKey_butKeepsTheSession(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String keys = "/v1/sessions/" + id + "/keys";
    api().create(id, new JsonObject().put("data", new JsonObject().put("keep", true)))
        .compose(r -> postRaw(keys, "{\"pre-key\":{\"1\":" + preKeyJson() + "},\"session\":{\"a\":{}}}"))
        .compose(r -> api().delete(keys))
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(204, r.statusCode(), r.bodyAsString());
            assertEquals("\"3\"", r.getHeader("ETag"));
          });
          return query(id, "pre-key", "1");
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals("{}", r.bodyAsString()));
          return api().get("/v1/sessions/" + id + "/status");
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(200, r.statusCode());
          assertEquals(new JsonObject(), r.bodyAsJsonObject().getJsonObject("keyCounts"));
          assertEquals(3, r.bodyAsJsonObject().getLong("version"));
          ctx.completeNow();
        })));
  }

  @Test
  void batchOnMissingSession_is404_andCreatesNothing(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    postRaw("/v1/sessions/" + id + "/keys", "{\"pre-key\":{\"1\":" + preKeyJson() + "}}")
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 404));
          return api().get("/v1/sessions/" + id);
        })
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 404));
          return query(id, "pre-key", "1");
        })
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 404));
          return api().delete("/v1/sessions/" + id + "/keys");
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertProblem(r, 404);
          ctx.completeNow();
        })));
  }

  @Test
  void ifMatch_onBatch_staleIs412AndWritesNothing_currentSucceeds(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String keys = "/v1/sessions/" + id + "/keys";
    String batch = "{\"pre-key\":{\"1\":" + preKeyJson() + "}}";
    api().create(id, new JsonObject())
        .compose(r -> api().request(HttpMethod.POST, keys).putHeader("Content-Type", "application/json")
            .putHeader("If-Match", "\"5\"").sendBuffer(Buffer.buffer(batch)))
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 412));
          return query(id, "pre-key", "1");
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals("{}", r.bodyAsString()));
          return api().request(HttpMethod.POST, keys).putHeader("Content-Type", "application/json")
              .putHeader("If-Match", "\"1\"").sendBuffer(Buffer.buffer(batch));
        })
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(204, r.statusCode(), r.bodyAsString());
            assertEquals("\"2\"", r.getHeader("ETag"));
          });
          return api().request(HttpMethod.DELETE, keys).putHeader("If-Match", "\"1\"").send();
        })
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 412));
          return query(id, "pre-key", "1");
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(1, r.bodyAsJsonObject().size(), "a stale clear removes nothing");
          ctx.completeNow();
        })));
  }

  @Test
  void batchOf1000Keys_inOneRequest_isStoredWhole(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    StringBuilder batch = new StringBuilder("{\"pre-key\":{");
    String[] ids = new String[1000];
    String[] values = new String[1000];
    for (int i = 0; i < 1000; i++) {
      ids[i] = Integer.toString(i + 1);
      values[i] = preKeyJson();
      batch.append(i == 0 ? "" : ",").append('"').append(ids[i]).append("\":").append(values[i]);
    }
    batch.append("}}");
    api().create(id, new JsonObject())
        .compose(r -> postRaw("/v1/sessions/" + id + "/keys", batch.toString()))
        .compose(r -> {
          ctx.verify(() -> assertEquals(204, r.statusCode(), r.bodyAsString()));
          return query(id, "pre-key", ids);
        })
        .compose(r -> {
          ctx.verify(() -> {
            StringBuilder expected = new StringBuilder("{");
            for (int i = 0; i < 1000; i++) {
              expected.append(i == 0 ? "" : ",").append('"').append(ids[i]).append("\":").append(values[i]);
            }
            assertEquals(expected.append('}').toString(), r.bodyAsString());
          });
          return api().get("/v1/sessions/" + id + "/status");
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(1000, r.bodyAsJsonObject().getJsonObject("keyCounts").getInteger("pre-key"));
          ctx.completeNow();
        })));
  }

  @Test
  void batchInvalidInItsLastEntry_is400_andWritesNoKey(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String keys = "/v1/sessions/" + id + "/keys";
    String tooLongId = "k".repeat(257);
    String badId = "{\"pre-key\":{\"1\":" + preKeyJson() + ",\"2\":null},\"session\":{\"a\":{},\"" + tooLongId + "\":{}}}";
    String badType = "{\"pre-key\":{\"1\":" + preKeyJson() + "},\"Not_A_Type\":{\"x\":1}}";
    api().create(id, new JsonObject())
        .compose(r -> postRaw(keys, "{\"pre-key\":{\"2\":" + preKeyJson() + "}}"))
        .compose(r -> postRaw(keys, badId))
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 400));
          return postRaw(keys, badType);
        })
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 400));
          return query(id, "pre-key", "1", "2");
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals(List.of("2"), List.copyOf(r.bodyAsJsonObject().fieldNames()),
              "nothing of the refused batches applied, the null delete included"));
          return query(id, "session", "a");
        })
        .compose(r -> {
          ctx.verify(() -> assertEquals("{}", r.bodyAsString()));
          return api().get("/v1/sessions/" + id);
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(2, r.bodyAsJsonObject().getLong("version"), "refused batches do not bump the version");
          ctx.completeNow();
        })));
  }
}
