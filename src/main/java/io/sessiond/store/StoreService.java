package io.sessiond.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Something the store verticle serves beside the store contract, on the same context and
 * connections as its store ({@link StoreBackend#services}). Started after the store opened, stopped
 * before it closes.
 */
public interface StoreService {
  Future<Void> start(Vertx vertx);

  Future<Void> stop();
}
