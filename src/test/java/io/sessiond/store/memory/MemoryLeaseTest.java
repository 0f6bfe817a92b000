package io.sessiond.store.memory;

import io.sessiond.store.LeaseContract;
import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreSettings;
import io.vertx.core.Vertx;

class MemoryLeaseTest extends LeaseContract {
  @Override
  protected SessionStore newStore(Vertx vertx, StoreSettings settings) {
    return new MemorySessionStore(settings);
  }
}
