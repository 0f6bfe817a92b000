package io.sessiond.admin;

import io.sessiond.admin.AdminRequests.Job;
import io.sessiond.admin.AdminRequests.JobRef;
import io.sessiond.admin.AdminRequests.TenantRef;
import io.sessiond.admin.AdminRequests.Usage;
import io.sessiond.admin.CatalogCommand.DeleteTenant;
import io.sessiond.admin.CatalogCommand.Seed;
import io.sessiond.config.AppConfig;
import io.sessiond.config.StoreConfig;
import io.sessiond.store.StoreAccess;
import io.sessiond.tenant.RequestCounts;
import io.sessiond.tenant.TenantDirectory;
import io.sessiond.tenant.TenantSpec;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the tenant catalog: seeds it with the declared tenants, keeps this instance's
 * {@link TenantDirectory} in step with it (polling its change counter every {@code TENANTS_RELOAD_MS}),
 * applies administration changes, runs tenant deletion jobs and adds up request counts. Serves
 * {@link AdminAddresses}; failures carry an {@link AdminFailure} code.
 */
public final class AdminVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(AdminVerticle.class);
  /** How often a durable catalog checks that Redis holds every change PostgreSQL committed. */
  static final long REPAIR_EVERY_MS = 5_000;
  private static final long COUNTS_EVERY_MS = 1_000;

  private final AppConfig config;
  private final TenantDirectory directory;
  private final List<TenantSpec> declared;
  private final RequestCounts counts;
  private AdminRedis redisClient;
  private io.vertx.sqlclient.Pool pg;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private CatalogStore catalog;
  private JobBook jobs;
  private RequestTotals totals;
  private TenantDeletion deletion;
  private TenantData data;
  private long served = -1;
  private boolean polling;
  private final List<Long> timers = new ArrayList<>();

  public AdminVerticle(AppConfig config, TenantDirectory directory, List<TenantSpec> declared, RequestCounts counts) {
    this.config = config;
    this.directory = directory;
    this.declared = List.copyOf(declared);
    this.counts = counts;
  }

  @Override
  public Future<?> start() {
    boolean redis = config.store().kind().equals(StoreConfig.REDIS);
    if (redis) {
      redisClient = new AdminRedis(vertx, config.redis());
      pg = config.pg().enabled() ? AdminPg.pool(vertx, config.pg()) : null;
      catalog = pg == null ? new RedisCatalogStore(redisClient) : new DurableCatalogStore(redisClient, pg);
      jobs = JobBook.redis(redisClient);
      totals = RequestTotals.redis(redisClient);
    } else {
      catalog = new LocalCatalogStore(vertx, config.store().kind().equals(StoreConfig.FILE) ? config.store().dataDir() : null);
      jobs = JobBook.local();
      totals = RequestTotals.local();
    }
    return StoreAccess.overBus(config.http().requestTimeoutMs()).open(vertx).compose(store -> {
      data = new TenantData(store);
      deletion = new TenantDeletion(vertx, jobs, data, pg, redisClient, totals,
          config.admin().reloadMs() + config.http().requestTimeoutMs());
      return catalog.open();
    }).compose(v -> catalog.change(new Seed(declared)))
        .onSuccess(this::remember)
        .compose(v -> serveBus())
        .onSuccess(v -> {
          if (redis) {
            timers.add(vertx.setPeriodic(config.admin().reloadMs(), t -> poll()));
          }
          timers.add(vertx.setPeriodic(REPAIR_EVERY_MS, t -> catalog.maintain()
              .onFailure(e -> LOG.warn("Tenant catalog repair failed: {}", e.getMessage()))));
          timers.add(vertx.setPeriodic(COUNTS_EVERY_MS, t -> totals.add(counts.drain())));
        });
  }

  /** Serves the catalog's tenants from now on (a catalog older than the one served is ignored). */
  private void serve(Catalog c) {
    if (c.version() > served || served < 0) {
      directory.replace(c.specs());
      if (served >= 0) {
        LOG.info("Tenant catalog version {} loaded: {} tenants", c.version(), c.specs().size());
      }
      served = c.version();
    }
  }

  /**
   * One poll of the change counter: one GET. A counter below the version served means Redis lost the
   * catalog (a restart without persistence, a flush): the tenants served are kept and written back.
   */
  private void poll() {
    if (polling) {
      return;
    }
    polling = true;
    catalog.version().compose(v -> {
      if (v == served) {
        return Future.succeededFuture();
      }
      if (v < served) {
        LOG.warn("The tenant catalog in Redis is at version {}, behind the {} served here: Redis lost it; restoring it", v, served);
        return restore();
      }
      return catalog.load().onSuccess(this::remember).mapEmpty();
    }).onComplete(ar -> {
      polling = false;
      if (ar.failed()) {
        LOG.debug("Tenant catalog poll failed: {}", ar.cause().getMessage());
      }
    });
  }

  private Future<Void> restore() {
    return directoryCatalog().compose(known -> catalog instanceof RedisCatalogStore r ? r.restore(known) : Future.succeededFuture())
        .compose(v -> catalog.load()).map(c -> {
          served = -1;
          lastLoaded = null;
          remember(c);
          return null;
        });
  }

  private Future<Catalog> directoryCatalog() {
    return lastLoaded == null ? Future.succeededFuture(Catalog.EMPTY) : Future.succeededFuture(lastLoaded);
  }

  private Catalog lastLoaded;

  private Future<Void> serveBus() {
    consumers.add(vertx.eventBus().<CatalogCommand>localConsumer(AdminAddresses.CHANGE, m -> reply(m,
        cmd -> catalog.change(cmd).map(c -> {
          remember(c);
          return cmd.tenant() == null ? null : c.tenants().get(cmd.tenant());
        }))));
    consumers.add(vertx.eventBus().localConsumer(AdminAddresses.CATALOG, m -> reply(m,
        x -> catalog.load().onSuccess(this::remember))));
    consumers.add(vertx.eventBus().<TenantRef>localConsumer(AdminAddresses.USAGE, m -> reply(m, this::usage)));
    consumers.add(vertx.eventBus().<TenantRef>localConsumer(AdminAddresses.DELETE, m -> reply(m,
        ref -> catalog.change(new DeleteTenant(ref.tenant())).compose(c -> {
          remember(c);
          return deletion.start(ref.tenant());
        }))));
    consumers.add(vertx.eventBus().<JobRef>localConsumer(AdminAddresses.JOB, m -> reply(m,
        ref -> jobs.get(ref.id()).compose(j -> j != null ? Future.succeededFuture(j)
            : Future.failedFuture(new AdminException(AdminFailure.NOT_FOUND, "there is no job " + ref.id()))))));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  /** A catalog this instance changed or read: served at once, without waiting for the next poll. */
  private void remember(Catalog c) {
    if (lastLoaded == null || c.version() >= lastLoaded.version()) {
      lastLoaded = c;
    }
    serve(c);
  }

  private Future<Usage> usage(TenantRef ref) {
    return catalog.load().compose(c -> {
      if (c.live(ref.tenant()) == null) {
        return Future.failedFuture(new AdminException(AdminFailure.NOT_FOUND, "there is no tenant '" + ref.tenant() + "'"));
      }
      return Future.all(data.usage(ref.tenant()), totals.get(ref.tenant())).map(all -> {
        long[] u = all.resultAt(0);
        long requests = all.resultAt(1);
        return new Usage(ref.tenant(), u[0], u[1], requests, u[2] == 1);
      });
    });
  }

  private <Q, R> void reply(Message<Q> m, Function<Q, Future<R>> work) {
    Future<R> f;
    try {
      f = work.apply(m.body());
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onSuccess(m::reply).onFailure(e -> {
      AdminFailure failure = e instanceof AdminException a ? a.failure() : AdminFailure.UNAVAILABLE;
      if (!(e instanceof AdminException)) {
        LOG.warn("Administration request failed", e);
      }
      m.fail(failure.code(), e.getMessage());
    });
  }

  @Override
  public Future<?> stop() {
    timers.forEach(vertx::cancelTimer);
    totals.add(counts.drain());
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList())
        .eventually(() -> redisClient == null ? Future.succeededFuture() : redisClient.close())
        .eventually(() -> pg == null ? Future.succeededFuture() : pg.close());
  }
}
