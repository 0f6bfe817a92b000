package io.sessiond.store.redis;

import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests;
import io.sessiond.store.StoreSettings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.config.RedisConfig;
import io.sessiond.store.StoreRequests.ListSessions;
import io.sessiond.store.StoreRequests.PutSession;
import io.sessiond.store.StoreRequests.QueryKeys;
import io.sessiond.store.StoreRequests.SessionRef;
import io.sessiond.store.StoreRequests.WriteKeys;
import io.sessiond.tenant.TenantLimits;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two store instances on one Redis, each with its own Vert.x (as two daemons would have), racing on
 * the same sessions: nothing is lost, If-Match picks one winner, sweeping is shared safely.
 */
@ExtendWith(VertxExtension.class)
class RedisMultiInstanceTest {
  private static final StoreSettings SETTINGS = new StoreSettings(3600, 10, t -> TenantLimits.UNLIMITED);

  private final String tenant = "t-" + UUID.randomUUID().toString().substring(0, 8);
  private final String prefix = TestRedis.uniquePrefix();
  private Vertx otherVertx;
  private SessionStore one;
  private SessionStore two;

  @BeforeEach
  void open(Vertx vertx, VertxTestContext tc) {
    RedisConfig config = TestRedis.config(prefix, Map.of());
    otherVertx = Vertx.vertx();
    one = new RedisSessionStore(vertx, SETTINGS, config);
    two = new RedisSessionStore(otherVertx, SETTINGS, config);
    Future.all(one.open(), two.open()).onComplete(tc.succeedingThenComplete());
  }

  @AfterEach
  void close(VertxTestContext tc) {
    Future.all(one.close(), two.close()).eventually(() -> otherVertx.close()).onComplete(tc.succeedingThenComplete());
  }

  @Test
  void twoInstancesTimesSixteenWriters_ofDisjointKeys_inConcurrentBatches_loseNoKey(VertxTestContext tc) {
    int writersPerInstance = 16;
    int batches = 5;
    int keysPerBatch = 20;
    List<Future<?>> writers = new ArrayList<>();
    one.put(put("shared")).compose(r -> {
      for (int w = 0; w < writersPerInstance * 2; w++) {
        writers.add(writeBatches(w % 2 == 0 ? one : two, w, 0, batches, keysPerBatch));
      }
      return Future.all(writers);
    }).compose(all -> two.status(new SessionRef(tenant, "shared"))).onComplete(tc.succeeding(status -> tc.verify(() -> {
      int expected = writersPerInstance * 2 * batches * keysPerBatch;
      assertEquals(Map.of("pre-key", (long) expected), status.keyCounts());
      assertEquals(1 + writersPerInstance * 2 * batches, status.version());
      tc.completeNow();
    })));
  }

