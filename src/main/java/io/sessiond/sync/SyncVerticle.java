package io.sessiond.sync;

import io.sessiond.config.PgConfig;
import io.sessiond.config.RedisConfig;
import io.sessiond.store.ChangeLog;
import io.sessiond.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL side of the store: owns the pool, migrates the schema, restores sessions at
 * start-up (before it reports started, so HTTP and readiness wait for it), then drains the change
 * stream on a timer ({@link SyncWorker}) and serves {@link SyncAddresses}. Deployed after the store
 * verticle, whose operations it calls over the event bus.
 */
public final class SyncVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(SyncVerticle.class);
  private static final long EXPIRED_CLEANUP_MS = 60_000;
  /** Expired rows are removed from PostgreSQL this long after expiry, like Redis's own grace (clock skew). */
  private static final long EXPIRED_GRACE_MS = 120_000;
  private static final long FLUSH_ON_STOP_MS = 5_000;

  private final PgConfig config;
  private final RedisConfig redis;
  private final boolean autoRestore;
  private final long storeTimeoutMs;
  private final String instance = "sessiond-" + UUID.randomUUID();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private Pool pool;
  private ChangeLog changeLog;
  private SyncWorker worker;
  private BlobReader blobs;
  private RestoreJobs jobs;
  private long tickTimer = -1;
  private long cleanupTimer = -1;

  public SyncVerticle(PgConfig config, RedisConfig redis, boolean autoRestore, long storeTimeoutMs) {
    this.config = config;
    this.redis = redis;
    this.autoRestore = autoRestore;
    this.storeTimeoutMs = storeTimeoutMs;
  }

  @Override
  public Future<?> start() {
    pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(config.poolSize())
            .setConnectionTimeout((int) config.connectTimeoutMs()).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
        .with(new NetClientOptions().setConnectTimeout((int) config.connectTimeoutMs()))
        .connectingTo(connectOptions()).using(vertx).build();
    changeLog = new ChangeLog(vertx, redis);
    StoreClient store = new StoreClient(vertx, storeTimeoutMs);
    // Restore imports whole sessions: give them the store's longest patience.
    StoreClient restoreStore = new StoreClient(vertx, Math.max(storeTimeoutMs, 30_000));
    blobs = new BlobReader(store, pool);
    worker = new SyncWorker(vertx, changeLog, new PostgresSessionWriter(pool), blobs, instance,
        config.batchSize(), config.claimIdleMs());
    Restorer restorer = new Restorer(pool, restoreStore, config.restoreBatchSize());
    jobs = new RestoreJobs(vertx, changeLog, restorer, instance, config.restoreLockMs());
    return checkConnection()
        .compose(v -> Migrations.packaged().migrate(pool))
        .compose(v -> changeLog.open())
        .compose(v -> serve())
        .compose(v -> autoRestore ? jobs.startupRestore() : Future.succeededFuture())
        .onSuccess(v -> {
          tickTimer = vertx.setPeriodic(config.syncIntervalMs(), id -> worker.tick());
          cleanupTimer = vertx.setPeriodic(EXPIRED_CLEANUP_MS, id -> cleanupExpired());
          LOG.info("PostgreSQL sync ({}) to {} started", config.syncMode(), config.describe());
        });
  }

  private PgConnectOptions connectOptions() {
    return new PgConnectOptions().setHost(config.host()).setPort(config.port()).setDatabase(config.database())
        .setUser(config.user()).setPassword(config.password());
  }

  private Future<Void> checkConnection() {
    return pool.query("SELECT 1").execute().<Void>mapEmpty()
        .timeout(config.connectTimeoutMs() * 2, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(new IllegalStateException("PG_URL: cannot reach PostgreSQL at "
            + config.describe() + ": " + e.getMessage(), e)));
  }

  private Future<Void> serve() {
    consumers.add(vertx.eventBus().localConsumer(SyncAddresses.STATUS, m -> {
      Future<Long> backlog = changeLog.backlog().otherwise(-1L);
      // Asked now, not remembered from the last batch: an idle instance must notice an outage too.
      Future<Boolean> up = pool.query("SELECT 1").execute().timeout(config.connectTimeoutMs(), TimeUnit.MILLISECONDS)
          .map(true).otherwise(false);
      Future.join(backlog, up).onComplete(ar -> m.reply(new SyncStatus(jobs.startupInProgress(),
          jobs.startupRestored(), backlog.result(), worker.lagMs(), up.result())));
    }));
    consumers.add(vertx.eventBus().<SyncRequests.StartRestore>localConsumer(SyncAddresses.RESTORE,
        m -> jobs.start(m.body().tenant()).onSuccess(m::reply).onFailure(e -> m.fail(503, e.getMessage()))));
    consumers.add(vertx.eventBus().<SyncRequests.JobRef>localConsumer(SyncAddresses.JOB,
        m -> jobs.get(m.body()).onSuccess(job -> {
          if (job == null) {
            m.fail(404, "no job " + m.body().id());
          } else {
            m.reply(job);
          }
        }).onFailure(e -> m.fail(503, e.getMessage()))));
    PostgresSessionWriter writer = new PostgresSessionWriter(pool);
    consumers.add(vertx.eventBus().<SyncRequests.Persist>localConsumer(SyncAddresses.PERSIST, m -> {
      SyncRequests.Persist p = m.body();
      // A write landing between the after-image and the blob list leaves the blob rows to its own change.
      Future<Void> written = p.export() != null
          ? blobs.withBlobs(p.tenant(), p.export())
              .recover(e -> e instanceof BlobReader.Moved
                  ? Future.succeededFuture(new PostgresSessionWriter.Upsert(p.tenant(), p.export(), null))
                  : Future.failedFuture(e))
              .compose(u -> writer.write(List.of(), List.of(u)))
          : writer.write(List.of(new PostgresSessionWriter.Deletion(p.tenant(), p.id(), p.deletedCreatedAt(),
              p.deletedVersion())), List.of());
      written.onSuccess(v -> m.reply(null)).onFailure(e -> m.fail(503, e.getMessage()));
    }));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  private void cleanupExpired() {
    new PostgresSessionWriter(pool).deleteExpired(System.currentTimeMillis() - EXPIRED_GRACE_MS)
        .onSuccess(n -> {
          if (n > 0) {
            LOG.debug("removed {} expired sessions from PostgreSQL", n);
          }
        });
  }

  /** Stops reading new work, syncs what this instance has pending (bounded), then closes. */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(tickTimer);
    vertx.cancelTimer(cleanupTimer);
    Future<Void> flushed = worker == null ? Future.succeededFuture()
        : worker.flush(System.currentTimeMillis() + FLUSH_ON_STOP_MS)
            .timeout(FLUSH_ON_STOP_MS * 2, TimeUnit.MILLISECONDS)
            .onFailure(e -> LOG.warn("Pending sync work not flushed at shutdown (another instance will take it over): {}",
                e.getMessage()))
            .otherwiseEmpty();
    return flushed
        .compose(v -> Future.join(consumers.stream().map(MessageConsumer::unregister).toList()))
        .eventually(() -> jobs == null ? Future.succeededFuture() : jobs.close())
        .eventually(() -> changeLog == null ? Future.succeededFuture() : changeLog.close())
        .eventually(() -> pool == null ? Future.succeededFuture() : pool.close());
  }
}
