package io.sessiond.store;

import io.vertx.core.Vertx;

class MemorySessionStoreTest extends SessionStoreContract {
  @Override
  protected SessionStore newStore(Vertx vertx, StoreSettings settings) {
    return new MemorySessionStore(settings);
  }
}
