package io.sessiond.store;

import io.vertx.core.Future;

/**
 * How other verticles call the store: every {@link StoreAddresses} operation with its request and
 * reply records, failures as {@link StoreException}s. Two implementations, chosen once where the
 * daemon is assembled ({@link StoreAccess}): over the event bus to the store verticle
 * ({@link BusStoreClient}), or in-process on the caller's own event loop ({@link InProcessStore}).
 * Either way every call ends within the caller's request timeout.
 */
public interface StoreClient {

  /** Runs one operation; fails with a {@link StoreException} (or, for a bug, anything else). */
  <Q, R> Future<R> call(StoreOperation<Q, R> op, Q request);

  /** Whether the store this client uses can serve requests now; fails with UNAVAILABLE when not. */
  Future<Void> ping();

  /** Releases what this client opened (nothing, over the bus). */
  Future<Void> close();
}
