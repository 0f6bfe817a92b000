package io.sessiond.store.redis;

import io.sessiond.store.SessionStoreContract;
import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreSettings;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Vertx;
import java.util.Map;

/** The whole store contract, unchanged, on a real Redis; each test gets a key prefix of its own. */
class RedisSessionStoreTest extends SessionStoreContract {
  @Override
  protected SessionStore newStore(Vertx vertx, StoreSettings settings) {
    return new RedisSessionStore(vertx, settings, TestRedis.config(TestRedis.uniquePrefix(), Map.of()));
  }
}
