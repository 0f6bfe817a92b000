package io.sessiond.http;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.Poll;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A session's rolling message window over HTTP: append one or many, seqs, ids and times, paging, trimming, activity. */
@ExtendWith(VertxExtension.class)
class MessagesApiTest {
  private static final int WINDOW = 5;
  private static final String TENANT = TestDaemon.freshTenant();
  @RegisterExtension
  static final DaemonExtension daemon = DaemonExtension.of(TestDaemon.builder().tenant(TENANT)
      .set("MAX_MESSAGES_PER_SESSION", WINDOW));

  private static Api api() {
    return daemon.api(TENANT);
  }

  private static JsonObject message(int n) {
    return new JsonObject().put("role", n % 2 == 0 ? "user" : "assistant").put("content", "m" + n);
  }

  private static Future<HttpResponse<Buffer>> append(String id, Object body) {
    return api().post("/v1/sessions/" + id + "/messages", body);
  }

  private static Future<JsonObject> page(String id, String query) {
    return api().get("/v1/sessions/" + id + "/messages" + query).map(r -> {
      assertEquals(200, r.statusCode(), r.bodyAsString());
      return r.bodyAsJsonObject();
    });
  }

  private static List<Long> seqs(JsonObject page) {
    List<Long> out = new ArrayList<>();
    page.getJsonArray("messages").forEach(m -> out.add(((JsonObject) m).getLong("seq")));
    return out;
  }

  private static List<Long> range(long from, long to) {
    List<Long> out = new ArrayList<>();
    for (long s = from; from <= to ? s <= to : s >= to; s += from <= to ? 1 : -1) {
      out.add(s);
    }
    return out;
  }

