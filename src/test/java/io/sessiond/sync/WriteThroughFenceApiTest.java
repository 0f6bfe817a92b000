package io.sessiond.sync;

import static io.sessiond.sync.PostgresSyncApiTest.TENANT;
import static io.sessiond.sync.PostgresSyncApiTest.expect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.sessiond.testing.Api;
import io.sessiond.testing.Poll;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestPostgres;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A write-through write whose after-image was read from Redis before Redis lost its data, and whose
 * PostgreSQL commit is still waiting when the refill starts, is never committed behind the refill's
 * back: the refill's restore reads PostgreSQL only after that commit (or the commit is refused), so the
 * acknowledged write is what Redis serves after the refill. The commit is held back by holding the
 * session's PostgreSQL lock (the one every sync transaction takes) from the test; a real daemon, a
 * private redis-server, a real PostgreSQL.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class WriteThroughFenceApiTest {

  @Test
  void writeThroughInFlightAcrossAWipe_isInRedisAfterTheRefill(Vertx vertx, VertxTestContext ctx) {
    TestRedis.Server redis = TestRedis.privateServer();
    String pg = TestPostgres.newDatabase();
    String id = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    AtomicReference<Connection> holder = new AtomicReference<>();
    AtomicReference<Future<HttpResponse<Buffer>>> put = new AtomicReference<>();
    Future<Void> test = PostgresSyncApiTest.daemon(vertx, redis.url(), TestRedis.uniquePrefix(), pg,
            // The change feed (which carries write-through's changes too, for blobs) is read once an hour:
            // only the write-through's own commit can hold the refill back.
            "SYNC_MODE", "write-through", "REFILL_CHECK_MS", "100", "REQUEST_TIMEOUT_MS", "30000",
            "SESSION_SYNC_INTERVAL_MS", "3600000")
        .compose(d -> {
          daemon.set(d);
          return d.api(TENANT).create(id, new JsonObject().put("data", new JsonObject().put("n", 1)).put("ttlSeconds", 3600));
        })
        .compose(r -> expect(r, 201))
        // The session's lock is held: the next write-through commit waits for it, its after-image read.
        .compose(v -> vertx.executeBlocking(() -> {
          Connection c = connect(pg);
          c.setAutoCommit(false);
          try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(" + SessionLocks.key(TENANT, id) + ")");
          }
          holder.set(c);
          return null;
        }))
        .compose(v -> {
          Api api = daemon.get().api(TENANT);
          put.set(api.request(HttpMethod.PUT, path).putHeader("Content-Type", "application/json")
              .sendBuffer(new JsonObject().put("data", new JsonObject().put("n", 2)).toBuffer()));
          return Poll.until(vertx, 20_000, 20, "the write-through commit waits for the session's lock",
              () -> put.get().isComplete() ? Future.failedFuture("the write was answered without waiting: "
                  + (put.get().succeeded() ? put.get().result().statusCode() + " " + put.get().result().bodyAsString()
                  : put.get().cause())) : vertx.executeBlocking(() -> TestPostgres.query(pg, "SELECT count(*) FROM pg_locks"
                  + " WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database"
                  + " WHERE datname = current_database())").get(0).get(0).equals("1")));
        })
        .compose(v -> vertx.executeBlocking(() -> redis.command("FLUSHALL")))
        .compose(v -> Poll.until(vertx, 20_000, 20, "the daemon notices the wipe",
            () -> PostgresSyncApiTest.status(daemon.get()).map(SyncStatus::refilling)))
        // Either the refill is done (nothing held it back) or its restore waits for the commit.
        .compose(v -> Poll.until(vertx, 30_000, 20, "the refill ends or waits for the write-through commit",
            () -> PostgresSyncApiTest.status(daemon.get()).compose(s -> !s.refilling() ? Future.succeededFuture(true)
                : vertx.executeBlocking(() -> TestPostgres.query(pg, "SELECT count(*) FROM pg_stat_activity"
                    + " WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE sync_epoch%'").get(0).get(0).equals("1")))))
        .compose(v -> vertx.executeBlocking(() -> {
          holder.get().commit();
          return null;
        }))
        .compose(v -> put.get())
        .compose(r -> {
          ctx.verify(() -> assertEquals(200, r.statusCode(), r::bodyAsString));
          return Poll.until(vertx, 30_000, 50, "the refill ends",
              () -> PostgresSyncApiTest.status(daemon.get()).map(s -> !s.refilling()));
        })
        .compose(v -> daemon.get().api(TENANT).get(path))
        .compose(r -> vertx.executeBlocking(() -> TestPostgres.query(pg, "SELECT version, data FROM sessions"
            + " WHERE tenant = '" + TENANT + "' AND id = '" + id + "'")).compose(row -> {
          ctx.verify(() -> {
            assertEquals(200, r.statusCode(), r::bodyAsString);
            JsonObject served = r.bodyAsJsonObject();
            assertEquals(new JsonObject().put("n", 2), served.getJsonObject("data"),
                "the acknowledged write is what Redis serves after the refill");
            assertEquals(1, row.size());
            assertEquals(Long.toString(served.getLong("version")), row.get(0).get(0), "PostgreSQL's version");
            assertEquals(new JsonObject().put("n", 2), new JsonObject(row.get(0).get(1)), "PostgreSQL's data");
          });
          return Future.<Void>succeededFuture();
        }));
    test.onComplete(ar -> {
      try {
        if (holder.get() != null) {
          holder.get().close();
        }
      } catch (SQLException e) {
        // closing ends the transaction all the same
      }
      Future<Void> stop = daemon.get() == null ? Future.succeededFuture() : daemon.get().stop();
      stop.onComplete(s -> {
        redis.stop();
        ctx.verify(() -> assertFalse(ar.failed(), () -> String.valueOf(ar.cause())));
        ctx.completeNow();
      });
    });
  }

  private static Connection connect(String url) throws SQLException {
    URI u = URI.create(url);
    String info = u.getUserInfo();
    String user = info == null ? "postgres" : info.split(":", 2)[0];
    String password = info == null || !info.contains(":") ? "" : info.split(":", 2)[1];
    return DriverManager.getConnection("jdbc:postgresql://" + u.getHost() + ":" + (u.getPort() < 0 ? 5432 : u.getPort())
        + u.getPath(), user, password);
  }
}
