package io.sessiond.sync;

import static io.sessiond.sync.PostgresSyncApiTest.TENANT;
import static io.sessiond.sync.PostgresSyncApiTest.expect;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Blobs come back with their sessions when Redis is wiped under two running daemons (write-behind, a
 * private redis-server, a real PostgreSQL): the blobs of sessions restored on demand (the refill has
 * not reached them: its lock is held by an instance that "died"), asked from both daemons at once so
 * that each daemon restores the same session at the same time, are served byte for byte at the
 * version PostgreSQL holds; and once the refill has run, the blobs of a session nobody asked for
 * meanwhile are in Redis, byte for byte, at the version PostgreSQL holds.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class BlobRefillApiTest {
  /** Three 512 KiB chunks, the last one short. */
  private static final int BIG = 1_258_291;

  /** Sessions whose blobs are first asked for from both daemons at once. */
  private static final int ON_DEMAND = 3;

  @Test
  void redisWiped_blobsAreServedOnDemandByTwoDaemonsAtOnce_andRestoredByTheRefill(Vertx vertx, VertxTestContext ctx) {
    TestRedis.Server redis = TestRedis.privateServer();
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    String epoch = "test-epoch-" + UUID.randomUUID();
    List<String> onDemand = new ArrayList<>();
    for (int i = 0; i < ON_DEMAND; i++) {
      onDemand.add(TestDaemon.freshSession());
    }
    String byRefill = TestDaemon.freshSession();
    List<String> all = new ArrayList<>(onDemand);
    all.add(byRefill);
    Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    Map<String, String> etags = new ConcurrentHashMap<>();
    Map<String, Long> versions = new ConcurrentHashMap<>();
    Random random = new Random(16);
    for (String id : all) {
      byte[] big = new byte[BIG];
      random.nextBytes(big);
      byte[] small = new byte[777];
      random.nextBytes(small);
      blobs.put(id + "/RemoteAuth.zip", big);
      blobs.put(id + "/small.bin", small);
    }
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    AtomicReference<TestDaemon> other = new AtomicReference<>();
    Future<Void> test = PostgresSyncApiTest.daemon(vertx, redis.url(), prefix, pg, "REFILL_CHECK_MS", "100")
        .compose(d -> {
          daemon.set(d);
          return PostgresSyncApiTest.daemon(vertx, redis.url(), prefix, pg, "REFILL_CHECK_MS", "100");
        })
        .compose(d -> {
          other.set(d);
          Api api = daemon.get().api(TENANT);
          Future<Void> writes = Future.succeededFuture();
          for (String id : all) {
            writes = writes.compose(v -> api.create(id, new JsonObject().put("data", new JsonObject().put("id", id))
                    .put("ttlSeconds", 3600)))
                .compose(r -> expect(r, 201))
                .compose(v -> upload(api, id, "RemoteAuth.zip", blobs))
                .compose(v -> upload(api, id, "small.bin", blobs))
                .compose(v -> api.get("/v1/sessions/" + id))
                .map(r -> {
                  versions.put(id, r.bodyAsJsonObject().getLong("version"));
                  etags.put(id, r.getHeader("ETag"));
                  return null;
                });
          }
          return writes;
        })
        .compose(v -> Poll.until(vertx, 30_000, 50, "PostgreSQL holds every session with all its blob chunks",
            () -> vertx.executeBlocking(() -> TestPostgres.query(pg, "SELECT s.id, s.version, (SELECT count(*) FROM"
                    + " blob_chunks c WHERE c.tenant = s.tenant AND c.session_id = s.id) FROM sessions s WHERE s.tenant = '"
                    + TENANT + "'"))
                .map(rows -> rows.size() == all.size() && rows.stream().allMatch(r -> Long.valueOf(r.get(1)).equals(versions.get(r.get(0)))
                    && r.get(2).equals("4")))))
        // Redis loses everything; in the same step an instance that will "die" takes the refill's lock.
        .compose(v -> vertx.executeBlocking(() -> redis.command("EVAL \"redis.call('FLUSHALL')"
            + " redis.call('SET', KEYS[1], ARGV[1]) redis.call('SET', KEYS[2], 'a-dead-instance') return 1\" 2 "
            + prefix + "epoch " + prefix + "lock:" + EpochWatch.LOCK + epoch + " " + epoch)))
        .compose(reply -> {
          ctx.verify(() -> assertEquals(":1", reply, "the wipe script's reply"));
          return Poll.until(vertx, 10_000, 50, "both daemons notice the new epoch",
              () -> PostgresSyncApiTest.status(daemon.get()).compose(a -> PostgresSyncApiTest.status(other.get())
                  .map(b -> a.refilling() && b.refilling())));
        })
        // Before the refill: the first requests for each session are blob reads sent to both daemons at
        // once (each request restores the session on demand, on both daemons at the same time: they must
        // not undo each other's restore), then each blob is read again from each daemon.
        .compose(v -> {
          List<Future<Void>> reads = new ArrayList<>();
          for (String id : onDemand) {
            for (TestDaemon d : List.of(daemon.get(), other.get())) {
              reads.add(served(d.api(TENANT), id, "RemoteAuth.zip", blobs, etags, versions, ctx));
              reads.add(served(d.api(TENANT), id, "small.bin", blobs, etags, versions, ctx));
            }
          }
          return Future.all(reads);
        })
        .compose(v -> {
          Future<Void> again = Future.succeededFuture();
          for (String id : onDemand) {
            for (TestDaemon d : List.of(daemon.get(), other.get())) {
              again = again.compose(x -> served(d.api(TENANT), id, "RemoteAuth.zip", blobs, etags, versions, ctx))
                  .compose(x -> served(d.api(TENANT), id, "small.bin", blobs, etags, versions, ctx));
            }
          }
          return again;
        })
        .compose(v -> PostgresSyncApiTest.status(daemon.get()))
        .compose(s -> {
          ctx.verify(() -> assertTrue(s.refilling(), "the refill has not run yet"));
          return vertx.executeBlocking(() -> redis.command("PEXPIRE " + prefix + "lock:" + EpochWatch.LOCK
            + epoch + " 100"));
        })
        .compose(v -> Poll.until(vertx, 30_000, 50, "the refill ends on both daemons",
            () -> PostgresSyncApiTest.status(daemon.get()).compose(a -> PostgresSyncApiTest.status(other.get())
                .map(b -> !a.refilling() && !b.refilling()))))
        // After the refill, no on-demand restore runs: what is served is what the refill put in Redis.
        .compose(v -> served(daemon.get().api(TENANT), byRefill, "RemoteAuth.zip", blobs, etags, versions, ctx))
        .compose(v -> served(daemon.get().api(TENANT), byRefill, "small.bin", blobs, etags, versions, ctx))
        .compose(v -> daemon.get().api(TENANT).get("/v1/sessions/" + byRefill + "/blobs"))
        .map(r -> {
          ctx.verify(() -> {
            assertEquals(200, r.statusCode(), r::bodyAsString);
            assertEquals(2, r.bodyAsJsonObject().getJsonArray("blobs").size(), r::bodyAsString);
          });
          return null;
        });
    test.onComplete(ar -> {
      Future<Void> stop = Future.succeededFuture();
      for (AtomicReference<TestDaemon> d : List.of(daemon, other)) {
        stop = stop.transform(x -> d.get() == null ? Future.succeededFuture() : d.get().stop());
      }
      stop.onComplete(s -> {
        redis.stop();
        ctx.verify(() -> assertFalse(ar.failed(), () -> String.valueOf(ar.cause())));
        ctx.completeNow();
      });
    });
  }

  private static Future<Void> upload(Api api, String id, String name, Map<String, byte[]> blobs) {
    return api.request(HttpMethod.PUT, "/v1/sessions/" + id + "/blobs/" + name)
        .putHeader("Content-Type", "application/octet-stream").sendBuffer(Buffer.buffer(blobs.get(id + "/" + name)))
        .compose(r -> expect(r, 201));
  }

  /**
   * The blob is served byte for byte, with the ETag it had before the wipe (a blob's ETag is its
   * session's version), and the session is at the version PostgreSQL holds.
   */
  private static Future<Void> served(Api api, String id, String name, Map<String, byte[]> blobs, Map<String, String> etags,
                                     Map<String, Long> versions, VertxTestContext ctx) {
    return api.get("/v1/sessions/" + id + "/blobs/" + name).compose(r -> {
      ctx.verify(() -> {
        assertEquals(200, r.statusCode(), () -> id + "/" + name + ": " + r.bodyAsString());
        assertEquals(etags.get(id), r.getHeader("ETag"), id + "/" + name);
        assertArrayEquals(blobs.get(id + "/" + name), r.body().getBytes(), id + "/" + name);
      });
      return api.get("/v1/sessions/" + id);
    }).map(r -> {
      ctx.verify(() -> assertEquals(versions.get(id), r.bodyAsJsonObject().getLong("version"), id));
      return null;
    });
  }
}
