package io.sessiond;

import io.sessiond.config.AppConfig;
import io.sessiond.config.EventsConfig;
import io.sessiond.config.RedisConfig;
import io.sessiond.config.StoreConfig;
import io.sessiond.webhook.LocalWebhookStore;
import io.sessiond.webhook.WebhookDispatcher;
import io.sessiond.webhook.WebhookFile;
import io.sessiond.webhook.WebhookRedis;
import io.sessiond.webhook.WebhookStore;
import io.sessiond.webhook.Webhooks;
import io.sessiond.encryption.Encryption;
import io.sessiond.health.HealthAddresses;
import io.sessiond.health.HealthCheck;
import io.sessiond.health.HealthVerticle;
import io.sessiond.http.HttpApiVerticle;
import io.sessiond.http.ManagementVerticle;
import io.sessiond.metrics.Metrics;
import io.sessiond.metrics.SessiondMeters;
import io.sessiond.health.TenantUsage;
import io.sessiond.store.EventLogSettings;
import io.sessiond.store.LocalRecordCodec;
import io.sessiond.store.StoreAccess;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreBackend;
import io.sessiond.store.StoreInterceptor;
import io.sessiond.store.StoreSettings;
import io.sessiond.store.StoreVerticle;
import io.sessiond.store.file.FileBackend;
import io.sessiond.store.memory.MemoryBackend;
import io.sessiond.store.redis.RedisBackend;
import io.sessiond.sync.Refill;
import io.sessiond.sync.RestoreOnDemand;
import io.sessiond.sync.SyncAddresses;
import io.sessiond.sync.SyncRequests;
import io.sessiond.sync.SyncVerticle;
import io.sessiond.sync.WriteThrough;
import io.sessiond.tenant.RateLimiter;
import io.sessiond.tenant.RequestIds;
import io.sessiond.tenant.RequestCounts;
import io.sessiond.tenant.TenantDirectory;
import io.sessiond.admin.AdminVerticle;
import io.sessiond.admin.SharedRateLimiter;
import io.sessiond.tenant.RequestRate;
import io.sessiond.tenant.TenantSpec;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One running daemon, assembled here and nowhere else: picks the store backend and how the HTTP
 * verticles reach it (in-process on their own event loops, or over the event bus), then deploys store
 * → sync → health → HTTP in that order (the store and the restore come up before anything answers)
 * and undeploys in reverse. {@link Main} runs one; tests run several. docs/architecture.md draws it.
 */
public final class Sessiond {
  private final Vertx vertx;
  private final AppConfig config;
  private final TenantDirectory tenants;
  private final List<TenantSpec> declared;
  private final RequestCounts requestCounts = new RequestCounts();
  private RequestRate limiter;
  private final SessiondMeters meters;
  private final StoreBackend backend;
  private final StoreInterceptor interceptor;
  /** Whether Redis is being refilled from PostgreSQL: sync notices it, the HTTP stores restore on demand meanwhile. */
  private final Refill refill = new Refill();
  private final Encryption encryption;
  private final List<String> deployments = new ArrayList<>();
  private final List<HttpApiVerticle> httpVerticles = new ArrayList<>();
  private ManagementVerticle management;
  /** The tenants' webhooks, when on ({@code WEBHOOKS_ENABLED}): where they live, and their registry. */
  private WebhookStore webhookStore;
  private Webhooks webhooks;

