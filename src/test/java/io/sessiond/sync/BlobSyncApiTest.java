package io.sessiond.sync;

import static io.sessiond.sync.PostgresSyncApiTest.TENANT;
import static io.sessiond.sync.PostgresSyncApiTest.daemon;
import static io.sessiond.sync.PostgresSyncApiTest.expect;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Blobs are durable: a 1.2 MiB blob (three 512 KiB chunks) reaches PostgreSQL, comes back byte for
 * byte (at the same session version) on a fresh daemon after Redis is wiped, and its rows go with
 * the session when it is deleted, or when it is deleted alone.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class BlobSyncApiTest {
  private static final int SIZE = 1_258_291; // 1.2 MiB: chunks of 512 KiB, 512 KiB and 176 KiB

  @Test
  void blob_reachesPostgres_comesBackAfterRedisIsWiped_andGoesWithItsSession(Vertx vertx, VertxTestContext ctx) {
    TestRedis.Server redis = TestRedis.privateServer();
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    String id = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    byte[] zip = new byte[SIZE];
    new Random(42).nextBytes(zip);
    AtomicLong version = new AtomicLong();
    AtomicReference<String> etag = new AtomicReference<>();
    long started = System.nanoTime();
    daemon(vertx, redis.url(), prefix, pg).compose(first -> {
      Api api = first.api(TENANT);
      return api.create(id, new JsonObject().put("data", new JsonObject().put("a", 1)).put("ttlSeconds", 3600))
          .compose(r -> expect(r, 201))
          .compose(v -> api.request(HttpMethod.PUT, path + "/blobs/RemoteAuth.zip")
              .putHeader("Content-Type", "application/octet-stream").sendBuffer(Buffer.buffer(zip)))
          .compose(r -> expect(r, 201).onSuccess(x -> etag.set(r.getHeader("ETag"))))
          .compose(v -> api.get(path)).map(r -> {
            version.set(r.bodyAsJsonObject().getLong("version"));
            return null;
          })
          .compose(v -> Poll.until(vertx, 20_000, 50, "PostgreSQL holds the blob's 3 chunks at the session's version",
              () -> vertx.executeBlocking(() -> {
                List<List<String>> rows = TestPostgres.query(pg, "SELECT s.version, b.size, b.chunks,"
                    + " (SELECT count(*) FROM blob_chunks c WHERE c.tenant = b.tenant AND c.session_id = b.session_id"
                    + " AND c.name = b.name) FROM sessions s JOIN blobs b ON b.tenant = s.tenant AND b.session_id = s.id"
                    + " WHERE s.tenant = '" + TENANT + "' AND s.id = '" + id + "'");
                return rows.size() == 1 && rows.get(0).equals(List.of(Long.toString(version.get()),
                    Integer.toString(SIZE), "3", "3"));
              })))
          .compose(v -> first.stop());
    }).compose(v -> vertx.executeBlocking(() -> {
      assertEquals("+OK", redis.command("FLUSHALL"));
      return null;
    })).compose(v -> daemon(vertx, redis.url(), prefix, pg)).compose(second -> {
      Api api = second.api(TENANT);
      return api.get(path + "/blobs/RemoteAuth.zip").compose(r -> {
        ctx.verify(() -> {
          assertEquals(200, r.statusCode(), r::bodyAsString);
          assertEquals(etag.get(), r.getHeader("ETag"));
          assertArrayEquals(zip, r.body().getBytes());
        });
        return api.get(path);
      }).compose(r -> {
        ctx.verify(() -> assertEquals(version.get(), r.bodyAsJsonObject().getLong("version")));
        return api.delete(path);
      }).compose(r -> expect(r, 204))
          .compose(v -> Poll.until(vertx, 20_000, 50, "the session's blob rows are gone from PostgreSQL",
              () -> vertx.executeBlocking(() -> TestPostgres.query(pg, "SELECT (SELECT count(*) FROM blobs WHERE tenant = '"
                  + TENANT + "' AND session_id = '" + id + "') + (SELECT count(*) FROM blob_chunks WHERE tenant = '"
                  + TENANT + "' AND session_id = '" + id + "') + (SELECT count(*) FROM sessions WHERE tenant = '"
                  + TENANT + "' AND id = '" + id + "')").get(0).get(0).equals("0"))))
          .compose(v -> second.stop());
    }).onComplete(ar -> {
      redis.stop();
      System.out.printf("BlobSyncApiTest: %d ms%n", (System.nanoTime() - started) / 1_000_000);
      ctx.verify(() -> assertTrue(ar.succeeded(), () -> String.valueOf(ar.cause())));
      ctx.completeNow();
    });
  }

  @Test
  void writeThrough_failedKeyBatch_undoKeepsTheBlob_inRedisAndInPostgres(Vertx vertx, VertxTestContext ctx) {
    TestPostgres.Server server = TestPostgres.privateServer();
    String pg = TestPostgres.createDatabase(server.url("postgres"));
    String id = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    byte[] zip = new byte[SIZE];
    new Random(7).nextBytes(zip);
    List<String> inPostgres = List.of("RemoteAuth.zip " + SIZE + " 3 3");
    AtomicReference<TestDaemon> daemon = new AtomicReference<>();
    daemon(vertx, TestRedis.url(), TestRedis.uniquePrefix(), pg, "SYNC_MODE", "write-through").compose(d -> {
      daemon.set(d);
      Api api = d.api(TENANT);
      return api.create(id, new JsonObject().put("ttlSeconds", 3600)).compose(r -> expect(r, 201))
          .compose(v -> api.request(HttpMethod.PUT, path + "/blobs/RemoteAuth.zip")
              .putHeader("Content-Type", "application/octet-stream").sendBuffer(Buffer.buffer(zip)))
          .compose(r -> expect(r, 201))
          .compose(v -> Poll.until(vertx, 20_000, 50, "PostgreSQL holds the blob",
              () -> pgBlobs(vertx, pg, id).map(inPostgres::equals)))
          .compose(v -> vertx.executeBlocking(() -> {
            server.stop();
            return null;
          }))
          // PostgreSQL refuses the key batch: the write is undone in Redis, the blob stays.
          .compose(v -> api.post(path + "/keys", new JsonObject().put("pre-key", new JsonObject().put("1", "a"))))
          .compose(r -> expect(r, 503))
          .compose(v -> api.get(path + "/blobs/RemoteAuth.zip"))
          .compose(r -> {
            ctx.verify(() -> {
              assertEquals(200, r.statusCode(), r::bodyAsString);
              assertArrayEquals(zip, r.body().getBytes());
            });
            return vertx.executeBlocking(() -> {
              server.start();
              return null;
            });
          })
          // The undo is a write too: once PostgreSQL is back, syncing it must not drop the blob there.
          .compose(v -> Poll.until(vertx, 30_000, 200, "a write-through key batch succeeds again",
              () -> api.post(path + "/keys", new JsonObject().put("pre-key", new JsonObject().put("2", "b")))
                  .map(r -> r.statusCode() == 204)))
          .compose(v -> Poll.until(vertx, 20_000, 50, "PostgreSQL still holds the blob with the key",
              () -> vertx.executeBlocking(() -> TestPostgres.query(pg, "SELECT count(*) FROM keys WHERE tenant = '"
                  + TENANT + "' AND session_id = '" + id + "'").get(0).get(0).equals("1"))))
          .compose(v -> pgBlobs(vertx, pg, id))
          .compose(rows -> {
            ctx.verify(() -> assertEquals(inPostgres, rows));
            return api.get(path + "/blobs/RemoteAuth.zip");
          })
          .map(r -> {
            ctx.verify(() -> assertArrayEquals(zip, r.body().getBytes()));
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

  /** The session's blobs in PostgreSQL: "name size chunks chunkRows" per blob, by name. */
  /**
   * Write-behind: a session's last blob deleted takes its rows out of PostgreSQL (the batch clears
   * the blob rows of every session read without blobs in one statement), and a session without blobs
   * synced beside it keeps its row.
   */
  @Test
  void writeBehind_lastBlobDeleted_leavesPostgres_sessionStays(Vertx vertx, VertxTestContext ctx) {
    String pg = TestPostgres.newDatabase();
    String id = TestDaemon.freshSession();
    String other = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    byte[] small = new byte[1000];
    new Random(3).nextBytes(small);
    daemon(vertx, TestRedis.url(), TestRedis.uniquePrefix(), pg).compose(d -> {
      Api api = d.api(TENANT);
      return api.create(id, new JsonObject().put("ttlSeconds", 3600)).compose(r -> expect(r, 201))
          .compose(v -> api.request(HttpMethod.PUT, path + "/blobs/a.bin")
              .putHeader("Content-Type", "application/octet-stream").sendBuffer(Buffer.buffer(small)))
          .compose(r -> expect(r, 201))
          .compose(v -> Poll.until(vertx, 20_000, 50, "PostgreSQL holds the blob",
              () -> pgBlobs(vertx, pg, id).map(List.of("a.bin 1000 1 1")::equals)))
          .compose(v -> api.delete(path + "/blobs/a.bin"))
          .compose(r -> expect(r, 204))
          .compose(v -> api.create(other, new JsonObject().put("data", new JsonObject().put("b", 2))))
          .compose(r -> expect(r, 201))
          .compose(v -> api.get(path))
          .compose(r -> Poll.until(vertx, 20_000, 50, "PostgreSQL holds no blob row, the session at its version and the other session",
              () -> pgBlobs(vertx, pg, id).compose(rows -> PostgresSyncApiTest.pgVersions(vertx, pg)
                  .map(v -> rows.isEmpty() && Long.valueOf(r.bodyAsJsonObject().getLong("version")).equals(v.get(id))
                      && v.containsKey(other)))))
          .compose(v -> vertx.executeBlocking(() -> TestPostgres.query(pg, "SELECT count(*) FROM blob_chunks WHERE tenant = '"
              + TENANT + "' AND session_id = '" + id + "'")))
          .compose(rows -> {
            ctx.verify(() -> assertEquals(List.of(List.of("0")), rows));
            return d.stop();
          });
    }).onComplete(ar -> {
      ctx.verify(() -> assertTrue(ar.succeeded(), () -> String.valueOf(ar.cause())));
      ctx.completeNow();
    });
  }

  private static Future<List<String>> pgBlobs(Vertx vertx, String pg, String id) {
    return vertx.executeBlocking(() -> TestPostgres.query(pg, "SELECT b.name || ' ' || b.size || ' ' || b.chunks || ' '"
        + " || (SELECT count(*) FROM blob_chunks c WHERE c.tenant = b.tenant AND c.session_id = b.session_id"
        + " AND c.name = b.name) FROM blobs b WHERE b.tenant = '" + TENANT + "' AND b.session_id = '" + id
        + "' ORDER BY b.name").stream().map(r -> r.get(0)).toList());
  }

  @Test
  void writeThrough_replacedAndDeletedBlobs_reachPostgres_andOtherWritesKeepThem(Vertx vertx, VertxTestContext ctx) {
    String pg = TestPostgres.newDatabase();
    String id = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    byte[] big = new byte[SIZE];
    new Random(1).nextBytes(big);
    byte[] small = new byte[1000];
    new Random(2).nextBytes(small);
    daemon(vertx, TestRedis.url(), TestRedis.uniquePrefix(), pg, "SYNC_MODE", "write-through").compose(d -> {
      Api api = d.api(TENANT);
      return api.create(id, new JsonObject().put("ttlSeconds", 3600)).compose(r -> expect(r, 201))
          .compose(v -> api.request(HttpMethod.PUT, path + "/blobs/a.zip")
              .putHeader("Content-Type", "application/octet-stream").sendBuffer(Buffer.buffer(big)))
          .compose(r -> expect(r, 201))
          .compose(v -> api.request(HttpMethod.PUT, path + "/blobs/b.bin")
              .putHeader("Content-Type", "application/octet-stream").sendBuffer(Buffer.buffer(small)))
          .compose(r -> expect(r, 201))
          .compose(v -> Poll.until(vertx, 20_000, 50, "PostgreSQL holds both blobs",
              () -> pgBlobs(vertx, pg, id).map(List.of("a.zip " + SIZE + " 3 3", "b.bin 1000 1 1")::equals)))
          // A write-through write carries the blobs it did not change: they stay.
          .compose(v -> api.patch(path, new JsonObject().put("data", new JsonObject().put("x", 1))))
          .compose(r -> api.post(path + "/keys", new JsonObject().put("pre-key", new JsonObject().put("1", 1))))
          .compose(r -> expect(r, 204))
          .compose(v -> pgBlobs(vertx, pg, id))
          .compose(rows -> {
            ctx.verify(() -> assertEquals(List.of("a.zip " + SIZE + " 3 3", "b.bin 1000 1 1"), rows));
            return api.request(HttpMethod.PUT, path + "/blobs/a.zip")
                .putHeader("Content-Type", "application/octet-stream").sendBuffer(Buffer.buffer(small));
          })
          .compose(r -> expect(r, 204))
          .compose(v -> api.delete(path + "/blobs/b.bin"))
          .compose(r -> expect(r, 204))
          .compose(v -> Poll.until(vertx, 20_000, 50, "PostgreSQL holds the replaced blob only",
              () -> pgBlobs(vertx, pg, id).map(List.of("a.zip 1000 1 1")::equals)))
          .compose(v -> vertx.executeBlocking(() -> TestPostgres.query(pg, "SELECT c.data = decode('"
              + java.util.HexFormat.of().formatHex(small) + "', 'hex') FROM blob_chunks c WHERE c.tenant = '" + TENANT
              + "' AND c.session_id = '" + id + "'")))
          .compose(rows -> {
            ctx.verify(() -> assertEquals(List.of(List.of("t")), rows));
            return d.stop();
          });
    }).onComplete(ar -> {
      ctx.verify(() -> assertTrue(ar.succeeded(), () -> String.valueOf(ar.cause())));
      ctx.completeNow();
    });
  }
}
