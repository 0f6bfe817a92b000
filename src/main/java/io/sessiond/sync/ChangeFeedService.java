package io.sessiond.sync;

import io.sessiond.store.StoreService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.function.Supplier;

/**
 * Serves a {@link ChangeFeed} on {@link SyncAddresses#FEED}, on the context of the store verticle that
 * runs it (the feed shares that store's connections). A failed call is answered with
 * {@link SyncFailure#SESSION_UNREADABLE} when what it read could not be parsed (one session is at
 * fault: the worker quarantines it), else {@link SyncFailure#STORE_UNAVAILABLE}.
 */
public final class ChangeFeedService implements StoreService {
  private final ChangeFeed feed;
  private final Supplier<Future<Void>> open;
  private MessageConsumer<BusChangeFeed.FeedCall<Object>> consumer;

  /**
   * @param open what must succeed before the feed serves (e.g. the consumer group made); its failure fails the start
   */
  public ChangeFeedService(ChangeFeed feed, Supplier<Future<Void>> open) {
    this.feed = feed;
    this.open = open;
  }

  @Override
  public Future<Void> start(Vertx vertx) {
    return open.get().compose(v -> {
      consumer = vertx.eventBus().localConsumer(SyncAddresses.FEED, m -> m.body().call().apply(feed)
          .onSuccess(result -> m.reply(new BusChangeFeed.FeedResult<>(result)))
          .onFailure(e -> m.fail((Quarantine.sessionFault(e) ? SyncFailure.SESSION_UNREADABLE
              : SyncFailure.STORE_UNAVAILABLE).code(), String.valueOf(e.getMessage()))));
      return consumer.completion();
    });
  }

  @Override
  public Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }
}
