package io.sessiond.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.SessionState;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests;
import io.sessiond.store.StoreRequests.ImportSession;
import io.sessiond.store.StoreRequests.PutSession;
import io.sessiond.store.StoreRequests.RestoreImports;
import io.sessiond.store.StoreRequests.RestoreOutcomes;
import io.sessiond.store.StoreRequests.SessionRef;
import io.sessiond.store.StoreSettings;
import io.sessiond.tenant.TenantLimits;
import io.sessiond.testing.Resp;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A restore on one Redis writes each session's values with plain commands into staging keys and lets
 * restore_staged.lua rename them in, all in one MULTI ... EXEC: a session written or deleted since
 * PostgreSQL's row was read is never overwritten (its staged copy is dropped), a restored session is
 * what a restore of it alone by import.lua would leave (its byte counts too, multi-byte text included),
 * no staging key outlives the call, and a Redis that lost the scripts still restores.
 */
class StagedRestoreTest {
  private static final StoreSettings SETTINGS = new StoreSettings(3600, 10, t -> TenantLimits.UNLIMITED, 3);
  private static TestRedis.Server redis;
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    redis = TestRedis.systemServer();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close();
    redis.stop();
  }

  @Test
  void aSessionWrittenOrDeletedMeanwhileIsNotOverwritten_andTheRestIsRestoredAsAnImportWould() throws Exception {
    String prefix = TestRedis.uniquePrefix();
    RedisSessionStore store = new RedisSessionStore(vertx, SETTINGS, TestRedis.config(redis.url(), prefix, Map.of()), true);
    await(store.open());
    try {
      String tenant = "t" + UUID.randomUUID().toString().substring(0, 8);
      // Written meanwhile: PostgreSQL's row was read at version 2, Redis has had version 2 since.
      await(store.put(new PutSession(tenant, "written", "{\"mine\":1}", null, null, 60L, StoreRequests.ANY_VERSION)));
      Session written = await(store.put(new PutSession(tenant, "written", "{\"mine\":2}", null, null, 60L, 1))).session();
      // Deleted meanwhile, the deletion not yet in PostgreSQL (its tombstone is in Redis).
      Session deleted = await(store.put(new PutSession(tenant, "deleted", "{\"d\":1}", null, null, 60L,
          StoreRequests.ANY_VERSION))).session();
      await(store.delete(new SessionRef(tenant, "deleted")));
      // Older in Redis than in PostgreSQL: replaced whole, its key type that PostgreSQL lacks goes too.
      SessionExport old = full("older", 1_000, 2);
      Map<String, Map<String, String>> oldKeys = new LinkedHashMap<>(old.keys());
      oldKeys.put("stale", Map.of("x", "\"y\""));
      await(store.importSession(ImportSession.restore(tenant, new SessionExport(old.session(), oldKeys, old.messages()), 2)));

      RestoreOutcomes done = await(store.restoreAll(new RestoreImports(List.of(
          ImportSession.restore(tenant, full("fresh", 1_000, 4), 4),
          ImportSession.restore(tenant, full("written", written.createdAt(), 2), 2),
          ImportSession.restore(tenant, full("deleted", deleted.createdAt(), 1), 1),
          ImportSession.restore(tenant, full("newer", 1_000, 6), 6),
          ImportSession.restore(tenant, full("older", 1_000, 7), 7)))));

      assertEquals(4, done.outcomes().get(0).session().version());
      assertEquals(StoreFailure.VERSION_MISMATCH, done.outcomes().get(1).failure());
      assertEquals(StoreFailure.VERSION_MISMATCH, done.outcomes().get(2).failure());
      assertEquals(6, done.outcomes().get(3).session().version());
      assertEquals(7, done.outcomes().get(4).session().version());
      SessionExport replaced = await(store.export(new SessionRef(tenant, "older")));
      assertEquals(nonEmpty(full("older", 1_000, 7).keys()), replaced.keys(), "the old session's stale key type is gone");
      assertEquals("{\"restored\":7,\"name\":\"Zoë\"}", replaced.session().dataJson());
      assertEquals("{\"mine\":2}", await(store.get(new SessionRef(tenant, "written"))).dataJson());
      assertEquals(2, await(store.get(new SessionRef(tenant, "written"))).version());
      assertNull(Resp.call(redis.port(), "HGET", prefix + "{" + tenant + ":deleted}:meta", "ver"), "stays deleted");
      assertEquals("0", Resp.text(redis.port(), "EXISTS", prefix + "{" + tenant + ":written}:keys:pre-key").trim(),
          "the refused session's staged keys did not land");

      SessionExport restored = await(store.export(new SessionRef(tenant, "fresh")));
      SessionExport expected = full("fresh", 1_000, 4);
      assertEquals(expected.session().dataJson(), restored.session().dataJson());
      assertEquals(expected.session().credsJson(), restored.session().credsJson());
      assertEquals(nonEmpty(expected.keys()), restored.keys());
      assertEquals(expected.messages(), restored.messages());
      assertEquals(SessionState.CONNECTED, restored.session().state());
      assertEquals(1_000, restored.session().createdAt());

      // The same session restored alone by import.lua counts the same bytes (what byte limits compare).
      await(store.importSession(ImportSession.restore(tenant, full("alone", 1_000, 4), 4)));
      assertEquals(counts(prefix, tenant, "alone"), counts(prefix, tenant, "fresh"));
      assertEquals(List.of(), stagingKeys(prefix), "no staging key outlives the restore");
    } finally {
      await(store.close());
    }
  }

  @Test
  void aRedisThatLostTheScriptsStillRestores() throws Exception {
    for (String functions : List.of("true", "false")) {
      String prefix = TestRedis.uniquePrefix();
      RedisSessionStore store = new RedisSessionStore(vertx, SETTINGS,
          TestRedis.config(redis.url(), prefix, Map.of("REDIS_FUNCTIONS", functions)), true);
      await(store.open());
      try {
        String tenant = "t" + UUID.randomUUID().toString().substring(0, 8);
        Resp.text(redis.port(), "FUNCTION", "FLUSH");
        Resp.text(redis.port(), "SCRIPT", "FLUSH");
        RestoreOutcomes done = await(store.restoreAll(new RestoreImports(List.of(
            ImportSession.restore(tenant, full("a", 1_000, 3), 3), ImportSession.restore(tenant, full("b", 1_000, 5), 5)))));
        assertEquals(3, done.outcomes().get(0).session().version(), "functions " + functions);
        assertEquals(5, done.outcomes().get(1).session().version(), "functions " + functions);
        assertEquals(nonEmpty(full("b", 1_000, 5).keys()), await(store.export(new SessionRef(tenant, "b"))).keys());
        assertEquals(List.of(), stagingKeys(prefix), "functions " + functions);
      } finally {
        await(store.close());
      }
    }
  }

  /** A session as PostgreSQL would hold it at {@code version}: data, creds and their history, keys and messages in several scripts. */
  private static SessionExport full(String id, long createdAt, long version) {
    return RestoreExports.multiByte(id, createdAt, version, 0, 5, 3, true);
  }

  /** The key types that hold keys (a type without any is not kept, by an import either). */
  private static Map<String, Map<String, String>> nonEmpty(Map<String, Map<String, String>> keys) {
    Map<String, Map<String, String>> out = new LinkedHashMap<>(keys);
    out.values().removeIf(Map::isEmpty);
    return out;
  }

  /** The session's bytes and key bytes as its meta hash holds them. */
  private static List<String> counts(String prefix, String tenant, String id) {
    Object reply = Resp.call(redis.port(), "HMGET", prefix + "{" + tenant + ":" + id + "}:meta", "bytes", "kbytes");
    List<String> out = new ArrayList<>();
    for (Object o : (List<?>) reply) {
      assertNotNull(o);
      out.add(String.valueOf(o));
    }
    return out;
  }

  private static List<String> stagingKeys(String prefix) {
    List<String> found = new ArrayList<>();
    String cursor = "0";
    do {
      List<?> page = (List<?>) Resp.call(redis.port(), "SCAN", cursor, "MATCH", prefix + "*:rs:*", "COUNT", "1000");
      cursor = String.valueOf(page.get(0));
      for (Object k : (List<?>) page.get(1)) {
        found.add(String.valueOf(k));
      }
    } while (!cursor.equals("0"));
    return found;
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
