package io.sessiond.store.redis;

import io.sessiond.config.RedisConfig;
import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreBackend;
import io.sessiond.store.StoreService;
import io.sessiond.store.StoreSettings;
import io.sessiond.sync.ChangeFeedService;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * {@code SESSION_STORE=redis}: the sessions live in Redis, shared by every instance; the process keeps
 * no session state, so each event loop runs a store of its own. With PostgreSQL sync on, every write
 * also records its change (in the change stream on a single Redis, in its slot's stream on a cluster),
 * and the store verticle serves those records to sync as a {@link io.sessiond.sync.ChangeFeed}.
 */
public final class RedisBackend implements StoreBackend {
  private final StoreSettings settings;
  private final RedisConfig config;
  private final boolean recordChanges;
  /** On a cluster with sync: the slot streams and what this process knows of them, shared by its stores. */
  private final SlotStreams slots;
  private final SlotActivity activity = new SlotActivity();

  /** @param recordChanges whether writes record their changes for PostgreSQL sync (and the change feed is served) */
  public RedisBackend(StoreSettings settings, RedisConfig config, boolean recordChanges) {
    this.settings = settings;
    this.config = config;
    this.recordChanges = recordChanges;
    this.slots = recordChanges && RedisConfig.CLUSTER.equals(config.mode()) ? new SlotStreams(config.prefix()) : null;
  }

  @Override
  public SessionStore create(Vertx vertx) {
    ChangeRecording recording = !recordChanges ? ChangeRecording.off()
        : slots != null ? ChangeRecording.perSlot(slots)
        : ChangeRecording.stream(RedisSessionStore.changeStream(config.prefix()));
    return new RedisSessionStore(vertx, settings, config, recording);
  }

  @Override
  public boolean perEventLoop() {
    return true;
  }

  @Override
  public List<StoreService> services(SessionStore store) {
    if (!recordChanges) {
      return List.of();
    }
    RedisSessionStore redis = (RedisSessionStore) store;
    RedisChangeFeed feed = slots != null ? redis.slotChangeFeed(slots, activity) : redis.changeFeed(config.prefix());
    return List.of(new ChangeFeedService(feed, feed::ensureGroup));
  }
}
