package io.sessiond.store.redis;

import io.sessiond.store.CredsHistoryContract;
import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreSettings;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Vertx;
import java.util.Map;

class RedisCredsHistoryTest extends CredsHistoryContract {
  @Override
  protected SessionStore newStore(Vertx vertx, StoreSettings settings) {
    return new RedisSessionStore(vertx, settings, TestRedis.config(TestRedis.uniquePrefix(), Map.of()), true);
  }
}