  private Future<Void> writeBatches(SessionStore store, int writer, int batch, int batches, int keysPerBatch) {
    if (batch == batches) {
      return Future.succeededFuture();
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (int k = 0; k < keysPerBatch; k++) {
      values.put(writer + "-" + batch + "-" + k, "{\"w\":" + writer + "}");
    }
    return store.writeKeys(new WriteKeys(tenant, "shared", Map.of("pre-key", values), StoreRequests.ANY_VERSION))
        .compose(w -> writeBatches(store, writer, batch + 1, batches, keysPerBatch));
  }

  @Test
  void concurrentIfMatchWriters_onTwoInstances_exactlyOneWinsPerVersion(VertxTestContext tc) {
    one.put(put("race")).compose(r -> race(r.session().version(), 10)).onComplete(tc.succeedingThenComplete());
  }

  /** Eight writers (four per instance) all name the current version; exactly one may succeed. */
  private Future<Void> race(long version, int roundsLeft) {
    if (roundsLeft == 0) {
      return Future.succeededFuture();
    }
    List<Future<Boolean>> attempts = new ArrayList<>();
    for (int w = 0; w < 8; w++) {
      SessionStore store = w % 2 == 0 ? one : two;
      attempts.add(store.writeKeys(new WriteKeys(tenant, "race", Map.of("k", Map.of("w" + w, "1")), version))
          .map(true)
          .recover(e -> e instanceof StoreException se && se.failure() == StoreFailure.VERSION_MISMATCH
              ? Future.succeededFuture(false) : Future.failedFuture(e)));
    }
    return Future.all(attempts).compose(all -> {
      long winners = attempts.stream().filter(Future::result).count();
      if (winners != 1) {
        return Future.failedFuture(new AssertionError(winners + " writers won version " + version));
      }
      return race(version + 1, roundsLeft - 1);
    });
  }

  @Test
  void twoSweepers_removeEachExpiredSessionOnce_andLeaveLiveOnes(Vertx vertx, VertxTestContext tc) {
    int expiring = 40;
    List<Future<?>> puts = new ArrayList<>();
    for (int i = 0; i < expiring; i++) {
      puts.add(one.put(new PutSession(tenant, "exp-" + i, "{}", null, null, 1L, StoreRequests.ANY_VERSION)));
    }
    puts.add(two.put(new PutSession(tenant, "live", "{}", null, null, 3600L, StoreRequests.ANY_VERSION)));
    long sweepAt = System.currentTimeMillis() + 5_000;
    Future.all(puts)
        .compose(v -> Future.all(one.sweepExpired(sweepAt), two.sweepExpired(sweepAt), one.sweepExpired(sweepAt)))
        .compose(counts -> {
          int removed = counts.<Integer>resultAt(0) + counts.<Integer>resultAt(1) + counts.<Integer>resultAt(2);
          tc.verify(() -> assertEquals(expiring, removed));
          return two.list(new ListSessions(tenant, null, null, null, 100));
        })
        .onComplete(tc.succeeding(page -> tc.verify(() -> {
          assertEquals(List.of("live"), page.sessions().stream().map(s -> s.id()).toList());
          tc.completeNow();
        })));
  }

  @Test
  void concurrentMergePatches_fromTwoInstances_allLand(VertxTestContext tc) {
    int patchers = 20;
    one.put(put("doc")).compose(r -> {
      List<Future<?>> patches = new ArrayList<>();
      for (int p = 0; p < patchers; p++) {
        patches.add((p % 2 == 0 ? one : two).patch(new StoreRequests.PatchSession(tenant, "doc",
            "{\"m" + p + "\":" + p + "}", StoreRequests.ANY_VERSION)));
      }
      return Future.all(patches);
    }).compose(all -> two.get(new SessionRef(tenant, "doc"))).onComplete(tc.succeeding(s -> tc.verify(() -> {
      io.vertx.core.json.JsonObject data = new io.vertx.core.json.JsonObject(s.dataJson());
      assertEquals(patchers, data.size(), s.dataJson());
      assertEquals(1 + patchers, s.version());
      tc.completeNow();
    })));
  }

  @Test
  void racingCreatesAndDeletes_fromTwoInstances_leaveTheIndexEqualToTheSessions(VertxTestContext tc) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add("r" + i);
    }
    java.util.Random random = new java.util.Random(7);
    List<Future<?>> ops = new ArrayList<>();
    for (int n = 0; n < 1000; n++) {
      SessionStore store = random.nextBoolean() ? one : two;
      String id = ids.get(random.nextInt(ids.size()));
      ops.add(random.nextInt(3) == 0
          ? store.delete(new SessionRef(tenant, id)).otherwiseEmpty()
          : store.put(put(id)).mapEmpty());
    }
    Future.join(ops)
        .compose(v -> {
          List<Future<Boolean>> exists = new ArrayList<>();
          ids.forEach(id -> exists.add(one.get(new SessionRef(tenant, id)).map(true).otherwise(false)));
          return Future.all(exists).map(all -> {
            java.util.TreeSet<String> live = new java.util.TreeSet<>();
            for (int i = 0; i < ids.size(); i++) {
              if (all.<Boolean>resultAt(i)) {
                live.add(ids.get(i));
              }
            }
            return live;
          });
        })
        .compose(live -> indexed().map(indexed -> {
          tc.verify(() -> assertEquals(live, indexed));
          return live;
        }))
        .compose(live -> two.list(new ListSessions(tenant, null, null, null, 100)).map(page -> {
          tc.verify(() -> assertEquals(List.copyOf(live), page.sessions().stream().map(s -> s.id()).toList()));
          return page;
        }))
        .onComplete(tc.succeedingThenComplete());
  }

  /** The raw content of the tenant's id index. */
  private Future<java.util.TreeSet<String>> indexed() {
    io.vertx.redis.client.Redis raw = io.vertx.redis.client.Redis.createClient(otherVertx, TestRedis.url());
    return raw.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.ZRANGE)
            .arg(prefix + "{" + tenant + "}:ids").arg(0).arg(-1))
        .map(r -> {
          java.util.TreeSet<String> ids = new java.util.TreeSet<>();
          r.forEach(x -> ids.add(x.toString()));
          return ids;
        })
        .eventually(raw::close);
  }

  @Test
  void writesThroughOneInstance_areVisibleThroughTheOther(VertxTestContext tc) {
    one.put(put("seen"))
        .compose(r -> one.writeKeys(new WriteKeys(tenant, "seen", Map.of("pre-key", Map.of("1", "\"v\"")),
            StoreRequests.ANY_VERSION)))
        .compose(w -> two.queryKeys(new QueryKeys(tenant, "seen", "pre-key", List.of("1", "2"))))
        .onComplete(tc.succeeding(k -> tc.verify(() -> {
          assertEquals(Map.of("1", "\"v\""), k.values());
          assertTrue(true);
          tc.completeNow();
        })));
  }

  private PutSession put(String id) {
    return new PutSession(tenant, id, "{}", null, null, null, StoreRequests.ANY_VERSION);
  }
}
