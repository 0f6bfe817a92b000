package io.sessiond.store;

import io.vertx.core.Future;

/**
 * Runs every store operation in place of a direct call, for what must happen around it before the
 * reply (PostgreSQL write-through). Invoked on the context of the store that runs the operation.
 */
@FunctionalInterface
public interface StoreInterceptor {
  /** Nothing around the operation: the store runs it directly. */
  StoreInterceptor DIRECT = new StoreInterceptor() {
    @Override
    public <Q, R> Future<R> run(StoreOperation<Q, R> op, Q request, SessionStore store) {
      return op.invoke().apply(store, request);
    }
  };

  <Q, R> Future<R> run(StoreOperation<Q, R> op, Q request, SessionStore store);
}