  private Sessiond(Vertx vertx, AppConfig config, List<TenantSpec> tenants) {
    this.vertx = vertx;
    this.config = config;
    this.tenants = new TenantDirectory(tenants);
    this.declared = List.copyOf(tenants);
    this.meters = Metrics.meters(vertx);
    this.backend = backend();
    // In write-through mode, every store operation waits for PostgreSQL before it is answered.
    this.interceptor = config.pg().writeThrough() ? new WriteThrough(vertx, config.http().requestTimeoutMs(), refill)
        : StoreInterceptor.DIRECT;
    this.encryption = new Encryption(config.encryption(), meters.registry());
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
    // One store verticle per process: the one writer of the memory and file stores; on Redis the one
    // sweeper and change-feed reader, and the store that sync, health and restore reach over the bus.
    return vertx.deployVerticle(new StoreVerticle(backend, interceptor, store.sweepIntervalMs(), store.maxMessages(),
            meters))
        .compose(this::deployed)
        .compose(v -> deploySync())
        .compose(v -> checkEncryption())
        // The tenant catalog: seeded with the declared tenants, then served (and followed) before HTTP answers.
        .compose(v -> vertx.deployVerticle(new AdminVerticle(config, tenants, declared, requestCounts)))
        .compose(this::deployed)
        .compose(v -> vertx.deployVerticle(healthVerticle()))
        .compose(this::deployed)
        .compose(v -> deployWebhooks())
        .compose(v -> openApi())
        .compose(this::deployHttp)
        .compose(this::deployed)
        .compose(v -> deployRotationWatch())
        .compose(v -> deployManagement());
  }

  /** The management port, when configured: metrics and probes off the API port. */
  private Future<Void> deployManagement() {
    if (!config.ops().managementServer()) {
      return Future.succeededFuture();
    }
    management = new ManagementVerticle(config.ops(), meters, config.http().requestTimeoutMs());
    return vertx.deployVerticle(management).compose(this::deployed);
  }

  private HealthVerticle healthVerticle() {
    long timeout = config.http().requestTimeoutMs();
    List<HealthCheck> checks = config.pg().enabled()
        ? List.of(HealthCheck.ping("store", StoreAddresses.PING, timeout),
            HealthCheck.sync(config.pg().writeThrough(), meters, timeout))
        : List.of(HealthCheck.ping("store", StoreAddresses.PING, timeout));
    TenantUsage usage = new TenantUsage(StoreAccess.overBus(timeout), meters, tenants::ids,
        config.ops().tenantMetricsBudget());
    return new HealthVerticle(config.ops().healthIntervalMs(), config.ops().tenantMetricsIntervalMs(), checks, meters, usage);
  }

  /** With encryption on: resumes data-key rotations whose replica stopped, without a client's request. */
  private Future<Void> deployRotationWatch() {
    var watch = encryption.rotationWatch(StoreAccess.overBus(config.http().requestTimeoutMs()));
    return watch == null ? Future.succeededFuture() : vertx.deployVerticle(watch).compose(this::deployed);
  }

  /**
   * The webhooks and their dispatcher, when on: before HTTP, so that HTTP (whose writes record events)
   * is undeployed first and the dispatcher, stopping, sees every event there will be.
   */
  private Future<Void> deployWebhooks() {
    if (!config.webhooks().enabled()) {
      webhooks = new Webhooks(vertx, null, config.webhooks());
      return Future.succeededFuture();
    }
    return webhookStore().compose(store -> {
      webhookStore = store;
      webhooks = new Webhooks(vertx, store, config.webhooks());
      return vertx.deployVerticle(new WebhookDispatcher(config.webhooks(), store, meters.registry()));
    }).compose(this::deployed);
  }

  /** Redis: the fleet's, in Redis; memory and file: beside the process's event log (kept on disk by the file store). */
  private Future<WebhookStore> webhookStore() {
    StoreConfig c = config.store();
    if (c.kind().equals(StoreConfig.REDIS)) {
      return Future.succeededFuture(new WebhookRedis(vertx, config.redis(), encryption.webhookSecrets()));
    }
    int backlog = config.events().maxLength();
    return StoreAccess.overBus(config.http().requestTimeoutMs()).open(vertx).compose(log ->
        c.kind().equals(StoreConfig.FILE)
            ? LocalWebhookStore.inFile(vertx, log, new WebhookFile(c.dataDir(), encryption.webhookSecrets()), backlog).map(s -> (WebhookStore) s)
            : Future.succeededFuture(LocalWebhookStore.inMemory(vertx, log, backlog)));
  }

