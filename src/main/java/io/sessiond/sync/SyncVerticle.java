package io.sessiond.sync;

import io.sessiond.config.PgConfig;
import io.sessiond.store.StoreAccess;
import io.sessiond.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL side of the store: owns the pool (and nothing else), migrates the schema, restores
 * sessions at start-up (before it reports started, so HTTP and readiness wait for it), then drains
 * the store's change feed on a timer ({@link SyncWorker}) and serves {@link SyncAddresses}. Deployed
 * after the store verticle, whose operations and change feed it calls over the event bus; write-through
 * hands it complete change records ({@link SyncAddresses#PERSIST}) and it never calls the store back
 * for them. Failures are answered with a {@link SyncFailure} code.
 */
public final class SyncVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(SyncVerticle.class);
  private static final long EXPIRED_CLEANUP_MS = 60_000;
  /** Expired rows are removed from PostgreSQL this long after expiry, like Redis's own grace (clock skew). */
  private static final long EXPIRED_GRACE_MS = 120_000;
  private static final long FLUSH_ON_STOP_MS = 5_000;

  private final PgConfig config;
  private final boolean autoRestore;
  private final long storeTimeoutMs;
  private final Refill refill;
  private final boolean framedRestore;
  private final String instance = "sessiond-" + UUID.randomUUID();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private Pool pool;
  private ChangeFeed changeFeed;
  private SyncWorker worker;
  private BlobReader blobs;
  private RestoreJobs jobs;
  private Restorer restorer;
  private EpochWatch epochWatch;
  private DurableEpoch epoch;
  private long epochTimer = -1;
  private long tickTimer = -1;
  private long cleanupTimer = -1;

  /**
   * @param refill this daemon's view of a refill of Redis from PostgreSQL, shared with the HTTP stores
   *               ({@link RestoreOnDemand}); the verticle notices and runs refills when
   *               {@link PgConfig#refillCheckMs()} is positive
   * @param framedRestore whether restores read keys and messages as PostgreSQL frames them (one value a session
   *                      and type, copied as it is into Redis's commands): for a single Redis, whose direct
   *                      restore takes them so; other stores decode them again
   */
  public SyncVerticle(PgConfig config, boolean autoRestore, long storeTimeoutMs, Refill refill, boolean framedRestore) {
    this.config = config;
    this.autoRestore = autoRestore;
    this.storeTimeoutMs = storeTimeoutMs;
    this.refill = refill;
    this.framedRestore = framedRestore;
  }

  @Override
  public Future<?> start() {
    pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(config.poolSize())
            .setConnectionTimeout((int) config.connectTimeoutMs()).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
        .with(new NetClientOptions().setConnectTimeout((int) config.connectTimeoutMs()))
        .connectingTo(connectOptions()).using(vertx).build();
    changeFeed = new BusChangeFeed(vertx, storeTimeoutMs);
    // Restore imports whole sessions: give them the store's longest patience.
    Future<StoreClient> store = StoreAccess.overBus(storeTimeoutMs).open(vertx);
    Future<StoreClient> restoreStore = StoreAccess.overBus(Math.max(storeTimeoutMs, 30_000)).open(vertx);
    return Future.all(store, restoreStore).compose(v -> {
      blobs = new BlobReader(store.result());
      epoch = new DurableEpoch(pool, changeFeed);
      worker = new SyncWorker(vertx, changeFeed, new PostgresSessionWriter(pool), epoch, blobs, instance,
          config.batchSize(), config.claimIdleMs(), Math.min(config.syncParallel(), Math.max(1, config.poolSize() - 1)));
      restorer = new Restorer(vertx, changeFeed, instance, pool, restoreStore.result(), epoch,
          config.restoreBatchSize(), framedRestore);
      jobs = new RestoreJobs(vertx, changeFeed, restorer, instance, config.restoreLockMs());
      epochWatch = new EpochWatch(vertx, changeFeed, restorer, refill, instance, config.restoreLockMs());
      return checkConnection();
    })
        .compose(v -> Migrations.packaged().migrate(pool))
        .compose(v -> serve())
        .compose(v -> autoRestore ? jobs.startupRestore() : Future.succeededFuture())
        .compose(v -> config.refillCheckMs() > 0 ? epochWatch.start() : Future.succeededFuture())
        .onSuccess(v -> {
          if (config.refillCheckMs() > 0) {
            epochTimer = vertx.setPeriodic(config.refillCheckMs(), id -> epochWatch.check());
          }
          tickTimer = vertx.setPeriodic(config.syncIntervalMs(), id -> worker.tick());
          cleanupTimer = vertx.setPeriodic(EXPIRED_CLEANUP_MS, id -> cleanupExpired());
          LOG.info("PostgreSQL sync ({}) to {} started", config.syncMode(), config.describe());
        });
  }

  private PgConnectOptions connectOptions() {
    return PostgresConnection.options(config);
  }

  private Future<Void> checkConnection() {
    return pool.query("SELECT 1").execute().<Void>mapEmpty()
        .timeout(config.connectTimeoutMs() * 2, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(new IllegalStateException("PG_URL: cannot reach PostgreSQL at "
            + config.describe() + " (sslmode=" + config.sslMode() + "): " + e.getMessage()
            + (config.password() == null ? " (no password was given: put it in PG_URL, PGPASSWORD or ~/.pgpass)" : ""), e)));
  }

  private Future<Void> serve() {
    consumers.add(vertx.eventBus().localConsumer(SyncAddresses.STATUS, m -> {
      Future<Long> backlog = changeFeed.backlog().otherwise(-1L);
      Future<Long> quarantined = changeFeed.quarantined().map(q -> (long) q.size()).otherwise(-1L);
      // Asked now, not remembered from the last batch: an idle instance must notice an outage too.
      Future<Boolean> up = pool.query("SELECT 1").execute().timeout(config.connectTimeoutMs(), TimeUnit.MILLISECONDS)
          .map(true).otherwise(false);
      Future.join(backlog, up, quarantined).onComplete(ar -> m.reply(new SyncStatus(jobs.startupInProgress(),
          jobs.startupRestored(), backlog.result(), worker.lagMs(), up.result(), quarantined.result(),
          refill.active(), refill.restored())));
    }));
    consumers.add(vertx.eventBus().<SyncRequests.StartRestore>localConsumer(SyncAddresses.RESTORE,
        m -> jobs.start(m.body().tenant()).onSuccess(m::reply)
            .onFailure(e -> m.fail(e instanceof RestoreJobs.JobRunning ? SyncFailure.JOB_RUNNING.code()
                : SyncFailure.STORE_UNAVAILABLE.code(), e.getMessage()))));
    consumers.add(vertx.eventBus().<SyncRequests.JobRef>localConsumer(SyncAddresses.JOB,
        m -> jobs.get(m.body()).onSuccess(job -> {
          if (job == null) {
            m.fail(SyncFailure.JOB_NOT_FOUND.code(), "no job " + m.body().id());
          } else {
            m.reply(job);
          }
        }).onFailure(e -> m.fail(SyncFailure.STORE_UNAVAILABLE.code(), e.getMessage()))));
    consumers.add(vertx.eventBus().<SyncRequests.QuarantineQuery>localConsumer(SyncAddresses.QUARANTINE,
        m -> changeFeed.quarantineOf(m.body().tenant(), m.body().id())
            .onSuccess(detail -> m.reply(new SyncRequests.QuarantineState(detail)))
            .onFailure(e -> m.fail(SyncFailure.STORE_UNAVAILABLE.code(), e.getMessage()))));
    consumers.add(vertx.eventBus().<SyncRequests.RestoreSession>localConsumer(SyncAddresses.RESTORE_SESSION,
        m -> restorer.restoreSession(m.body().tenant(), m.body().id()).onSuccess(m::reply)
            .onFailure(e -> m.fail(SyncFailure.POSTGRES_UNAVAILABLE.code(), e.getMessage()))));
    consumers.add(vertx.eventBus().<SyncRequests.StartRestore>localConsumer(SyncAddresses.RESTORE_TENANT_NOW,
        m -> restorer.run(m.body().tenant(), new Restorer.Progress()).onSuccess(p -> m.reply(p.restored.get()))
            .onFailure(e -> m.fail(SyncFailure.POSTGRES_UNAVAILABLE.code(), e.getMessage()))));
    consumers.add(vertx.eventBus().localConsumer(SyncAddresses.CHECK_EPOCH,
        m -> (config.refillCheckMs() > 0 ? epochWatch.checkNow() : Future.succeededFuture(false)).onSuccess(m::reply)));
    PostgresSessionWriter writer = new PostgresSessionWriter(pool);
    consumers.add(vertx.eventBus().<SyncRequests.Persist>localConsumer(SyncAddresses.PERSIST, m -> {
      SyncRequests.Persist p = m.body();
      // Committed only under the Redis epoch the write was made in (a restore waits for it, or it is refused).
      Function<SqlConnection, Future<Void>> fence = p.epoch() == null ? conn -> Future.succeededFuture()
          : conn -> epoch.hold(conn, p.epoch());
      // Blob rows are left as they are: blob changes reach PostgreSQL through the change feed.
      Future<Void> written = p.export() != null
          ? writer.write(List.of(), List.of(new PostgresSessionWriter.Upsert(p.tenant(), p.export(), null)), fence)
          : writer.write(List.of(new PostgresSessionWriter.Deletion(p.tenant(), p.id(), p.deletedCreatedAt(),
              p.deletedVersion())), List.of(), fence);
      written.onSuccess(v -> m.reply(null)).onFailure(e -> {
        if (e instanceof DurableEpoch.Moved && config.refillCheckMs() > 0) {
          epochWatch.checkNow(); // this daemon's epoch is behind: learn the new one before the retry
        }
        m.fail(SyncFailure.POSTGRES_UNAVAILABLE.code(), e.getMessage());
      });
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
    vertx.cancelTimer(epochTimer);
    Future<Void> flushed = worker == null ? Future.succeededFuture()
        : worker.flush(System.currentTimeMillis() + FLUSH_ON_STOP_MS)
            .timeout(FLUSH_ON_STOP_MS * 2, TimeUnit.MILLISECONDS)
            .onFailure(e -> LOG.warn("Pending sync work not flushed at shutdown (another instance will take it over): {}",
                e.getMessage()))
            .otherwiseEmpty();
    return flushed
        .compose(v -> Future.join(consumers.stream().map(MessageConsumer::unregister).toList()))
        .eventually(() -> jobs == null ? Future.succeededFuture() : jobs.close())
        .eventually(() -> pool == null ? Future.succeededFuture() : pool.close());
  }
}
