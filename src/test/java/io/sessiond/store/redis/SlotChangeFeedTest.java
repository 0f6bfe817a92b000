package io.sessiond.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.store.StoreSettings;
import io.sessiond.sync.ChangeFeed.Change;
import io.sessiond.tenant.TenantLimits;
import io.sessiond.testing.TestRedis;
import io.sessiond.testing.TestRedisCluster;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How much one read of new entries takes from a real cluster's slot streams: every active slot (more
 * than one round of streams), and more than one entry from a slot that holds several, bounded by the
 * entries asked for.
 */
class SlotChangeFeedTest {
  private static final StoreSettings SETTINGS = new StoreSettings(3600, 10, t -> TenantLimits.UNLIMITED, 3);
  private static TestRedisCluster cluster;
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    cluster = TestRedisCluster.start();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close();
    cluster.stop();
  }

  /** A feed on a fresh prefix whose slots {@code entries} (slot → how many) hold change entries, known to be active. */
  private static SlotChangeFeed feed(RedisSessionStore store, String prefix, Map<Integer, Integer> entries) {
    SlotStreams streams = new SlotStreams(prefix);
    for (Map.Entry<Integer, Integer> e : entries.entrySet()) {
      for (int i = 0; i < e.getValue(); i++) {
        cluster.masterOf(e.getKey()).call("XADD", streams.stream(e.getKey()), "*", "s", "t:s" + e.getKey() + "-" + i,
            "v", "1", "c", "1");
      }
    }
    SlotActivity activity = new SlotActivity();
    activity.swept(System.currentTimeMillis(), List.copyOf(entries.keySet())); // as the sweep finds them; none due now
    return (SlotChangeFeed) store.slotChangeFeed(streams, activity);
  }

  private static RedisSessionStore store(String prefix) throws Exception {
    Map<String, String> settings = cluster.settings();
    RedisSessionStore store = new RedisSessionStore(vertx, SETTINGS,
        TestRedis.config(settings.get("REDIS_URL"), prefix, settings), true);
    await(store.open());
    return store;
  }

  @Test
  void oneRead_takesEveryActiveSlot_andAllOfASlotsFewEntries() throws Exception {
    String prefix = TestRedis.uniquePrefix();
    RedisSessionStore store = store(prefix);
    try {
      Map<Integer, Integer> entries = new HashMap<>();
      IntStream.range(0, 700).forEach(i -> entries.put(i * 23, 1)); // 700 slots on every master, more than a round
      entries.put(0, 10);
      SlotChangeFeed feed = feed(store, prefix, entries);

      List<Change> read = await(feed.fresh("c1", 1000));

      Set<String> slots = new HashSet<>();
      read.forEach(c -> slots.add(c.entryId().substring(c.entryId().indexOf('@') + 1)));
      assertEquals(700, slots.size(), "every active slot read in one call");
      assertEquals(709, read.size(), "every entry: all 10 of the slot that held 10");
      assertTrue(await(feed.fresh("c1", 1000)).isEmpty(), "nothing left");
    } finally {
      await(store.close());
    }
  }

  @Test
  void oneRead_isBoundedByTheEntriesAskedFor_notByTheSlots() throws Exception {
    String prefix = TestRedis.uniquePrefix();
    RedisSessionStore store = store(prefix);
    try {
      Map<Integer, Integer> entries = new HashMap<>();
      IntStream.range(0, 5).forEach(i -> entries.put(i * 3001, 200));
      SlotChangeFeed feed = feed(store, prefix, entries);

      int total = 0;
      for (int reads = 0; reads < 20 && total < 1000; reads++) {
        int n = await(feed.fresh("c1", 100)).size();
        assertTrue(n >= 100 && n < 200, "a read of 100 took " + n + ": at most one round of 5 slots more");
        total += n;
      }
      assertEquals(1000, total, "the 1,000 entries in 10 reads of 100");
    } finally {
      await(store.close());
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