  @Test
  void appendOne_assignsIdTimestampAndSeq(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    long before = System.currentTimeMillis();
    JsonObject content = new JsonObject().put("text", "hi").put("parts", new JsonArray().add(1).add("two"));
    api().create(id, new JsonObject())
        .compose(r -> append(id, new JsonObject().put("role", "user").put("content", content)
            .put("userId", "123@s.whatsapp.net").put("metadata", new JsonObject().put("k", "v"))))
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(201, r.statusCode(), r.bodyAsString());
            assertEquals(new JsonObject().put("version", 2).put("firstSeq", 1).put("lastSeq", 1).put("messageCount", 1),
                r.bodyAsJsonObject());
            assertEquals("\"2\"", r.getHeader("ETag"));
          });
          return page(id, "");
        })
        .onComplete(ctx.succeeding(p -> ctx.verify(() -> {
          JsonArray messages = p.getJsonArray("messages");
          assertEquals(1, messages.size());
          JsonObject m = messages.getJsonObject(0);
          assertEquals(1, m.getLong("seq"));
          UUID.fromString(m.getString("id"));
          assertEquals("user", m.getString("role"));
          assertEquals(content, m.getJsonObject("content"));
          assertEquals("123@s.whatsapp.net", m.getString("userId"));
          assertEquals(new JsonObject().put("k", "v"), m.getJsonObject("metadata"));
          long ts = Instant.parse(m.getString("timestamp")).toEpochMilli();
          assertTrue(ts >= before - 5 && ts <= System.currentTimeMillis() + 5, "server time: " + m);
          assertTrue(m.getString("timestamp").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
          assertNull(p.getValue("nextBefore"));
          ctx.completeNow();
        })));
  }

  @Test
  void appendBatch_keepsOrder_seqsIncrease_andClientIdsAndTimesAreKept(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    JsonArray batch = new JsonArray()
        .add(new JsonObject().put("id", "wamid.ABC").put("role", "user").put("content", "iso")
            .put("timestamp", "2024-01-02T03:04:05Z"))
        .add(new JsonObject().put("id", "wamid.DEF").put("role", "assistant").put("content", "epoch")
            .put("timestamp", 1700000000123L))
        .add(new JsonObject().put("role", "user").put("content", "server"));
    api().create(id, new JsonObject())
        .compose(r -> append(id, batch))
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(201, r.statusCode(), r.bodyAsString());
            assertEquals(1, r.bodyAsJsonObject().getLong("firstSeq"));
            assertEquals(3, r.bodyAsJsonObject().getLong("lastSeq"));
          });
          return append(id, message(4));
        })
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(4, r.bodyAsJsonObject().getLong("firstSeq"));
            assertEquals(4, r.bodyAsJsonObject().getLong("lastSeq"));
            assertEquals(4, r.bodyAsJsonObject().getLong("messageCount"));
          });
          return page(id, "?order=asc");
        })
        .onComplete(ctx.succeeding(p -> ctx.verify(() -> {
          JsonArray m = p.getJsonArray("messages");
          assertEquals(range(1, 4), seqs(p));
          assertEquals("wamid.ABC", m.getJsonObject(0).getString("id"));
          assertEquals("2024-01-02T03:04:05.000Z", m.getJsonObject(0).getString("timestamp"));
          assertEquals("wamid.DEF", m.getJsonObject(1).getString("id"));
          assertEquals("2023-11-14T22:13:20.123Z", m.getJsonObject(1).getString("timestamp"));
          assertEquals("server", m.getJsonObject(2).getString("content"));
          assertEquals("m4", m.getJsonObject(3).getString("content"));
          ctx.completeNow();
        })));
  }

  @Test
  void rollingWindow_keepsOnlyTheNewest(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    JsonArray firstSeven = new JsonArray();
    for (int i = 1; i <= 7; i++) {
      firstSeven.add(message(i));
    }
    Future<?> chain = api().create(id, new JsonObject()).compose(r -> append(id, firstSeven));
    for (int i = 8; i <= 12; i++) {
      int n = i;
      chain = chain.compose(r -> append(id, message(n)));
    }
    chain.compose(r -> {
          ctx.verify(() -> {
            JsonObject last = ((HttpResponse<?>) r).bodyAsJsonObject();
            assertEquals(12, last.getLong("lastSeq"));
            assertEquals(WINDOW, last.getLong("messageCount"));
          });
          return page(id, "?limit=100");
        })
        .compose(p -> {
          ctx.verify(() -> {
            assertEquals(range(12, 8), seqs(p));
            assertEquals("m12", p.getJsonArray("messages").getJsonObject(0).getString("content"));
            assertNull(p.getValue("nextBefore"));
          });
          return api().get("/v1/sessions/" + id + "/status");
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(WINDOW, r.bodyAsJsonObject().getInteger("messageCount"));
          ctx.completeNow();
        })));
  }

  @Test
  void batchLargerThanWindow_keepsItsNewest(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    JsonArray twelve = new JsonArray();
    for (int i = 1; i <= 12; i++) {
      twelve.add(message(i));
    }
    api().create(id, new JsonObject())
        .compose(r -> append(id, twelve))
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(1, r.bodyAsJsonObject().getLong("firstSeq"));
            assertEquals(12, r.bodyAsJsonObject().getLong("lastSeq"));
            assertEquals(WINDOW, r.bodyAsJsonObject().getLong("messageCount"));
          });
          return page(id, "?order=asc");
        })
        .onComplete(ctx.succeeding(p -> ctx.verify(() -> {
          assertEquals(range(8, 12), seqs(p));
          ctx.completeNow();
        })));
  }

  @Test
  void read_pagesNewestFirst_withBeforeCursor_andAscending(Vertx vertx, VertxTestContext ctx) {
    // The paging daemon needs a window larger than the pages it walks through.
    String pagingTenant = TestDaemon.freshTenant();
    String id = TestDaemon.freshSession();
    JsonArray all = new JsonArray();
    for (int i = 1; i <= 23; i++) {
      all.add(message(i));
    }
    TestDaemon.builder().tenant(pagingTenant).start(vertx).compose(d -> {
      Api a = d.api(pagingTenant);
      List<List<Long>> pages = new ArrayList<>();
      return a.create(id, new JsonObject())
          .compose(r -> a.post("/v1/sessions/" + id + "/messages", all))
          .compose(r -> walk(a, id, "", pages))
          .compose(v -> {
            ctx.verify(() -> assertEquals(List.of(range(23, 19), range(18, 14), range(13, 9), range(8, 4), range(3, 1)),
                pages));
            return a.get("/v1/sessions/" + id + "/messages?order=asc&limit=5");
          })
          .compose(r -> {
            JsonObject p = r.bodyAsJsonObject();
            ctx.verify(() -> {
              assertEquals(range(19, 23), seqs(p), "ascending pages hold the newest messages, oldest first");
              assertEquals(19, p.getLong("nextBefore"));
            });
            return a.get("/v1/sessions/" + id + "/messages?order=asc&limit=5&before=19");
          })
          .compose(r -> {
            ctx.verify(() -> assertEquals(range(14, 18), seqs(r.bodyAsJsonObject())));
            return a.get("/v1/sessions/" + id + "/messages?order=asc&limit=1000");
          })
          .compose(r -> {
            ctx.verify(() -> {
              assertEquals(range(1, 23), seqs(r.bodyAsJsonObject()));
              assertNull(r.bodyAsJsonObject().getValue("nextBefore"));
            });
            return a.get("/v1/sessions/" + id + "/messages?limit=5&before=4");
          })
          .compose(r -> {
            ctx.verify(() -> {
              assertEquals(range(3, 1), seqs(r.bodyAsJsonObject()));
              assertNull(r.bodyAsJsonObject().getValue("nextBefore"));
            });
            return d.stop();
          });
    }).onComplete(ctx.succeeding(v -> ctx.completeNow()));
  }

  /** Follows {@code nextBefore} from the newest page to the oldest, collecting each page's seqs. */
  private static Future<Void> walk(Api a, String id, String query, List<List<Long>> pages) {
    return a.get("/v1/sessions/" + id + "/messages?limit=5" + query).compose(r -> {
      JsonObject p = r.bodyAsJsonObject();
      pages.add(seqs(p));
      Long next = p.getLong("nextBefore");
      if (next == null || pages.size() > 10) {
        return Future.succeededFuture();
      }
      return walk(a, id, "&before=" + next, pages);
    });
  }

  @Test
  void append_countsAsActivity_movingExpiryAndBumpingVersion(Vertx vertx, VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    api().create(id, new JsonObject().put("ttlSeconds", 100))
        .compose(created -> Poll.clockPasses(vertx, Instant.parse(created.bodyAsJsonObject().getString("lastActivityAt")))
            .compose(v -> append(id, message(1)))
            .compose(r -> api().get("/v1/sessions/" + id))
            .map(r -> {
              ctx.verify(() -> {
                JsonObject before = created.bodyAsJsonObject();
                JsonObject after = r.bodyAsJsonObject();
                assertEquals(2, after.getLong("version"));
                Instant was = Instant.parse(before.getString("expiresAt"));
                Instant now = Instant.parse(after.getString("expiresAt"));
                assertTrue(now.isAfter(was), "expiry moved forward: " + was + " → " + now);
                assertEquals(Duration.ofSeconds(100),
                    Duration.between(Instant.parse(after.getString("lastActivityAt")), now));
              });
              return r;
            }))
        .onComplete(ctx.succeeding(r -> ctx.completeNow()));
  }

  @Test
  void append_onMissingSession_is404_andStaleIfMatchIs412(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    append(id, message(1))
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 404));
          return api().get("/v1/sessions/" + id);
        })
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 404));
          return api().create(id, new JsonObject());
        })
        .compose(r -> api().request(HttpMethod.POST, "/v1/sessions/" + id + "/messages")
            .putHeader("Content-Type", "application/json").putHeader("If-Match", "\"9\"")
            .sendBuffer(Buffer.buffer(message(1).encode())))
        .compose(r -> {
          ctx.verify(() -> assertProblem(r, 412));
          return page(id, "");
        })
        .onComplete(ctx.succeeding(p -> ctx.verify(() -> {
          assertEquals(0, p.getJsonArray("messages").size());
          ctx.completeNow();
        })));
  }
}
