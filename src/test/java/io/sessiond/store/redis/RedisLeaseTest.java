package io.sessiond.store.redis;

import io.sessiond.store.LeaseContract;
import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreSettings;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Vertx;
import java.util.Map;

/** The lease contract on a real Redis: the fence is checked inside the script that writes. */
class RedisLeaseTest extends LeaseContract {
  @Override
  protected SessionStore newStore(Vertx vertx, StoreSettings settings) {
    return new RedisSessionStore(vertx, settings, TestRedis.config(TestRedis.uniquePrefix(), Map.of()), true);
  }
}