  private Future<String> deployHttp(Buffer openApi) {
    limiter = config.store().kind().equals(StoreConfig.REDIS) && config.admin().sharedRateLimit()
        ? new SharedRateLimiter(vertx, config.redis()) : RequestRate.local(new RateLimiter());
    AtomicInteger openEventStreams = new AtomicInteger();
    StoreAccess access = httpStoreAccess();
    return vertx.deployVerticle(() -> {
      HttpApiVerticle v = new HttpApiVerticle(config.http(), config.store(), tenants, limiter, openApi, config.ops(), meters,
          access, config.admin(), config.tenants().defaultLimits(), requestCounts, config.events(),
          openEventStreams, webhooks);
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
    // Only a single Redis copies PostgreSQL's framed keys and messages as they are (its direct restore).
    boolean framed = StoreConfig.REDIS.equals(config.store().kind()) && RedisConfig.STANDALONE.equals(config.redis().mode());
    return vertx.deployVerticle(new SyncVerticle(config.pg(), config.store().autoRestore(),
        config.http().requestTimeoutMs(), refill, framed)).compose(this::deployed);
  }

  /**
   * After the restore (the store holds what PostgreSQL held) and before anything answers: refuses a
   * store whose encrypted data this daemon's master key cannot open (docs/encryption.md).
   */
  private Future<Void> checkEncryption() {
    return StoreAccess.overBus(config.http().requestTimeoutMs()).open(vertx)
        .compose(client -> encryption.checkStore(client, config.pg().enabled() ? this::restoreNow : null)
            .eventually(client::close));
  }

  /** Restores one (small) tenant from PostgreSQL now, through the sync verticle; the sessions imported. */
  private Future<Long> restoreNow(String tenant) {
    return vertx.eventBus().<Long>request(SyncAddresses.RESTORE_TENANT_NOW, new SyncRequests.StartRestore(tenant),
        new DeliveryOptions().setSendTimeout(Math.max(config.http().requestTimeoutMs(), 30_000))).map(m -> m.body());
  }

  /**
   * A backend that keeps no state in the process (Redis) runs a store on each HTTP event loop, called
   * directly: no event-bus hop to another thread and back per request (docs/decisions.md). The memory
   * and file stores have one writer, which HTTP reaches over the event bus.
   */
  private StoreAccess httpStoreAccess() {
    if (!backend.perEventLoop()) {
      // Values are sealed at the edge: every backend, and PostgreSQL through sync, sees only sealed ones.
      return encryption.seal(StoreAccess.overBus(config.http().requestTimeoutMs()));
    }
    // With PostgreSQL behind it, a Redis that comes back empty is refilled while serving: requests
    // restore their session first (the sync verticle's own store is left alone: it runs the refill).
    StoreInterceptor http = config.pg().enabled() && config.pg().refillCheckMs() > 0
        ? new RestoreOnDemand(vertx, refill, interceptor, config.http().requestTimeoutMs()) : interceptor;
    return encryption.seal(StoreAccess.inProcess(backend, http, config.store().maxMessages(), meters));
  }

  private Future<Void> deployed(String id) {
    deployments.add(id);
    return Future.succeededFuture();
  }

  private StoreBackend backend() {
    StoreConfig c = config.store();
    EventsConfig e = config.events();
    StoreSettings settings = new StoreSettings(c.defaultTtlSeconds(), c.maxMessages(), tenants::limits, c.credsHistory(),
        e.enabled() ? new EventLogSettings(true, e.maxLength(), e.maxAgeSeconds() * 1000) : EventLogSettings.OFF);
    return switch (c.kind()) {
      case StoreConfig.FILE -> new FileBackend(settings, c.dataDir(), c.autoRestore(), c.snapshotEvery());
      case StoreConfig.REDIS -> new RedisBackend(settings, config.redis(), config.pg().enabled());
      default -> new MemoryBackend(settings);
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

  /** The management port actually bound, or -1 when there is none ({@code MANAGEMENT_PORT}). */
  public int managementPort() {
    return management == null ? -1 : management.actualPort();
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
    RequestRate rate = limiter;
    limiter = null;
    WebhookStore hooks = webhookStore;
    webhookStore = null;
    if (hooks != null) {
      chain = chain.eventually(hooks::close);
    }
    return rate == null ? chain : chain.eventually(rate::close);
  }
}
