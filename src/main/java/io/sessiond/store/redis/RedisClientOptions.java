package io.sessiond.store.redis;

import io.sessiond.config.RedisConfig;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;

/** The vertx-redis-client options for a {@link RedisConfig}: mode, endpoints, credentials, pool, timeouts. */
public final class RedisClientOptions {
  private RedisClientOptions() {
  }

  public static RedisOptions of(RedisConfig c) {
    RedisOptions o = new RedisOptions()
        .setType(switch (c.mode()) {
          case RedisConfig.CLUSTER -> RedisClientType.CLUSTER;
          case RedisConfig.SENTINEL -> RedisClientType.SENTINEL;
          default -> RedisClientType.STANDALONE;
        })
        // The shared connections, plus room for the start-up check and the outage probe.
        .setMaxPoolSize(c.poolSize() + 2)
        .setMaxPoolWaiting(c.maxPoolWaiting())
        .setMaxWaitingHandlers(c.maxPipelined())
        .setPoolRecycleTimeout(60_000)
        .setNetClientOptions(new NetClientOptions()
            .setConnectTimeout((int) c.connectTimeoutMs())
            .setTcpKeepAlive(true)
            .setTcpNoDelay(true));
    c.endpoints().forEach(o::addConnectionString);
    if (c.password() != null) {
      o.setPassword(c.password());
    }
    if (c.username() != null) {
      o.setUser(c.username());
    }
    if (RedisConfig.SENTINEL.equals(c.mode())) {
      o.setMasterName(c.masterName()).setRole(RedisRole.MASTER);
    }
    return o;
  }
}
