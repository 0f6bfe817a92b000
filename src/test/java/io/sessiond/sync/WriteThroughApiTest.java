package io.sessiond.sync;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestPostgres;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code SYNC_MODE=write-through} on real daemons, Redis and PostgreSQL: an acknowledged write is in
 * PostgreSQL when the reply arrives; with PostgreSQL down a write fails with 503 and Redis keeps the
 * state it had before (a refused deletion keeps the session's blobs and version too).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class WriteThroughApiTest {
  private static final byte[] BLOB = "a blob of the session".getBytes(StandardCharsets.UTF_8);

  @Test
  void acknowledgedWrites_areInPostgresAtReplyTime_andFailedOnes_leaveRedisAsItWas(Vertx vertx, VertxTestContext ctx) {
    TestPostgres.Server server = TestPostgres.privateServer();
    String pg = TestPostgres.createDatabase(server.url("postgres"));
    String id = TestDaemon.freshSession();
    String fresh = TestDaemon.freshSession();
    String gone = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    AtomicReference<String> etag = new AtomicReference<>();
    PostgresSyncApiTest.daemon(vertx, TestRedis.url(), TestRedis.uniquePrefix(), pg, "SYNC_MODE", "write-through",
        "SESSION_SYNC_INTERVAL_MS", "3600000").compose(d -> {
      daemon.set(d);
      Api api = d.api(PostgresSyncApiTest.TENANT);
      return api.create(id, new JsonObject().put("data", new JsonObject().put("v", "one")))
          .compose(r -> row(vertx, pg, id))
          .compose(row -> {
            ctx.verify(() -> assertEquals(List.of("1", "{\"v\":\"one\"}"), row));
            return api.post(path + "/keys", new JsonObject().put("pre-key", new JsonObject().put("1", "a")));
          })
          .compose(r -> vertx.executeBlocking(() -> TestPostgres.query(pg, "SELECT value FROM keys")))
          .compose(keys -> {
            ctx.verify(() -> assertEquals(List.of(List.of("\"a\"")), keys));
            return api.request(HttpMethod.PUT, path + "/blobs/b.bin").putHeader("Content-Type", "application/octet-stream")
                .sendBuffer(Buffer.buffer(BLOB));
          })
          .compose(r -> {
            ctx.verify(() -> assertEquals(201, r.statusCode(), r.bodyAsString()));
            return api.create(gone, new JsonObject());
          })
          .compose(r -> row(vertx, pg, gone))
          .compose(row -> {
            ctx.verify(() -> assertEquals(2, row.size()));
            return api.delete("/v1/sessions/" + gone);
          })
          .compose(r -> {
            ctx.verify(() -> assertEquals(204, r.statusCode(), r.bodyAsString()));
            return row(vertx, pg, gone);
          })
          .compose(row -> {
            ctx.verify(() -> assertEquals(List.of(), row, "an acknowledged deletion is in PostgreSQL at reply time"));
            return vertx.executeBlocking(() -> {
              server.stop();
              return null;
            });
          })
          .compose(v -> api.put(path, new JsonObject().put("data", new JsonObject().put("v", "two"))))
          .compose(r -> {
            ctx.verify(() -> assertProblem(r, 503));
            return api.post(path + "/keys", new JsonObject().put("pre-key", new JsonObject().put("1", null).put("2", "b")));
          })
          .compose(r -> {
            ctx.verify(() -> assertProblem(r, 503));
            return api.put("/v1/sessions/" + fresh, new JsonObject());
          })
          .compose(r -> {
            ctx.verify(() -> assertProblem(r, 503));
            return api.get(path);
          })
          .compose(r -> {
            etag.set(r.getHeader("ETag"));
            return api.delete(path);
          })
          .compose(r -> {
            ctx.verify(() -> assertProblem(r, 503));
            return api.get(path);
          })
          .compose(r -> {
            ctx.verify(() -> {
              assertEquals(200, r.statusCode(), r.bodyAsString());
              assertEquals("one", r.bodyAsJsonObject().getJsonObject("data").getString("v"));
              // A refused deletion changes nothing in Redis, not even the version.
              assertEquals(etag.get(), r.getHeader("ETag"));
            });
            return api.get(path + "/blobs/b.bin");
          })
          .compose(r -> {
            ctx.verify(() -> {
              assertEquals(200, r.statusCode(), r.bodyAsString());
              assertArrayEquals(BLOB, r.bodyAsBuffer().getBytes());
            });
            return api.post(path + "/keys/query", new JsonObject().put("type", "pre-key").put("ids", List.of("1", "2")));
          })
          .compose(r -> {
            ctx.verify(() -> assertEquals(new JsonObject().put("1", "a"), r.bodyAsJsonObject()));
            return api.get("/v1/sessions/" + fresh);
          })
          .map(r -> {
            ctx.verify(() -> assertEquals(404, r.statusCode()));
            return null;
          });
    }).onComplete(ar -> {
      Future<Void> stop = daemon.get() == null ? Future.succeededFuture() : daemon.get().stop();
      stop.onComplete(s -> {
        server.stop();
        ctx.verify(() -> assertTrue(ar.succeeded(), () -> String.valueOf(ar.cause())));
        ctx.completeNow();
      });
    });
  }

  @Test
  void deleteByPrefix_deletesEachSessionFromPostgresToo_beforeItAnswers(Vertx vertx, VertxTestContext ctx) {
    TestPostgres.Server server = TestPostgres.privateServer();
    String pg = TestPostgres.createDatabase(server.url("postgres"));
    String prefix = TestDaemon.freshSession() + ".";
    List<String> ids = List.of(prefix + "1", prefix + "2", prefix + "3");
    String kept = prefix.substring(0, prefix.length() - 1);
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    PostgresSyncApiTest.daemon(vertx, TestRedis.url(), TestRedis.uniquePrefix(), pg, "SYNC_MODE", "write-through",
        "SESSION_SYNC_INTERVAL_MS", "3600000").compose(d -> {
      daemon.set(d);
      Api api = d.api(PostgresSyncApiTest.TENANT);
      Future<?> creates = api.create(kept, new JsonObject());
      for (String id : ids) {
        creates = creates.compose(r -> api.create(id, new JsonObject()));
      }
      return creates
          .compose(r -> PostgresSyncApiTest.pgVersions(vertx, pg))
          .compose(versions -> {
            ctx.verify(() -> assertEquals(4, versions.size(), versions.toString()));
            return api.delete("/v1/sessions?prefix=" + prefix);
          })
          .compose(r -> {
            ctx.verify(() -> assertEquals(new JsonObject().put("deleted", 3).put("more", false), r.bodyAsJsonObject()));
            return PostgresSyncApiTest.pgVersions(vertx, pg);
          })
          .map(versions -> {
            ctx.verify(() -> assertEquals(java.util.Set.of(kept), versions.keySet(), "deletions are in PostgreSQL at reply time"));
            return null;
          });
    }).onComplete(ar -> {
      Future<Void> stop = daemon.get() == null ? Future.succeededFuture() : daemon.get().stop();
      stop.onComplete(s -> {
        server.stop();
        ctx.verify(() -> assertTrue(ar.succeeded(), () -> String.valueOf(ar.cause())));
        ctx.completeNow();
      });
    });
  }

  private static Future<List<String>> row(Vertx vertx, String pg, String id) {
    return vertx.executeBlocking(() -> {
      List<List<String>> rows = TestPostgres.query(pg, "SELECT version, data FROM sessions WHERE id = '" + id + "'");
      return rows.isEmpty() ? List.of() : rows.get(0);
    });
  }
}
