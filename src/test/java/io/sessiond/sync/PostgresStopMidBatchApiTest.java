package io.sessiond.sync;

import static io.sessiond.sync.PostgresSyncApiTest.TENANT;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.sessiond.testing.Api;
import io.sessiond.testing.Poll;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestPostgres;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * PostgreSQL stopped while write-behind batches are in flight (writes go on without pause), then
 * started again: the one instance there is syncs again by itself within seconds, and every
 * acknowledged write reaches PostgreSQL (its sync pool does not stay wedged on the connections the
 * stop broke).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class PostgresStopMidBatchApiTest {
  private static final int SESSIONS = 10;

  @Test
  void postgresStoppedWithBatchesInFlight_thenStarted_theSameInstanceSyncsAgain(Vertx vertx, VertxTestContext ctx) {
    TestPostgres.Server server = TestPostgres.privateServer();
    String pg = TestPostgres.createDatabase(server.url("postgres"));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) {
      ids.add(TestDaemon.freshSession());
    }
    Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    Future<Void> test = PostgresSyncApiTest.daemon(vertx, TestRedis.url(), TestRedis.uniquePrefix(), pg)
        .compose(d -> {
          daemon.set(d);
          Api api = d.api(TENANT);
          List<Future<Void>> created = new ArrayList<>();
          for (String id : ids) {
            created.add(api.create(id, new JsonObject().put("data", new JsonObject().put("n", 0)))
                .compose(r -> PostgresSyncApiTest.expect(r, 201)));
          }
          return Future.all(created).map(v -> {
            for (String id : ids) {
              writeLoop(api, id, writing, acknowledged);
            }
            return null;
          });
        })
        .compose(v -> Poll.until(vertx, 20_000, 20, "writes are being synced",
            () -> PostgresSyncApiTest.pgVersions(vertx, pg).map(m -> m.values().stream().anyMatch(n -> n >= 3))))
        .compose(v -> vertx.executeBlocking(() -> {
          server.stop();
          return null;
        }))
        .compose(v -> vertx.timer(500))
        .compose(v -> vertx.executeBlocking(() -> {
          server.start();
          return null;
        }))
        .compose(v -> vertx.timer(500))
        .compose(v -> {
          writing.set(false);
          Map<String, Long> last = Map.copyOf(acknowledged);
          ctx.verify(() -> org.junit.jupiter.api.Assertions.assertTrue(last.size() == SESSIONS
              && last.values().stream().allMatch(n -> n >= 5), "writes went on: " + last));
          return Poll.until(vertx, 20_000, 100, "every acknowledged write reached PostgreSQL after the restart",
              () -> PostgresSyncApiTest.pgVersions(vertx, pg).map(m -> last.entrySet().stream()
                  .allMatch(e -> m.getOrDefault(e.getKey(), 0L) >= e.getValue())));
        });
    test.onComplete(ar -> {
      writing.set(false);
      Future<Void> stop = daemon.get() == null ? Future.succeededFuture() : daemon.get().stop();
      stop.onComplete(s -> {
        server.stop();
        ctx.verify(() -> assertFalse(ar.failed(), () -> String.valueOf(ar.cause())));
        ctx.completeNow();
      });
    });
  }

  /** PATCHes the session one after the other while {@code writing}, recording each acknowledged version. */
  private static void writeLoop(Api api, String id, AtomicBoolean writing, Map<String, Long> acknowledged) {
    if (!writing.get()) {
      return;
    }
    api.patch("/v1/sessions/" + id, new JsonObject().put("n", System.nanoTime()))
        .onComplete(ar -> {
          if (ar.succeeded() && ar.result().statusCode() == 200) {
            acknowledged.merge(id, Long.parseLong(ar.result().getHeader("ETag").replaceAll("\\D", "")), Math::max);
          }
          writeLoop(api, id, writing, acknowledged);
        });
  }
}
