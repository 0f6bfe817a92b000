package io.sessiond.store.memory;

import io.sessiond.store.OnceContract;
import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreSettings;
import io.vertx.core.Vertx;

class MemoryOnceTest extends OnceContract {
  @Override
  protected SessionStore newStore(Vertx vertx, StoreSettings settings) {
    return new MemorySessionStore(settings);
  }
}
