package io.sessiond.store.redis;

import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests;
import io.sessiond.store.StoreSettings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.store.StoreRequests.PutSession;
import io.sessiond.store.StoreRequests.SessionRef;
import io.sessiond.tenant.TenantLimits;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Connection handling of the Redis store: start-up checks, NOSCRIPT, outages and recovery. */
@ExtendWith(VertxExtension.class)
class RedisConnectionTest {
  private static final StoreSettings SETTINGS = new StoreSettings(3600, 10, t -> TenantLimits.UNLIMITED);
  private static final Map<String, String> FAST = Map.of("REDIS_RETRY_BACKOFF_MS", "20",
      "REDIS_RECONNECT_MAX_BACKOFF_MS", "200", "REDIS_TIMEOUT_MS", "1000", "REDIS_CONNECT_TIMEOUT_MS", "500");

  private final String tenant = "t-" + UUID.randomUUID().toString().substring(0, 8);

  @Test
  void open_withRedisUnreachable_failsFast_withUnavailable_namingTheServer(Vertx vertx, VertxTestContext tc) {
    int closedPort = freePort();
    RedisSessionStore store = new RedisSessionStore(vertx, SETTINGS,
        TestRedis.config("redis://127.0.0.1:" + closedPort, TestRedis.uniquePrefix(), FAST));
    long start = System.currentTimeMillis();
    store.open().onComplete(tc.failing(e -> tc.verify(() -> {
      assertTrue(System.currentTimeMillis() - start < 3000);
      assertEquals(StoreFailure.UNAVAILABLE, ((StoreException) e).failure());
      assertTrue(e.getMessage().contains("127.0.0.1:" + closedPort), e.getMessage());
      tc.completeNow();
    })));
  }

  @Test
  void open_withAWrongPassword_saysSo_withoutEchoingIt(Vertx vertx, VertxTestContext tc) {
    TestRedis.Server server = TestRedis.privateServer();
    server.command("CONFIG SET requirepass s3cret-pw");
    String wrong = "redis://:not-the-pw@127.0.0.1:" + server.port();
    String right = "redis://:s3cret-pw@127.0.0.1:" + server.port();
    RedisSessionStore refused = new RedisSessionStore(vertx, SETTINGS, TestRedis.config(wrong, TestRedis.uniquePrefix(), FAST));
    RedisSessionStore accepted = new RedisSessionStore(vertx, SETTINGS, TestRedis.config(right, TestRedis.uniquePrefix(), FAST));
    refused.open()
        .transform(ar -> {
          tc.verify(() -> {
            assertTrue(ar.failed());
            assertTrue(ar.cause().getMessage().contains("credentials"), ar.cause().getMessage());
            assertFalse(ar.cause().getMessage().contains("not-the-pw"));
          });
          return accepted.open();
        })
        .compose(v -> accepted.put(put("s1")))
        .eventually(() -> accepted.close())
        .onComplete(ar -> {
          server.stop();
          tc.verify(() -> assertTrue(ar.succeeded(), String.valueOf(ar.cause())));
          tc.completeNow();
        });
  }

  @Test
  void scriptFlush_isRecoveredByReloadingTheScripts(Vertx vertx, VertxTestContext tc) {
    TestRedis.Server server = TestRedis.privateServer();
    RedisSessionStore store = new RedisSessionStore(vertx, SETTINGS,
        TestRedis.config(server.url(), TestRedis.uniquePrefix(), FAST));
    store.open()
        .compose(v -> store.put(put("s1")))
        .compose(v -> {
          assertEquals("+OK", server.command("SCRIPT FLUSH"));
          return store.put(put("s1"));
        })
        .compose(r -> store.get(new SessionRef(tenant, "s1")))
        .onComplete(tc.succeeding(s -> tc.verify(() -> {
          assertEquals(2, s.version());
          assertTrue(server.command("SCRIPT EXISTS " + new LuaScripts().put.sha()).contains("*1"));
        })))
        .eventually(store::close)
        .onComplete(ar -> {
          server.stop();
          tc.completeNow();
        });
  }

  @Test
  void outage_failsRequestsFastWithUnavailable_andTheStoreRecoversByItself(Vertx vertx, VertxTestContext tc) {
    TestRedis.Server server = TestRedis.privateServer();
    RedisSessionStore store = new RedisSessionStore(vertx, SETTINGS,
        TestRedis.config(server.url(), TestRedis.uniquePrefix(), FAST));
    long[] failedAfter = new long[2];
    store.open()
        .compose(v -> store.put(put("before")))
        .compose(v -> store.ping())
        .compose(v -> {
          server.stop();
          long start = System.currentTimeMillis();
          return store.get(new SessionRef(tenant, "before")).transform(ar -> {
            failedAfter[0] = System.currentTimeMillis() - start;
            return unavailable(ar.failed() ? ar.cause() : null);
          });
        })
        .compose(v -> store.ping().transform(ar -> unavailable(ar.failed() ? ar.cause() : null)))
        .compose(v -> {
          long start = System.currentTimeMillis();
          return store.put(put("during")).transform(ar -> {
            failedAfter[1] = System.currentTimeMillis() - start;
            return unavailable(ar.failed() ? ar.cause() : null);
          });
        })
        .compose(v -> {
          server.start();
          return eventually(vertx, 10_000, () -> store.put(put("after")).map(r -> true).otherwise(false));
        })
        .compose(v -> store.get(new SessionRef(tenant, "after")))
        .onComplete(tc.succeeding(s -> tc.verify(() -> {
          assertEquals(1, s.version());
          assertTrue(failedAfter[0] < 1500, "first failure took " + failedAfter[0] + " ms");
          assertTrue(failedAfter[1] < 200, "failure while down took " + failedAfter[1] + " ms");
        })))
        .eventually(store::close)
        .onComplete(ar -> {
          server.stop();
          tc.completeNow();
        });
  }

