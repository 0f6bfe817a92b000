package io.sessiond;

import io.sessiond.config.AppConfig;
import io.sessiond.config.StoreConfig;
import io.sessiond.health.HealthAddresses;
import io.sessiond.health.HealthCheck;
import io.sessiond.health.HealthVerticle;
import io.sessiond.http.HttpApiVerticle;
import io.sessiond.metrics.Metrics;
import io.sessiond.metrics.SessiondMeters;
import io.sessiond.metrics.TenantUsage;
import io.sessiond.store.FileSessionStore;
import io.sessiond.store.LocalRecordCodec;
import io.sessiond.store.LocalStore;
import io.sessiond.store.MemorySessionStore;
import io.sessiond.store.RedisSessionStore;
import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreSettings;
import io.sessiond.store.StoreVerticle;
import io.sessiond.sync.SyncVerticle;
import io.sessiond.sync.WriteThrough;
import io.sessiond.tenant.RateLimiter;
import io.sessiond.tenant.RequestIds;
import io.sessiond.tenant.TenantRegistry;
import io.sessiond.tenant.TenantSpec;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One running daemon: deploys store → health → HTTP in that order (the store restores before
 * anything answers) and undeploys in reverse. {@link Main} runs one; tests run several.
 */
public final class Sessiond {
  private final Vertx vertx;
  private final AppConfig config;
  private final TenantRegistry tenants;
  private final List<String> tenantIds;
  private final SessiondMeters meters;
  private final List<String> deployments = new ArrayList<>();
  private final List<HttpApiVerticle> httpVerticles = new ArrayList<>();

  private Sessiond(Vertx vertx, AppConfig config, List<TenantSpec> tenants) {
    this.vertx = vertx;
    this.config = config;
    this.tenants = new TenantRegistry(tenants);
    this.tenantIds = tenants.stream().map(TenantSpec::id).distinct().toList();
    this.meters = Metrics.meters(vertx);
  }

  /** Deploys a daemon with the given tenants on {@code vertx}; fails when any verticle fails to start. */
  public static Future<Sessiond> start(Vertx vertx, AppConfig config, List<TenantSpec> tenants) {
    Sessiond d = new Sessiond(vertx, config, tenants);
    return d.deploy().map(d).recover(t -> d.stop().transform(ar -> Future.failedFuture(t)));
  }

  private Future<Void> deploy() {
    LocalRecordCodec.register(vertx.eventBus());
    RequestIds.install(vertx.eventBus());
    StoreConfig store = config.store();
    // The memory and file stores are single-threaded by design; the Redis store keeps no state in
    // the process, so it runs one instance per HTTP instance for the event-bus callers (sync, restore,
    // health), while each HTTP verticle runs its own on its own event loop (localStore()).
    int storeInstances = store.kind().equals(StoreConfig.REDIS) ? config.http().instances() : 1;
    return vertx.deployVerticle(() -> new StoreVerticle(storeFactory(), store.sweepIntervalMs(), store.maxMessages(), meters)
            .intercept(interceptor()),
            new DeploymentOptions().setInstances(storeInstances))
        .compose(this::deployed)
        .compose(v -> deploySync())
        .compose(v -> vertx.deployVerticle(healthVerticle()))
        .compose(this::deployed)
        .compose(v -> openApi())
        .compose(this::deployHttp)
        .compose(this::deployed);
  }

  private HealthVerticle healthVerticle() {
    long timeout = config.http().requestTimeoutMs();
    List<HealthCheck> checks = config.pg().enabled()
        ? List.of(HealthCheck.ping("store", StoreAddresses.PING, timeout),
            HealthCheck.sync(config.pg().writeThrough(), meters, timeout))
        : List.of(HealthCheck.ping("store", StoreAddresses.PING, timeout));
    TenantUsage usage = new TenantUsage(new StoreClient(vertx, timeout), meters, tenantIds);
    return new HealthVerticle(config.ops().healthIntervalMs(), config.ops().tenantMetricsIntervalMs(), checks, meters, usage);
  }

