package io.sessiond.store.redis;

import io.sessiond.store.OnceContract;
import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreSettings;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Vertx;
import java.util.Map;

/** Idempotency records on a real Redis, with change recording on as production's write-behind runs it. */
class RedisOnceTest extends OnceContract {
  @Override
  protected SessionStore newStore(Vertx vertx, StoreSettings settings) {
    return new RedisSessionStore(vertx, settings, TestRedis.config(TestRedis.uniquePrefix(), Map.of()), true);
  }
}