  @Test
  void hungRedis_afterAFewTimeouts_failsFast_andRecoversWhenRedisAnswersAgain(Vertx vertx, VertxTestContext tc) {
    TestRedis.Server server = TestRedis.privateServer();
    Map<String, String> settings = new java.util.HashMap<>(FAST);
    settings.put("REDIS_TIMEOUT_MS", "300");
    RedisSessionStore store = new RedisSessionStore(vertx, SETTINGS, TestRedis.config(server.url(), TestRedis.uniquePrefix(), settings));
    long[] fastFailure = new long[1];
    store.open()
        .compose(v -> store.put(put("s1")))
        .compose(v -> vertx.executeBlocking(() -> {
          hang(server, 30_000).await();
          return null;
        }))
        .compose(v -> vertx.timer(50))
        .compose(v -> timeouts(store, 3))
        .compose(v -> {
          long start = System.currentTimeMillis();
          return store.get(new SessionRef(tenant, "s1")).transform(ar -> {
            fastFailure[0] = System.currentTimeMillis() - start;
            return unavailable(ar.failed() ? ar.cause() : null);
          });
        })
        // Redis hangs until the test has seen what it looks for, however slow the machine: then it answers again.
        .compose(v -> vertx.executeBlocking(() -> {
          endHang(server);
          return null;
        }))
        .compose(v -> eventually(vertx, 10_000, () -> store.get(new SessionRef(tenant, "s1")).map(s -> true).otherwise(false)))
        .onComplete(tc.succeeding(v -> tc.verify(() ->
            assertTrue(fastFailure[0] < 100, "a request while Redis hangs took " + fastFailure[0] + " ms"))))
        .eventually(store::close)
        .onComplete(ar -> {
          server.stop();
          tc.completeNow();
        });
  }

  /** {@code n} requests in a row, each failing UNAVAILABLE after the request timeout. */
  private Future<Void> timeouts(RedisSessionStore store, int n) {
    if (n == 0) {
      return Future.succeededFuture();
    }
    return store.get(new SessionRef(tenant, "s1")).transform(ar -> unavailable(ar.failed() ? ar.cause() : null))
        .compose(v -> timeouts(store, n - 1));
  }

  /**
   * Keeps the server busy in a Lua loop for {@code millis}: it answers nobody meanwhile, as if hung.
   * The latch opens once the script has been sent.
   */
  private static java.util.concurrent.CountDownLatch hang(TestRedis.Server server, long millis) {
    java.util.concurrent.CountDownLatch sent = new java.util.concurrent.CountDownLatch(1);
    Thread t = new Thread(() -> {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
        s.setSoTimeout(30_000);
        String script = "local function ms() local t = redis.call('TIME') return t[1] * 1000 + t[2] / 1000 end "
            + "local s = ms() while ms() - s < " + millis + " do end return 1";
        s.getOutputStream().write(("EVAL \"" + script + "\" 0\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        s.getOutputStream().flush();
        sent.countDown();
        s.getInputStream().read();
      } catch (java.io.IOException e) {
        sent.countDown(); // the test sees the outcome through the store
      }
    }, "redis-hang");
    t.setDaemon(true);
    t.start();
    return sent;
  }

  /**
   * Ends the script {@link #hang} started with SCRIPT KILL, which Redis takes once the script has run
   * for its busy threshold (5 s by default); a script that already ended answers NOTBUSY.
   */
  private static void endHang(TestRedis.Server server) throws java.io.IOException {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(60_000);
      s.getOutputStream().write("SCRIPT KILL\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      s.getInputStream().read(); // +OK, or -NOTBUSY
    }
  }

  @Test
  void close_letsRequestsInFlightFinish_andRefusesNewOnes(Vertx vertx, VertxTestContext tc) {
    RedisSessionStore store = new RedisSessionStore(vertx, SETTINGS, TestRedis.config(TestRedis.uniquePrefix(), Map.of()));
    store.open().compose(v -> {
      java.util.List<Future<?>> inFlight = new java.util.ArrayList<>();
      for (int i = 0; i < 200; i++) {
        inFlight.add(store.put(put("s" + i)));
      }
      Future<Void> closed = store.close();
      return Future.all(inFlight).compose(all -> closed).compose(v2 -> unavailable(store.get(new SessionRef(tenant, "s1"))
          .transform(ar -> Future.succeededFuture(ar.cause())).result()));
    }).onComplete(tc.succeedingThenComplete());
  }

  private PutSession put(String id) {
    return new PutSession(tenant, id, "{\"a\":1}", null, null, null, StoreRequests.ANY_VERSION);
  }

  private static Future<Void> unavailable(Throwable failure) {
    if (failure instanceof StoreException e && e.failure() == StoreFailure.UNAVAILABLE) {
      return Future.succeededFuture();
    }
    return Future.failedFuture(new AssertionError("expected UNAVAILABLE, got " + failure));
  }

  private static Future<Void> eventually(Vertx vertx, long timeoutMs, Supplier<Future<Boolean>> condition) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    return condition.get().compose(ok -> {
      if (ok) {
        return Future.succeededFuture();
      }
      if (System.currentTimeMillis() > deadline) {
        return Future.failedFuture(new AssertionError("still failing at the deadline"));
      }
      return vertx.timer(50).compose(t -> eventually(vertx, deadline - System.currentTimeMillis(), condition));
    });
  }

  private static int freePort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

}
