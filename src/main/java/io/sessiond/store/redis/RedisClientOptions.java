package io.sessiond.store.redis;

import io.sessiond.config.RedisConfig;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;

/** The vertx-redis-client options for a {@link RedisConfig}: mode, endpoints, credentials, pool, timeouts, TLS. */
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
        // The shared connections, the bulk one (RedisLink.withBulk), and room for the start-up check and the outage probe.
        .setMaxPoolSize(c.poolSize() + 3)
        .setMaxPoolWaiting(c.maxPoolWaiting())
        .setMaxWaitingHandlers(c.maxPipelined())
        .setPoolRecycleTimeout(60_000)
        .setNetClientOptions(netClient(c));
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

  /** TCP settings, and for {@code rediss://} TLS that checks the server's certificate (and host name). */
  private static NetClientOptions netClient(RedisConfig c) {
    NetClientOptions net = new NetClientOptions()
        .setConnectTimeout((int) c.connectTimeoutMs())
        .setTcpKeepAlive(true)
        .setTcpNoDelay(true);
    if (c.tls()) {
      net.setSsl(true).setHostnameVerificationAlgorithm(c.tlsVerifyHostname() ? "HTTPS" : "");
      if (c.tlsCaFile() != null) {
        net.setTrustOptions(new PemTrustOptions().addCertPath(c.tlsCaFile()));
      }
    }
    return net;
  }
}
