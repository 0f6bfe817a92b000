package io.sessiond.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.store.StoreRequests;
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
 * missing still succeeds), and not loaded with {@code REDIS_FUNCTIONS=false} (the default). The rest of the store's behaviour on functions is the
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
