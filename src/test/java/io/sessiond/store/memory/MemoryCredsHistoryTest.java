package io.sessiond.store.memory;

import io.sessiond.store.CredsHistoryContract;
import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreSettings;
import io.vertx.core.Vertx;

class MemoryCredsHistoryTest extends CredsHistoryContract {
  @Override
  protected SessionStore newStore(Vertx vertx, StoreSettings settings) {
    return new MemorySessionStore(settings);
  }
}
