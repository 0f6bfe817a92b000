package io.sessiond.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Creds history reaches PostgreSQL (table creds_history) with write-behind sync, byte for byte, and
 * comes back with the session after Redis is wiped; a rollback after the restore restores the exact
 * bytes written before the wipe.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class CredsHistorySyncApiTest {
  private static String creds(int n) {
    return "{\"z\":" + n + ",\"noiseKey\":{\"type\":\"Buffer\",\"data\":\"AQID\"},\"a\":0.5,\"e\":\"\u00e9\"}";
  }

  private static Future<Void> putCreds(Api api, String id, String text) {
    return api.request(HttpMethod.PUT, "/v1/sessions/" + id + "/creds").putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer(text)).compose(r -> PostgresSyncApiTest.expect(r, 204));
  }

  @Test
  void history_isSyncedToPostgres_andRestoredAfterRedisIsWiped(Vertx vertx, VertxTestContext ctx) {
    TestRedis.Server redis = TestRedis.privateServer();
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    String id = TestDaemon.freshSession();
    String[] before = new String[1];
    PostgresSyncApiTest.daemon(vertx, redis.url(), prefix, pg).compose(first -> {
      Api api = first.api(PostgresSyncApiTest.TENANT);
      return api.create(id, new JsonObject())
          .compose(r -> putCreds(api, id, creds(1)))
          .compose(v -> putCreds(api, id, creds(2)))
          .compose(v -> putCreds(api, id, creds(3)))
          .compose(v -> Poll.until(vertx, 20_000, 50, "PostgreSQL holds the three kept versions",
              () -> vertx.executeBlocking(() -> TestPostgres.query(pg, "SELECT version, creds FROM creds_history"
                  + " WHERE session_id = '" + id + "' ORDER BY version")).map(rows -> rows.equals(List.of(
                      List.of("2", creds(1)), List.of("3", creds(2)), List.of("4", creds(3)))))))
          .compose(v -> api.get("/v1/sessions/" + id + "/creds/history"))
          .compose(h -> {
            before[0] = h.bodyAsJsonObject().getJsonArray("history").encode();
            return first.stop();
          });
    }).compose(v -> vertx.executeBlocking(() -> {
      assertEquals("+OK", redis.command("FLUSHALL"));
      return null;
    })).compose(v -> PostgresSyncApiTest.daemon(vertx, redis.url(), prefix, pg)).compose(second -> {
      Api api = second.api(PostgresSyncApiTest.TENANT);
      return api.get("/v1/sessions/" + id + "/creds/history")
          .compose(h -> {
            ctx.verify(() -> assertEquals(before[0], h.bodyAsJsonObject().getJsonArray("history").encode()));
            return api.post("/v1/sessions/" + id + "/creds/rollback", new JsonObject().put("version", 2));
          })
          .compose(r -> PostgresSyncApiTest.expect(r, 204))
          .compose(v -> api.get("/v1/sessions/" + id + "/creds"))
          .compose(c -> {
            ctx.verify(() -> assertEquals(creds(1), c.bodyAsString()));
            return second.stop();
          });
    }).onComplete(ar -> {
      redis.stop();
      ctx.verify(() -> assertTrue(ar.succeeded(), () -> String.valueOf(ar.cause())));
      ctx.completeNow();
    });
  }
}
