package io.sessiond.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.SessionState;
import io.sessiond.store.StoreRequests;
import io.sessiond.store.StoreRequests.ImportSession;
import io.sessiond.store.StoreRequests.RestoreImports;
import io.sessiond.store.StoreRequests.RestoreOutcomes;
import io.sessiond.store.StoreRequests.AppendMessages;
import io.sessiond.store.StoreRequests.PutSession;
import io.sessiond.store.StoreRequests.SessionRef;
import io.sessiond.store.StoreSettings;
import io.sessiond.tenant.TenantLimits;
import io.sessiond.testing.Resp;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store's scripts as a Redis 7 function library ({@code REDIS_FUNCTIONS=true}): loaded at open and
 * run by FCALL (no EVALSHA for the writes), loaded again after Redis lost it (the write that found it
 * missing still succeeds), on by default, and not loaded with {@code REDIS_FUNCTIONS=false}. The rest of the store's behaviour on functions is the
 * store contract run on Redis 7 ({@code TEST_SERVICES=system}); on Redis 6.2 every other test runs the
 * scripts by EVALSHA.
 */
class RedisFunctionsTest {
  private static final StoreSettings SETTINGS = new StoreSettings(3600, 10, t -> TenantLimits.UNLIMITED);
  private static TestRedis.Server redis7;
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    redis7 = TestRedis.systemServer();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close();
    redis7.stop();
  }

  @Test
  void writesRunByFcall_andALostLibraryIsLoadedAgain_withoutFailingAWrite() throws Exception {
    String version = Resp.text(redis7.port(), "INFO", "server");
    assertTrue(version.contains("redis_version:7") || version.contains("redis_version:8"), "needs Redis 7: " + version);
    Resp.text(redis7.port(), "FUNCTION", "FLUSH"); // only this store's library, not another test's
    RedisSessionStore store = store(Map.of("REDIS_FUNCTIONS", "true"));
    try {
      String tenant = "t" + UUID.randomUUID().toString().substring(0, 8);
      String library = libraries().get(0);
      assertTrue(library.startsWith("sessiond_"), library);
      long evalsha = calls("evalsha");
      long fcall = calls("fcall");

      await(store.put(new PutSession(tenant, "s", "{\"a\":1}", null, null, 60L, StoreRequests.ANY_VERSION)));
      await(store.appendMessages(new AppendMessages(tenant, "s", List.of("{\"id\":\"m1\"}"), 1)));
      assertEquals(2, await(store.get(new SessionRef(tenant, "s"))).version());
      assertEquals(evalsha, calls("evalsha"), "no write ran by EVALSHA");
      assertTrue(calls("fcall") >= fcall + 2, "the writes ran by FCALL");

      Resp.text(redis7.port(), "FUNCTION", "FLUSH");
      assertEquals(3, await(store.put(new PutSession(tenant, "s", "{\"a\":2}", null, null, 60L, 2))).session().version());
      long deadline = System.currentTimeMillis() + 5000;
      while (libraries().isEmpty()) {
        assertTrue(System.currentTimeMillis() < deadline, "the library was not loaded again within 5 s");
        Thread.sleep(20);
      }
      assertEquals(List.of(library), libraries());
      fcall = calls("fcall");
      assertEquals(4, await(store.put(new PutSession(tenant, "s", "{\"a\":3}", null, null, 60L, 3))).session().version());
      assertEquals(fcall + 1, calls("fcall"));
    } finally {
      await(store.close());
    }
  }

  /**
   * A restore of what PostgreSQL already holds turns change recording off for its own call; in the library
   * the prelude's locals outlive the call, so the next write run by the same library must be recorded
   * again ({@code bind()} resets {@code SYNC}). Counted in the sync stream: one record per PUT.
   */
  @Test
  void aWriteAfterARestoreAtPostgresVersionIsRecordedForSync() throws Exception {
    String prefix = TestRedis.uniquePrefix();
    String stream = RedisSessionStore.changeStream(prefix);
    RedisSessionStore store = new RedisSessionStore(vertx, SETTINGS,
        TestRedis.config(redis7.url(), prefix, Map.of("REDIS_FUNCTIONS", "true")), true);
    await(store.open());
    try {
      String tenant = "t" + UUID.randomUUID().toString().substring(0, 8);
      long fcall = calls("fcall");
      long evalsha = calls("evalsha");

      // import.lua: one session restored at PostgreSQL's version records nothing.
      assertEquals(3, await(store.importSession(ImportSession.restore(tenant, export("a", 3), 3))).session().version());
      assertEquals(0, streamLength(stream), "a restore at PostgreSQL's version is not recorded");
      await(store.put(new PutSession(tenant, "a", "{\"a\":1}", null, null, 60L, 3)));
      assertEquals(1, streamLength(stream), "the PUT after the import is recorded for sync");

      // restore.lua: several sessions in one call, the last at PostgreSQL's version.
      RestoreOutcomes done = await(store.restoreAll(new RestoreImports(List.of(
          ImportSession.restore(tenant, export("b", 5), 5), ImportSession.restore(tenant, export("c", 7), 7)))));
      assertEquals(7, done.outcomes().get(1).session().version());
      assertEquals(1, streamLength(stream), "a restore at PostgreSQL's version is not recorded");
      await(store.put(new PutSession(tenant, "c", "{\"c\":1}", null, null, 60L, 7)));
      assertEquals(2, streamLength(stream), "the PUT after the restore is recorded for sync");

      assertEquals(evalsha, calls("evalsha"), "every call ran by the library");
      assertTrue(calls("fcall") >= fcall + 4, "the writes ran by FCALL");
    } finally {
      await(store.close());
    }
  }

  @Test
  void onByDefault() throws Exception {
    Resp.text(redis7.port(), "FUNCTION", "FLUSH");
    RedisSessionStore store = store(Map.of());
    try {
      long evalsha = calls("evalsha");
      await(store.put(new PutSession("t", "s" + UUID.randomUUID(), "{}", null, null, 60L, StoreRequests.ANY_VERSION)));
      assertEquals(1, libraries().size(), "the library is loaded without REDIS_FUNCTIONS");
      assertEquals(evalsha, calls("evalsha"), "the write ran by FCALL");
    } finally {
      await(store.close());
    }
  }

  @Test
  void offByRedisFunctionsFalse() throws Exception {
    Resp.text(redis7.port(), "FUNCTION", "FLUSH");
    RedisSessionStore store = store(Map.of("REDIS_FUNCTIONS", "false"));
    try {
      long fcall = calls("fcall");
      await(store.put(new PutSession("t", "s" + UUID.randomUUID(), "{}", null, null, 60L, StoreRequests.ANY_VERSION)));
      assertEquals(List.of(), libraries());
      assertEquals(fcall, calls("fcall"));
    } finally {
      await(store.close());
    }
  }

  private static RedisSessionStore store(Map<String, String> overrides) throws Exception {
    RedisSessionStore store = new RedisSessionStore(vertx, SETTINGS,
        TestRedis.config(redis7.url(), TestRedis.uniquePrefix(), overrides));
    await(store.open());
    return store;
  }

  /** A session of {@code id} as PostgreSQL would hold it at {@code version}, with no keys or messages. */
  private static SessionExport export(String id, long version) {
    return new SessionExport(new Session(id, SessionState.REGISTERED, "{\"restored\":" + version + "}", null, version,
        1_000, 2_000, 2_000, 0, 0), Map.of(), List.of());
  }

  private static long streamLength(String key) {
    return Long.parseLong(Resp.text(redis7.port(), "XLEN", key).trim());
  }

  /** The names of the function libraries Redis holds. */
  private static List<String> libraries() {
    Object reply = Resp.call(redis7.port(), "FUNCTION", "LIST");
    List<String> names = new java.util.ArrayList<>();
    for (Object lib : (List<?>) reply) {
      List<?> fields = (List<?>) lib;
      names.add(String.valueOf(fields.get(fields.indexOf("library_name") + 1)));
    }
    return names;
  }

  /** How many times Redis ran {@code command} ({@code INFO commandstats}). */
  private static long calls(String command) {
    for (String line : Resp.text(redis7.port(), "INFO", "commandstats").split("\r\n")) {
      if (line.startsWith("cmdstat_" + command + ":calls=")) {
        return Long.parseLong(line.substring(line.indexOf('=') + 1, line.indexOf(',')));
      }
    }
    return 0;
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
