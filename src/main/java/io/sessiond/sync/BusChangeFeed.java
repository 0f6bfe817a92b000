package io.sessiond.sync;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The {@link ChangeFeed} as the sync verticle sees it: each call travels over the event bus to the
 * store verticle, which runs it on its own connections ({@link ChangeFeedService}), and its result
 * comes back on the caller's context.
 */
final class BusChangeFeed implements ChangeFeed {
  private final Vertx vertx;
  private final DeliveryOptions options;

  BusChangeFeed(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
  }

  private <T> Future<T> call(Function<ChangeFeed, Future<T>> call) {
    return vertx.eventBus().<FeedResult<T>>request(SyncAddresses.FEED, new FeedCall<>(call), options)
        .map(m -> m.body().value());
  }

  @Override
  public Future<List<Change>> claim(String consumer, long minIdleMs, int count) {
    return call(f -> f.claim(consumer, minIdleMs, count));
  }

  @Override
  public Future<List<Change>> pending(String consumer, int count) {
    return call(f -> f.pending(consumer, count));
  }

  @Override
  public Future<List<Change>> fresh(String consumer, int count) {
    return call(f -> f.fresh(consumer, count));
  }

  @Override
  public Future<Void> done(List<String> entryIds) {
    return call(f -> f.done(entryIds));
  }

  @Override
  public Future<Long> backlog() {
    return call(ChangeFeed::backlog);
  }

  @Override
  public Future<List<SessionParts>> readParts(List<SessionParts.Request> requests) {
    return call(f -> f.readParts(requests));
  }

  @Override
  public Future<Void> quarantine(String tenant, String id, String detail) {
    return call(f -> f.quarantine(tenant, id, detail));
  }

  @Override
  public Future<Void> release(String tenant, String id) {
    return call(f -> f.release(tenant, id));
  }

  @Override
  public Future<Map<String, String>> quarantined() {
    return call(ChangeFeed::quarantined);
  }

  @Override
  public Future<String> quarantineOf(String tenant, String id) {
    return call(f -> f.quarantineOf(tenant, id));
  }

  @Override
  public Future<String> epoch(String candidate) {
    return call(f -> f.epoch(candidate));
  }

  @Override
  public Future<Boolean> tryLock(String name, String token, long ttlMs) {
    return call(f -> f.tryLock(name, token, ttlMs));
  }

  @Override
  public Future<Boolean> renewLock(String name, String token, long ttlMs) {
    return call(f -> f.renewLock(name, token, ttlMs));
  }

  @Override
  public Future<Void> unlock(String name, String token) {
    return call(f -> f.unlock(name, token));
  }

  @Override
  public Future<Boolean> locked(String name) {
    return call(f -> f.locked(name));
  }

  @Override
  public Future<Void> putRecord(String name, Map<String, String> fields, long ttlMs) {
    return call(f -> f.putRecord(name, Map.copyOf(fields), ttlMs));
  }

  @Override
  public Future<Map<String, String>> getRecord(String name) {
    return call(f -> f.getRecord(name));
  }

  /** One call of the feed, run where the feed lives; the bus is local to the process, so it travels by reference. */
  record FeedCall<T>(Function<ChangeFeed, Future<T>> call) {
  }

  /** A call's result (lists and maps travel by reference inside a record, like every sessiond bus body). */
  record FeedResult<T>(T value) {
  }
}