  private Future<String> deployHttp(Buffer openApi) {
    RateLimiter limiter = new RateLimiter();
    return vertx.deployVerticle(() -> {
      HttpApiVerticle v = new HttpApiVerticle(config.http(), config.store(), tenants, limiter, openApi, config.ops(), meters,
          localStore());
      synchronized (httpVerticles) {
        httpVerticles.add(v);
      }
      return v;
    }, new DeploymentOptions().setInstances(config.http().instances()));
  }

  /**
   * The PostgreSQL sync, when on. It restores before it reports started, so HTTP (and readiness)
   * come up only after the restore; on shutdown it is undeployed before the store and flushes first.
   */
  private Future<Void> deploySync() {
    if (!config.pg().enabled()) {
      return Future.succeededFuture();
    }
    return vertx.deployVerticle(new SyncVerticle(config.pg(), config.redis(), config.store().autoRestore(),
        config.http().requestTimeoutMs())).compose(this::deployed);
  }

  /**
   * On the Redis store, each HTTP verticle runs its own store on its own event loop and calls it
   * directly (docs/decisions.md): no event-bus hop to another thread and back per request. The memory
   * and file stores are single-threaded, so HTTP reaches their one store verticle over the event bus.
   */
  private LocalStore localStore() {
    StoreConfig store = config.store();
    return store.kind().equals(StoreConfig.REDIS)
        ? new LocalStore(storeFactory(), interceptor(), store.maxMessages(), meters)
        : null;
  }

  /** In write-through mode, every store operation waits for PostgreSQL before it is answered; else none. */
  private WriteThrough interceptor() {
    return config.pg().writeThrough() ? new WriteThrough(vertx, config.http().requestTimeoutMs()) : null;
  }

  private Future<Void> deployed(String id) {
    deployments.add(id);
    return Future.succeededFuture();
  }

  private Function<Vertx, SessionStore> storeFactory() {
    StoreConfig c = config.store();
    StoreSettings settings = new StoreSettings(c.defaultTtlSeconds(), c.maxMessages(), tenants::limits);
    return switch (c.kind()) {
      case StoreConfig.FILE -> v -> new FileSessionStore(v, settings, c.dataDir(), c.autoRestore(), c.snapshotEvery());
      case StoreConfig.REDIS -> v -> new RedisSessionStore(v, settings, config.redis(), config.pg().enabled());
      default -> v -> new MemorySessionStore(settings);
    };
  }

  private Future<Buffer> openApi() {
    return vertx.executeBlocking(() -> {
      try (InputStream in = Sessiond.class.getResourceAsStream("/docs/openapi.yaml")) {
        return in == null ? Buffer.buffer("openapi: 3.0.3\n") : Buffer.buffer(in.readAllBytes());
      } catch (IOException e) {
        throw new IllegalStateException("cannot read the packaged OpenAPI document", e);
      }
    });
  }

  /**
   * Readiness turns 503 for good (load balancers stop sending new requests), then, after
   * {@code SHUTDOWN_DRAIN_DELAY_MS} for them to notice, the caller stops the HTTP server.
   */
  private Future<Void> drain() {
    if (deployments.isEmpty()) {
      return Future.succeededFuture();
    }
    long delay = config.ops().shutdownDrainDelayMs();
    return vertx.eventBus().request(HealthAddresses.DRAIN, "drain").<Void>mapEmpty().otherwiseEmpty()
        .compose(v -> delay == 0 ? Future.<Void>succeededFuture() : vertx.timer(delay).<Void>mapEmpty());
  }

  /** The HTTP port actually bound. */
  public int httpPort() {
    return httpVerticles.get(0).actualPort();
  }

  /** The API's registered endpoints, as (method, path template) pairs. */
  public List<String> endpoints() {
    return httpVerticles.get(0).endpoints();
  }

  public AppConfig config() {
    return config;
  }

  /**
   * Drains, then undeploys HTTP first (stops accepting; requests in flight get up to
   * {@code SHUTDOWN_GRACE_MS}), then health, then the store (which flushes and closes).
   */
  public Future<Void> stop() {
    Future<Void> chain = drain();
    for (int i = deployments.size() - 1; i >= 0; i--) {
      String id = deployments.get(i);
      chain = chain.compose(v -> vertx.undeploy(id).otherwiseEmpty());
    }
    deployments.clear();
    return chain;
  }
}
