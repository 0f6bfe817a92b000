package io.sessiond.admin;

import io.sessiond.config.PgConfig;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.sessiond.sync.PostgresConnection;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.concurrent.TimeUnit;

/** The administration's own small PostgreSQL pool (the durable catalog and tenant deletion). */
final class AdminPg {
  private static final int POOL_SIZE = 2;

  private AdminPg() {
  }

  static Pool pool(Vertx vertx, PgConfig config) {
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(POOL_SIZE)
            .setConnectionTimeout((int) config.connectTimeoutMs()).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
        .with(new NetClientOptions().setConnectTimeout((int) config.connectTimeoutMs()))
        // The same connection settings as sync (sslmode, sslrootcert, password sources).
        .connectingTo(PostgresConnection.options(config))
        .using(vertx).build();
  }
}
