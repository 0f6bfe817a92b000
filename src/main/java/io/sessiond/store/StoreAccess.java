package io.sessiond.store;

import io.sessiond.metrics.SessiondMeters;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * How a verticle reaches the store, decided once where the daemon is assembled: over the event bus
 * to the one store verticle, or in-process, with a store of its own on its own event loop
 * (docs/architecture.md says which backend uses which, and why).
 */
@FunctionalInterface
public interface StoreAccess {

  /** A client for the calling verticle, opened on its context; close it when the verticle stops. */
  Future<StoreClient> open(Vertx vertx);

  /** Every call goes over the event bus to the store verticle. */
  static StoreAccess overBus(long timeoutMs) {
    return vertx -> Future.succeededFuture(new BusStoreClient(vertx, timeoutMs));
  }

  /** Each caller opens its own store of {@code backend} on its own context and calls it directly. */
  static StoreAccess inProcess(StoreBackend backend, StoreInterceptor interceptor, int maxMessages,
                               SessiondMeters meters) {
    return vertx -> {
      InProcessStore store = new InProcessStore(backend, interceptor, maxMessages, meters);
      // A store that fails to open is closed here: its caller never sees it.
      return store.open(vertx).<StoreClient>map(store)
          .recover(e -> store.close().transform(ar -> Future.failedFuture(e)));
    };
  }
}
