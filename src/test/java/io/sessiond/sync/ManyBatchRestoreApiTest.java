package io.sessiond.sync;

import io.sessiond.testing.Poll;
import io.sessiond.testing.TestPostgres;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A start-up restore of thousands of cursor batches ends and the daemon turns ready: a restore that
 * chained one future per batch overflowed the event loop's stack when the last batch completed them
 * all at once (seen at a million sessions in batches of 200), and readiness stayed false for ever.
 * Here batches of one session, of sessions without keys or messages (inserted with SQL), make as
 * many batches as a million sessions would at the default batch size.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class ManyBatchRestoreApiTest {
  private static final int SESSIONS = 6_000;

  @Test
  void aRestoreOfThousandsOfBatches_ends_andTheDaemonTurnsReady(Vertx vertx, VertxTestContext ctx) {
    TestRedis.Server redis = TestRedis.privateServer();
    String pg = TestPostgres.newDatabase();
    PostgresSyncApiTest.daemon(vertx, redis.url(), TestRedis.uniquePrefix(), pg)
        .compose(first -> first.stop())
        .compose(v -> vertx.executeBlocking(() -> {
          TestPostgres.update(pg, "INSERT INTO tenants (id) VALUES ('" + PostgresSyncApiTest.TENANT
              + "') ON CONFLICT DO NOTHING");
          TestPostgres.update(pg, "INSERT INTO sessions (tenant, id, state, data, creds, version, created_at,"
              + " updated_at, activity_at, ttl_seconds, expires_at) SELECT '" + PostgresSyncApiTest.TENANT
              + "', 'm-' || g, 'connected', '{}', NULL, 1, 1000, 1000, 1000, 0, 0 FROM generate_series(1, "
              + SESSIONS + ") g");
          return null;
        }))
        .compose(v -> PostgresSyncApiTest.daemon(vertx, redis.url(), TestRedis.uniquePrefix(), pg,
            "RESTORE_BATCH_SIZE", "1", "SESSION_SYNC_INTERVAL_MS", "3600000"))
        .compose(d -> Poll.until(vertx, 90_000, 100, "the daemon is ready after restoring " + SESSIONS + " sessions",
                () -> d.api(PostgresSyncApiTest.TENANT).get("/health/ready").map(r -> r.statusCode() == 200))
            .compose(v -> d.api(PostgresSyncApiTest.TENANT).get("/v1/sessions/m-" + SESSIONS))
            .map(r -> {
              ctx.verify(() -> org.junit.jupiter.api.Assertions.assertEquals(200, r.statusCode(), r.bodyAsString()));
              return null;
            })
            .eventually(() -> d.stop()))
        .eventually(() -> {
          redis.stop();
          return Future.succeededFuture();
        })
        .onComplete(ctx.succeedingThenComplete());
  }
}
