package io.sessiond.store;

import io.vertx.core.Future;

/**
 * Runs every store operation in place of the store verticle's direct call, for what must happen
 * around it before the reply (PostgreSQL write-through). Invoked on the store verticle's context.
 */
@FunctionalInterface
public interface StoreInterceptor {
  <Q, R> Future<R> run(StoreOperation<Q, R> op, Q request, SessionStore store);
}
