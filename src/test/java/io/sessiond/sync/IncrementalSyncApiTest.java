package io.sessiond.sync;

import static io.sessiond.sync.PostgresSyncApiTest.TENANT;
import static io.sessiond.sync.PostgresSyncApiTest.daemon;
import static io.sessiond.sync.PostgresSyncApiTest.expect;
import static io.sessiond.sync.PostgresSyncApiTest.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.Poll;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestPostgres;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The write-behind copies only what each change names (keys by id, new messages, the row), so
 * these tests check that PostgreSQL still ends up equal to Redis where an incremental copy could go
 * wrong: two instances syncing entries of the same sessions at once, keys deleted, messages trimmed
 * out of the window, a key clear, a session deleted and created again, and an entry of the older
 * format that names no parts; and that the worker reads Redis only once it holds the session's lock,
 * which is what makes the copy correct when instances race (docs/decisions.md).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class IncrementalSyncApiTest {
  private static final String[] TYPES = {"pre-key", "session"};

  @Test
  void twoInstances_concurrentKeyBatchesAndAppends_postgresEqualsRedis(Vertx vertx, VertxTestContext ctx) {
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    List<String> ids = List.of(TestDaemon.freshSession(), TestDaemon.freshSession(), TestDaemon.freshSession());
    // Small batches and a small window: many batches of both instances carry entries of the same
    // sessions, and appends trim messages that PostgreSQL already holds.
    String[] settings = {"SYNC_BATCH_SIZE", "7", "MAX_MESSAGES_PER_SESSION", "12"};
    Random random = new Random(42);
    daemon(vertx, TestRedis.url(), prefix, pg, settings).compose(a -> daemon(vertx, TestRedis.url(), prefix, pg, settings)
        .compose(b -> {
          List<Api> apis = List.of(a.api(TENANT), b.api(TENANT));
          Future<Void> created = Future.succeededFuture();
          for (String id : ids) {
            created = created.compose(v -> apis.get(0).create(id, new JsonObject().put("data", new JsonObject())).mapEmpty());
          }
          Future<Void> rounds = created;
          for (int round = 0; round < 6; round++) {
            rounds = rounds.compose(v -> concurrentWrites(apis, ids, random, 40));
          }
          return rounds
              .compose(v -> Poll.until(vertx, 60_000, 50, "both instances drained the stream and PostgreSQL caught up",
                  () -> Future.all(status(a), status(b), inSync(vertx, apis.get(0), pg, ids))
                      .map(all -> all.<SyncStatus>resultAt(0).backlog() == 0
                          && all.<SyncStatus>resultAt(1).backlog() == 0 && all.<Boolean>resultAt(2))))
              .compose(v -> assertEqual(vertx, apis.get(0), pg, ids, ctx))
              .eventually(b::stop)
              .eventually(a::stop);
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  /** {@code n} writes at once, spread over both instances: key batches (sets and null deletes on a few ids) and appends. */
  private static Future<Void> concurrentWrites(List<Api> apis, List<String> ids, Random random, int n) {
    List<Future<?>> writes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Api api = apis.get(random.nextInt(apis.size()));
      String path = "/v1/sessions/" + ids.get(random.nextInt(ids.size()));
      if (random.nextInt(3) == 0) {
        JsonArray messages = new JsonArray();
        for (int m = random.nextInt(3); m >= 0; m--) {
          messages.add(new JsonObject().put("role", "user").put("content", "m" + random.nextInt(1000)));
        }
        writes.add(api.post(path + "/messages", messages).compose(r -> expect(r, 201)));
      } else {
        JsonObject batch = new JsonObject();
        for (int k = random.nextInt(4); k >= 0; k--) {
          String type = TYPES[random.nextInt(TYPES.length)];
          JsonObject values = batch.getJsonObject(type, new JsonObject());
          // ids with characters that need care in an entry: quotes, a backslash, a slash, non-ASCII
          String keyId = List.of("1", "2", "a\"b", "c\\d", "e/f", "g@s.whatsapp.net::0", "\u00e9\u4e2d").get(random.nextInt(7));
          values.put(keyId, random.nextInt(3) == 0 ? null
              : new JsonObject().put("type", "Buffer").put("data", "v" + random.nextInt(100000)));
          batch.put(type, values);
        }
        writes.add(api.post(path + "/keys", batch).compose(r -> expect(r, 204)));
      }
    }
    return Future.all(writes).mapEmpty();
  }

  /** Whether PostgreSQL holds every session at the version Redis has. */
  private static Future<Boolean> inSync(Vertx vertx, Api api, String pg, List<String> ids) {
    Map<String, Long> redis = new HashMap<>();
    Future<Void> read = Future.succeededFuture();
    for (String id : ids) {
      read = read.compose(v -> api.get("/v1/sessions/" + id)).map(r -> {
        redis.put(r.bodyAsJsonObject().getString("id"), r.bodyAsJsonObject().getLong("version"));
        return null;
      });
    }
    return read.compose(v -> PostgresSyncApiTest.pgVersions(vertx, pg)).map(held -> ids.stream()
        .allMatch(id -> redis.get(id).equals(held.get(id))));
  }

  /** PostgreSQL's keys and messages of each session equal its export from Redis, value for value. */
  private static Future<Void> assertEqual(Vertx vertx, Api api, String pg, List<String> ids, VertxTestContext ctx) {
    Future<Void> chain = Future.succeededFuture();
    for (String id : ids) {
      chain = chain.compose(v -> api.get("/v1/sessions/" + id + "/export")).compose(r -> pgParts(vertx, pg, id).map(held -> {
        JsonObject export = r.bodyAsJsonObject();
        ctx.verify(() -> {
          assertEquals(keysOf(export), held.get("keys"), "keys of " + id);
          assertEquals(export.getJsonArray("messages").getList(), held.get("messages"), "messages of " + id);
          assertTrue(!export.getJsonArray("messages").isEmpty(), "the test appended messages to " + id);
        });
        return null;
      }));
    }
    return chain;
  }

  /** type → keyId → value (as parsed JSON), of an export. */
  private static Map<String, Map<String, Object>> keysOf(JsonObject export) {
    Map<String, Map<String, Object>> out = new TreeMap<>();
    JsonObject keys = export.getJsonObject("keys", new JsonObject());
    for (String type : keys.fieldNames()) {
      Map<String, Object> values = new TreeMap<>();
      keys.getJsonObject(type).forEach(e -> values.put(e.getKey(), plain(e.getValue())));
      if (!values.isEmpty()) {
        out.put(type, values);
      }
    }
    return out;
  }

  private static Object plain(Object value) {
    return value instanceof JsonObject o ? o.getMap() : value instanceof JsonArray a ? a.getList() : value;
  }

  /** PostgreSQL's rows of a session: "keys" as {@link #keysOf}, "messages" as a list of parsed bodies in seq order. */
  static Future<Map<String, Object>> pgParts(Vertx vertx, String pg, String id) {
    return vertx.executeBlocking(() -> {
      String where = " WHERE tenant = '" + TENANT + "' AND session_id = '" + id + "'";
      Map<String, Map<String, Object>> keys = new TreeMap<>();
      for (List<String> row : TestPostgres.query(pg, "SELECT type, key_id, value FROM keys" + where)) {
        keys.computeIfAbsent(row.get(0), t -> new TreeMap<>()).put(row.get(1), plain(Json.decodeValue(row.get(2))));
      }
      List<Object> messages = new ArrayList<>();
      for (List<String> row : TestPostgres.query(pg, "SELECT body FROM messages" + where + " ORDER BY seq")) {
        messages.add(new JsonObject(row.get(0)).getMap());
      }
      Map<String, Object> out = new HashMap<>();
      out.put("keys", keys);
      out.put("messages", messages);
      return out;
    });
  }

  private static Future<Void> syncedAt(Vertx vertx, String pg, String id, long version) {
    return Poll.until(vertx, 20_000, 50, "PostgreSQL holds " + id + " at version " + version,
        () -> PostgresSyncApiTest.pgVersions(vertx, pg).map(m -> Long.valueOf(version).equals(m.get(id))));
  }

  /** The session's creation time in epoch ms (the API shows it as an instant). */
  private static long createdMs(JsonObject session) {
    Object created = session.getValue("createdAt");
    return created instanceof Number n ? n.longValue() : java.time.Instant.parse((String) created).toEpochMilli();
  }

  @Test
  void keyClear_andNullDelete_removeTheRows(Vertx vertx, VertxTestContext ctx) {
    String pg = TestPostgres.newDatabase();
    String id = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    daemon(vertx, TestRedis.url(), TestRedis.uniquePrefix(), pg).compose(d -> {
      Api api = d.api(TENANT);
      return api.create(id, new JsonObject())
          .compose(r -> api.post(path + "/keys", new JsonObject()
              .put("pre-key", new JsonObject().put("1", "a").put("2", "b"))
              .put("session", new JsonObject().put("x", "c"))))
          .compose(r -> expect(r, 204))
          .compose(v -> syncedAt(vertx, pg, id, 2))
          .compose(v -> api.delete(path + "/keys"))
          .compose(r -> expect(r, 204))
          .compose(v -> api.post(path + "/keys", new JsonObject().put("session", new JsonObject().put("y", "d").put("z", "e"))))
          .compose(r -> expect(r, 204))
          .compose(v -> syncedAt(vertx, pg, id, 4))
          .compose(v -> pgParts(vertx, pg, id))
          .compose(held -> {
            ctx.verify(() -> assertEquals(Map.of("session", Map.of("y", "d", "z", "e")), held.get("keys")));
            return api.post(path + "/keys", new JsonObject().put("session", new JsonObject().putNull("y")));
          })
          .compose(r -> expect(r, 204))
          .compose(v -> syncedAt(vertx, pg, id, 5))
          .compose(v -> pgParts(vertx, pg, id))
          .map(held -> {
            ctx.verify(() -> assertEquals(Map.of("session", Map.of("z", "e")), held.get("keys")));
            return null;
          })
          .eventually(d::stop);
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void sessionDeletedAndCreatedAgain_postgresHoldsTheNewIncarnationOnly(Vertx vertx, VertxTestContext ctx) {
    String pg = TestPostgres.newDatabase();
    String id = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    daemon(vertx, TestRedis.url(), TestRedis.uniquePrefix(), pg).compose(d -> {
      Api api = d.api(TENANT);
      return api.create(id, new JsonObject().put("data", new JsonObject().put("life", 1)))
          .compose(r -> api.post(path + "/keys", new JsonObject().put("pre-key", new JsonObject().put("1", "old").put("2", "old"))))
          .compose(r -> expect(r, 204))
          .compose(v -> api.post(path + "/messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "old"))
              .add(new JsonObject().put("role", "user").put("content", "old"))))
          .compose(r -> expect(r, 201))
          .compose(v -> syncedAt(vertx, pg, id, 3))
          .compose(v -> api.delete(path))
          .compose(r -> expect(r, 204))
          .compose(v -> api.create(id, new JsonObject().put("data", new JsonObject().put("life", 2))))
          .compose(r -> api.post(path + "/keys", new JsonObject().put("pre-key", new JsonObject().put("2", "new"))))
          .compose(r -> expect(r, 204))
          .compose(v -> api.post(path + "/messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "new"))))
          .compose(r -> expect(r, 201))
          .compose(v -> Poll.until(vertx, 20_000, 50, "PostgreSQL holds the new incarnation at version 3",
              () -> vertx.executeBlocking(() -> TestPostgres.query(pg, "SELECT version, data FROM sessions WHERE tenant = '"
                  + TENANT + "' AND id = '" + id + "'")).map(rows -> rows.size() == 1 && rows.get(0).get(0).equals("3")
                  && rows.get(0).get(1).equals("{\"life\":2}"))))
          .compose(v -> Future.all(api.get(path + "/export"), pgParts(vertx, pg, id), vertx.executeBlocking(() ->
              TestPostgres.query(pg, "SELECT created_at, data FROM sessions WHERE tenant = '" + TENANT + "' AND id = '" + id + "'"))))
          .map(all -> {
            JsonObject export = all.<io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer>>resultAt(0).bodyAsJsonObject();
            Map<String, Object> held = all.resultAt(1);
            List<List<String>> row = all.resultAt(2);
            ctx.verify(() -> {
              assertEquals(Map.of("pre-key", Map.of("2", "new")), held.get("keys"));
              assertEquals(export.getJsonArray("messages").getList(), held.get("messages"));
              assertEquals(1, ((List<?>) held.get("messages")).size());
              assertEquals(String.valueOf(createdMs(export)), row.get(0).get(0));
              assertEquals("{\"life\":2}", row.get(0).get(1));
            });
            return null;
          })
          .eventually(d::stop);
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void worker_readsRedisOnlyOnceItHoldsTheSessionsLock(Vertx vertx, VertxTestContext ctx) {
    TestRedis.Server redis = TestRedis.privateServer();
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    String id = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    AtomicReference<Connection> holder = new AtomicReference<>();
    daemon(vertx, redis.url(), prefix, pg).compose(d -> {
      Api api = d.api(TENANT);
      return api.create(id, new JsonObject())
          .compose(r -> api.post(path + "/keys", new JsonObject().put("pre-key", new JsonObject().put("k", 1))))
          .compose(r -> expect(r, 204))
          .compose(v -> syncedAt(vertx, pg, id, 2))
          .compose(v -> vertx.executeBlocking(() -> {
            // the test holds the session's lock, as another instance's transaction would
            Connection c = jdbc(pg);
            holder.set(c);
            c.createStatement().execute("SELECT pg_advisory_lock(" + SessionLocks.key(TENANT, id) + ")");
            return null;
          }))
          .compose(v -> api.post(path + "/keys", new JsonObject().put("pre-key", new JsonObject().put("k", 3))))
          .compose(r -> expect(r, 204))
          .compose(v -> Poll.until(vertx, 20_000, 20, "the worker waits for the session's lock",
              () -> vertx.executeBlocking(() -> TestPostgres.query(pg, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                  + " AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())").get(0).get(0).equals("1"))))
          .compose(v -> vertx.executeBlocking(() -> {
            // a change the worker can only see if it reads Redis after taking the lock (no entry: written directly)
            redis.command("HSET " + prefix + "{" + TENANT + ":" + id + "}:keys:pre-key k 4");
            holder.get().close();
            return null;
          }))
          .compose(v -> syncedAt(vertx, pg, id, 3))
          .compose(v -> pgParts(vertx, pg, id))
          .map(held -> {
            ctx.verify(() -> assertEquals(Map.of("pre-key", Map.of("k", 4)), held.get("keys")));
            return null;
          })
          .eventually(d::stop);
    }).onComplete(ar -> {
      redis.stop();
      ctx.verify(() -> assertTrue(ar.succeeded(), () -> String.valueOf(ar.cause())));
      ctx.completeNow();
    });
  }

  @Test
  void parallelBatches_neverNameTheSameSession_noBatchWaitsForAnothersLocks(Vertx vertx, VertxTestContext ctx) {
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    List<String> ids = List.of(TestDaemon.freshSession(), TestDaemon.freshSession(), TestDaemon.freshSession());
    // Batches of 3 entries over 3 sessions, two at once: consecutive reads name the same sessions. Each
    // session row PostgreSQL writes takes 40 ms (a trigger) and notes how many advisory locks are being
    // waited for at that moment: a batch waiting for another's session locks shows there.
    String[] settings = {"SYNC_BATCH_SIZE", "3", "SYNC_PARALLEL_BATCHES", "2"};
    Random random = new Random(7);
    daemon(vertx, TestRedis.url(), prefix, pg, settings).compose(d -> {
      Api api = d.api(TENANT);
      Future<Void> created = Future.succeededFuture();
      for (String id : ids) {
        created = created.compose(v -> api.create(id, new JsonObject().put("data", new JsonObject())).mapEmpty());
      }
      Future<Void> rounds = created.compose(v -> vertx.executeBlocking(() -> {
        TestPostgres.update(pg, "CREATE TABLE lock_waits (waiting bigint NOT NULL)");
        TestPostgres.update(pg, "CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            + " PERFORM pg_sleep(0.04); INSERT INTO lock_waits SELECT count(*) FROM pg_locks"
            + " WHERE locktype = 'advisory' AND NOT granted; RETURN NEW; END $$");
        TestPostgres.update(pg, "CREATE TRIGGER slow_row BEFORE INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION slow_row()");
        return null;
      }));
      for (int round = 0; round < 10; round++) {
        rounds = rounds.compose(v -> concurrentWrites(List.of(api), ids, random, 12));
      }
      return rounds
          .compose(v -> Poll.until(vertx, 60_000, 50, "PostgreSQL caught up with Redis",
              () -> Future.all(status(d), inSync(vertx, api, pg, ids))
                  .map(all -> all.<SyncStatus>resultAt(0).backlog() == 0 && all.<Boolean>resultAt(1))))
          .compose(v -> vertx.executeBlocking(() -> TestPostgres.query(pg,
              "SELECT count(*), coalesce(max(waiting), 0), count(*) FILTER (WHERE waiting > 0) FROM lock_waits").get(0)))
          .map(row -> {
            ctx.verify(() -> {
              assertTrue(Long.parseLong(row.get(0)) >= 10, () -> "rows written under the trigger: " + row.get(0));
              assertEquals("0", row.get(1), () -> "session locks waited for during " + row.get(2) + " of " + row.get(0)
                  + " row writes (at most " + row.get(1) + " at once)");
            });
            return null;
          })
          .compose(v -> assertEqual(vertx, api, pg, ids, ctx))
          .eventually(d::stop);
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aBacklog_isWrittenASessionOncePerBatch_notAChangePerBatch(Vertx vertx, VertxTestContext ctx) {
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      ids.add(TestDaemon.freshSession());
    }
    // The writer never reads the stream (an hour's interval): four changes of each of 50 sessions wait, in
    // rounds (every session once, then each again), as a steady load leaves them behind a stall. A trigger
    // notes every session row PostgreSQL is asked to write.
    daemon(vertx, TestRedis.url(), prefix, pg, "SESSION_SYNC_INTERVAL_MS", "3600000").compose(writer -> {
      Api api = writer.api(TENANT);
      Future<Void> rounds = vertx.executeBlocking(() -> {
        TestPostgres.update(pg, "CREATE TABLE row_writes (id text NOT NULL)");
        TestPostgres.update(pg, "CREATE FUNCTION row_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            + " INSERT INTO row_writes VALUES (NEW.id); RETURN NEW; END $$");
        TestPostgres.update(pg, "CREATE TRIGGER row_write BEFORE INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION row_write()");
        return null;
      });
      for (int round = 0; round < 4; round++) {
        int r = round;
        rounds = rounds.compose(v -> Future.all(ids.stream()
            .map(id -> api.put("/v1/sessions/" + id, new JsonObject().put("data", new JsonObject().put("round", r))))
            .toList()).mapEmpty());
      }
      // Batches of 50 sessions, one at a time: the 200 waiting changes are 50 sessions.
      return rounds.compose(v -> daemon(vertx, TestRedis.url(), prefix, pg, "SYNC_BATCH_SIZE", "50",
              "SYNC_PARALLEL_BATCHES", "1"))
          .compose(syncer -> Poll.until(vertx, 30_000, 50, "every change synced",
                  () -> Future.all(status(syncer), PostgresSyncApiTest.pgVersions(vertx, pg))
                      .map(all -> all.<SyncStatus>resultAt(0).backlog() == 0
                          && ids.stream().allMatch(id -> Long.valueOf(4).equals(all.<Map<String, Long>>resultAt(1).get(id)))))
              .compose(v -> vertx.executeBlocking(() -> TestPostgres.query(pg,
                  "SELECT count(*), coalesce(max(n), 0) FROM (SELECT id, count(*) AS n FROM row_writes GROUP BY id) w").get(0)))
              .map(row -> {
                ctx.verify(() -> {
                  assertEquals("50", row.get(0), "every session written");
                  assertTrue(Long.parseLong(row.get(1)) <= 2, () -> "a session's row written up to " + row.get(1)
                      + " times for its 4 waiting changes: a batch per change, not a session per batch");
                });
                return null;
              })
              .eventually(syncer::stop))
          .eventually(writer::stop);
    }).onComplete(ctx.succeedingThenComplete());
  }

  /** A JDBC connection of its own to {@code url} (blocking: off the event loop). */
  private static Connection jdbc(String url) throws java.sql.SQLException {
    URI u = URI.create(url);
    String info = u.getUserInfo();
    String user = info == null ? "postgres" : info.split(":", 2)[0];
    String password = info == null || !info.contains(":") ? "" : info.split(":", 2)[1];
    return DriverManager.getConnection("jdbc:postgresql://" + u.getHost() + ":" + (u.getPort() < 0 ? 5432 : u.getPort())
        + u.getPath(), user, password);
  }

  @Test
  void entryOfTheOlderFormat_withoutParts_syncsTheWholeSession(Vertx vertx, VertxTestContext ctx) {
    TestRedis.Server redis = TestRedis.privateServer();
    String pg = TestPostgres.newDatabase();
    String prefix = TestRedis.uniquePrefix();
    String id = TestDaemon.freshSession();
    String path = "/v1/sessions/" + id;
    // An hour's interval: nothing is synced until the shutdown flush, which then finds only the entry written below.
    daemon(vertx, redis.url(), prefix, pg, "SESSION_SYNC_INTERVAL_MS", "3600000").compose(d -> {
      Api api = d.api(TENANT);
      return api.create(id, new JsonObject().put("data", new JsonObject().put("a", 1)))
          .compose(r -> api.post(path + "/keys", new JsonObject().put("pre-key", new JsonObject().put("1", "x").put("2", "y"))))
          .compose(r -> expect(r, 204))
          .compose(v -> api.post(path + "/messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))))
          .compose(r -> expect(r, 201))
          .compose(v -> api.get(path + "/export"))
          .compose(r -> {
            JsonObject export = r.bodyAsJsonObject();
            return vertx.executeBlocking(() -> {
              redis.command("XTRIM " + prefix + "sync MAXLEN 0");
              assertEquals(":0", redis.command("XLEN " + prefix + "sync"));
              redis.command("XADD " + prefix + "sync * s " + TENANT + ":" + id + " o w v " + export.getLong("version")
                  + " c " + createdMs(export));
              return export;
            });
          })
          .compose(export -> d.stop().compose(v -> pgParts(vertx, pg, id)).map(held -> {
            ctx.verify(() -> {
              assertEquals(keysOf(export), held.get("keys"));
              assertEquals(export.getJsonArray("messages").getList(), held.get("messages"));
            });
            return null;
          }))
          .compose(v -> PostgresSyncApiTest.pgVersions(vertx, pg))
          .map(versions -> {
            ctx.verify(() -> assertEquals(Long.valueOf(3), versions.get(id)));
            return null;
          });
    }).onComplete(ar -> {
      redis.stop();
      ctx.verify(() -> assertTrue(ar.succeeded(), () -> String.valueOf(ar.cause())));
      ctx.completeNow();
    });
  }
}
