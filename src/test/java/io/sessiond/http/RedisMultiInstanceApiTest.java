package io.sessiond.http;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.DaemonExtension;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two real daemons on one Redis, as two replicas behind a load balancer: what one writes the other
 * serves, concurrent key batches through both lose nothing, and If-Match picks exactly one winner.
 */
@ExtendWith(VertxExtension.class)
class RedisMultiInstanceApiTest {
  private static final String TENANT = TestDaemon.freshTenant();
  private static final String KEY = "test-" + UUID.randomUUID();
  private static final String PREFIX = TestRedis.uniquePrefix();
  @RegisterExtension
  static final DaemonExtension first = DaemonExtension.of(replica());
  @RegisterExtension
  static final DaemonExtension second = DaemonExtension.of(replica());

  /** A daemon on the test Redis with the class's prefix: both replicas share every key. */
  private static TestDaemon.Builder replica() {
    TestDaemon.Builder builder = TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_PREFIX", PREFIX);
    TestRedis.settings().forEach(builder::set);
    return builder.tenantWithKeys(TENANT, KEY);
  }

  private static Api one() {
    return first.api(TENANT);
  }

  private static Api two() {
    return second.api(TENANT);
  }

  @Test
  void writesThroughOneInstance_areServedByTheOther(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    one().create(id, new JsonObject().put("data", new JsonObject().put("b", 1).put("a", 2)))
        .compose(r -> two().post(path + "/keys", new JsonObject().put("pre-key", new JsonObject().put("1", "x"))))
        .compose(r -> two().post(path + "/messages", new JsonObject().put("role", "user").put("content", "hi")))
        .compose(r -> one().get(path))
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(200, r.statusCode());
            assertEquals("{\"b\":1,\"a\":2}", r.bodyAsJsonObject().getJsonObject("data").encode());
            assertEquals("\"3\"", r.getHeader("ETag"));
          });
          return one().get(path + "/status");
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          JsonObject status = r.bodyAsJsonObject();
          assertEquals(1, status.getJsonObject("keyCounts").getInteger("pre-key"));
          assertEquals(1, status.getInteger("messageCount"));
          ctx.completeNow();
        })));
  }

  @Test
  void twoInstancesTimesSixteenClients_writingDisjointKeysInConcurrentBatches_loseNoKey(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    int clients = 16;
    int batches = 4;
    int keysPerBatch = 25;
    one().create(id, new JsonObject()).compose(r -> {
      List<Future<Void>> writers = new ArrayList<>();
      for (int c = 0; c < clients * 2; c++) {
        writers.add(writeBatches(c % 2 == 0 ? one() : two(), id, c, 0, batches, keysPerBatch));
      }
      return Future.all(writers);
    }).compose(all -> two().get("/v1/sessions/" + id + "/status")).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      JsonObject status = r.bodyAsJsonObject();
      assertEquals(clients * 2 * batches * keysPerBatch, status.getJsonObject("keyCounts").getInteger("pre-key"));
      assertEquals(1 + clients * 2 * batches, status.getLong("version"));
      ctx.completeNow();
    })));
  }

  private static Future<Void> writeBatches(Api api, String id, int client, int batch, int batches, int keysPerBatch) {
    if (batch == batches) {
      return Future.succeededFuture();
    }
    JsonObject keys = new JsonObject();
    for (int k = 0; k < keysPerBatch; k++) {
      keys.put(client + "-" + batch + "-" + k, new JsonObject().put("type", "Buffer").put("data", "AAEC"));
    }
    return api.post("/v1/sessions/" + id + "/keys", new JsonObject().put("pre-key", keys)).compose(r -> r.statusCode() == 204
        ? writeBatches(api, id, client, batch + 1, batches, keysPerBatch)
        : Future.failedFuture("key batch answered " + r.statusCode() + ": " + r.bodyAsString()));
  }

  @Test
  void concurrentIfMatchWriters_throughBothInstances_exactlyOneWinsPerVersion(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    one().create(id, new JsonObject()).compose(r -> race(id, 1, 8)).onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Void> race(String id, long version, int rounds) {
    if (rounds == 0) {
      return Future.succeededFuture();
    }
    List<Future<HttpResponse<Buffer>>> writers = new ArrayList<>();
    for (int w = 0; w < 8; w++) {
      Api api = w % 2 == 0 ? one() : two();
      writers.add(api.request(io.vertx.core.http.HttpMethod.POST, "/v1/sessions/" + id + "/keys")
          .putHeader("Content-Type", "application/json").putHeader("If-Match", "\"" + version + "\"")
          .sendBuffer(Buffer.buffer(new JsonObject().put("k", new JsonObject().put("w" + w, 1)).encode())));
    }
    return Future.all(writers).compose(all -> {
      int won = 0;
      for (Future<HttpResponse<Buffer>> w : writers) {
        int status = w.result().statusCode();
        if (status == 204) {
          won++;
        } else if (status != 412) {
          return Future.failedFuture("a writer got " + status + ": " + w.result().bodyAsString());
        }
      }
      if (won != 1) {
        return Future.failedFuture(won + " writers won version " + version);
      }
      return race(id, version + 1, rounds - 1);
    });
  }

  @Test
  void listingThroughEitherInstance_seesSessionsCreatedThroughBoth(VertxTestContext ctx) {
    List<Future<HttpResponse<Buffer>>> creates = new ArrayList<>();
    String stem = "list-" + UUID.randomUUID().toString().substring(0, 6) + "-";
    for (int i = 0; i < 6; i++) {
      creates.add((i % 2 == 0 ? one() : two()).create(stem + i, new JsonObject()));
    }
    Future.all(creates).compose(all -> one().get("/v1/sessions?limit=1000")).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      JsonArray sessions = r.bodyAsJsonObject().getJsonArray("sessions");
      long mine = sessions.stream().map(s -> ((JsonObject) s).getString("id")).filter(s -> s.startsWith(stem)).count();
      assertEquals(6, mine);
      assertTrue(sessions.size() >= 6);
      ctx.completeNow();
    })));
  }

  @Test
  void redisDown_answers503ProblemQuickly_andTheDaemonRecoversByItself(Vertx vertx, VertxTestContext ctx) {
    TestRedis.Server server = TestRedis.privateServer();
    String id = TestDaemon.freshSession();
    TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_URL", server.url())
        .set("REDIS_RECONNECT_MAX_BACKOFF_MS", 200).tenantWithKeys(TENANT, KEY).start(vertx)
        .compose(d -> d.api(TENANT).create(id, new JsonObject()).compose(r -> {
          server.stop();
          long start = System.currentTimeMillis();
          return d.api(TENANT).get("/v1/sessions/" + id).map(resp -> {
            ctx.verify(() -> {
              assertProblem(resp, 503);
              assertTrue(System.currentTimeMillis() - start < 2000);
            });
            return resp;
          });
        }).compose(r -> {
          server.start();
          return recovered(vertx, d.api(TENANT), id, System.currentTimeMillis() + 10_000);
        }).eventually(d::stop))
        .onComplete(ar -> {
          server.stop();
          if (ar.failed()) {
            ctx.failNow(ar.cause());
          } else {
            ctx.completeNow();
          }
        });
  }

  /** The restarted Redis is empty, so a recovered daemon answers a PUT with 201. */
  private static Future<Void> recovered(Vertx vertx, Api api, String id, long deadline) {
    return api.put("/v1/sessions/" + id, new JsonObject()).compose(r -> {
      if (r.statusCode() == 201) {
        return Future.succeededFuture();
      }
      if (System.currentTimeMillis() > deadline) {
        return Future.failedFuture("still " + r.statusCode() + " after Redis came back");
      }
      return vertx.timer(50).compose(t -> recovered(vertx, api, id, deadline));
    });
  }
}
