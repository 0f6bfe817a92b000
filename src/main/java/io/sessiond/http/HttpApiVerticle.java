package io.sessiond.http;

import io.sessiond.config.EventsConfig;
import io.sessiond.config.HttpConfig;
import io.sessiond.config.OpsConfig;
import io.sessiond.metrics.SessiondMeters;
import io.sessiond.config.StoreConfig;
import io.sessiond.encryption.SealingStoreClient;
import io.sessiond.webhook.Webhooks;
import io.sessiond.store.StoreAccess;
import io.sessiond.store.StoreClient;
import io.sessiond.tenant.RequestRate;
import io.sessiond.tenant.RequestCounts;
import io.sessiond.tenant.TenantDirectory;
import io.sessiond.config.AdminConfig;
import io.sessiond.tenant.TenantLimits;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The REST edge: authenticates, validates and turns each request into one store request through the
 * {@link StoreClient} its {@link StoreAccess} opens (over the event bus, or a store on this verticle's
 * own event loop). Deployed once per core.
 */
public final class HttpApiVerticle extends VerticleBase {
  private final HttpConfig http;
  private final StoreConfig storeConfig;
  private final TenantDirectory tenants;
  private final RequestCounts counts;
  private final AdminConfig admin;
  private final TenantLimits defaultLimits;
  private final RequestRate rateLimiter;
  private final Buffer openApi;
  private final OpsConfig ops;
  private final SessiondMeters meters;
  private final StoreAccess storeAccess;
  private final EventsConfig events;
  private final AtomicInteger openEventStreams;
  private final Webhooks webhooks;
  private StoreClient store;
  private EventRoutes eventRoutes;
  private RequestDeadlines deadlines;
  private ConnectionGuard connections;
  private HttpServer server;
  private ApiRouter api;
  private TlsReloader reloader;
  private BulkWork bulk;
  private LoopDelayProbe loopDelay;

  /**
   * @param openApi    the OpenAPI document served at {@code /openapi.yaml} (read once at start-up)
   * @param storeAccess how this verticle reaches the store (opened when it starts, closed when it stops)
   * @param openEventStreams the instance's count of open event streams, shared by its HTTP verticles
   * @param webhooks   the tenants' webhooks (off: {@link Webhooks#unavailable()} says why)
   */
  public HttpApiVerticle(HttpConfig http, StoreConfig storeConfig, TenantDirectory tenants, RequestRate rateLimiter,
                         Buffer openApi, OpsConfig ops, SessiondMeters meters, StoreAccess storeAccess,
                         AdminConfig admin, TenantLimits defaultLimits, RequestCounts counts,
                         EventsConfig events, AtomicInteger openEventStreams, Webhooks webhooks) {
    this.webhooks = webhooks;
    this.events = events;
    this.openEventStreams = openEventStreams;
    this.admin = admin;
    this.defaultLimits = defaultLimits;
    this.counts = counts;
    this.storeAccess = storeAccess;
    this.ops = ops;
    this.meters = meters;
    this.http = http;
    this.storeConfig = storeConfig;
    this.tenants = tenants;
    this.rateLimiter = rateLimiter;
    this.openApi = openApi;
  }

  @Override
  public Future<?> start() {
    // A verticle whose start fails is not stopped: the store client it opened is closed here.
    return storeAccess.open(vertx).compose(client -> {
      store = client;
      return tlsFiles().compose(tls -> serve(client, tls))
          .recover(e -> client.close().transform(ar -> Future.failedFuture(e)));
    });
  }

  /** The certificate and key when the port speaks HTTPS (read and checked on a worker), else {@code null}. */
  private Future<TlsFiles> tlsFiles() {
    if (!http.tls()) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> TlsFiles.read(vertx, http.tlsCertFile(), http.tlsKeyFile()), false);
  }

  private Future<HttpServer> serve(StoreClient store, TlsFiles tls) {
    Router router = Router.router(vertx);
    // A claim whose request never settles it lapses after twice the request timeout (10 s at least).
    bulk = new BulkWork(vertx);
    loopDelay = LoopDelayProbe.start(vertx, ops.eventLoopProbeMs(), meters.registry());
    api = new ApiRouter(router, http, new IdempotencyKeys(store, Math.max(10_000, 2 * http.requestTimeoutMs())), bulk);
    connections = new ConnectionGuard(vertx, http.headerTimeoutMs(), http.idleTimeoutMs());
    router.route().handler(connections);
    router.route().handler(new RequestTracking(meters));
    // With a management port the metrics are served there only (ManagementVerticle).
    if (ops.metricsEnabled() && !ops.managementServer()) {
      MetricsRoute.mount(router, meters, ops.metricsToken());
      api.unlisted(HttpMethod.GET, MetricsRoute.PATH);
    }
    new HealthRoutes(vertx, store, http.requestTimeoutMs()).mount(router);
    router.get("/openapi.yaml").handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml").end(openApi));
    for (String path : new String[] {"/health/live", "/health/ready", "/openapi.yaml"}) {
      api.unlisted(HttpMethod.GET, path);
    }
    deadlines = new RequestDeadlines(vertx, http.requestTimeoutMs());
    // One route with both handlers: a second "/v1/*" route would name every request's route
    // "/v1/>/v1/sessions/:id" in the HTTP meters instead of its template.
    router.route("/v1/*").handler(deadlines).handler(new TenantAuth(tenants, rateLimiter, counts,
        new AdminAuth(admin.keyDigest(), tenants), connections));
    new SessionRoutes(store, new SyncQuarantine(vertx, http.requestTimeoutMs())).mount(api);
    new KeyRoutes(store, http.maxKeysPerBatch()).mount(api);
    new MessageRoutes(store).mount(api);
    SealingStoreClient sealing = store instanceof SealingStoreClient s ? s : null;
    new TransferRoutes(store, sealing, storeConfig.maxMessages(), storeConfig.defaultTtlSeconds()).mount(api);
    new EncryptionRoutes(sealing).mount(api);
    new JobRoutes(vertx, http.requestTimeoutMs()).mount(api);
    new BlobRoutes(store, http.maxBlobBytes()).mount(api);
    new LeaseRoutes(store).mount(api);
    new AdminRoutes(vertx, http.requestTimeoutMs(), defaultLimits).mount(api);
    new CredsHistoryRoutes(store, storeConfig.credsHistory()).mount(api);
    eventRoutes = new EventRoutes(vertx, store, events, openEventStreams);
    eventRoutes.mount(api);
    new WebhookRoutes(webhooks).mount(api);
    router.route().failureHandler(Problems::handle);
    // A path the router cannot even match (a bad percent escape) fails with 400 outside every route.
    router.errorHandler(400, Problems::handle);
    router.errorHandler(404, Problems::handle);
    router.errorHandler(405, this::methodNotAllowed);
    router.errorHandler(500, Problems::handle);
    HttpServerOptions options = new HttpServerOptions()
        .setHost(http.host()).setPort(http.port())
        .setCompressionSupported(false)
        // The API has no WebSockets: without these the pipeline keeps a WebSocket extension handler
        // that every request passes through.
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        // HTTP/1.1 only (load balancers speak it to their upstreams): with h2c on, a connection is
        // handed to the connection handler only once its first bytes decide the protocol, so a
        // slowloris would never be seen (ConnectionGuard).
        .setHttp2ClearTextEnabled(false)
        .setIdleTimeout(120);
    if (tls != null) {
      options.setSsl(true).setKeyCertOptions(tls.options());
    }
    server = vertx.createHttpServer(options).connectionHandler(connections::opened)
        .invalidRequestHandler(Problems::invalidRequest).requestHandler(router);
    return server.listen().onSuccess(s -> {
      if (tls != null) {
        reloader = new TlsReloader(vertx, s, http, tls);
        reloader.start();
      }
    });
  }

  @Override
  public Future<?> stop() {
    // Event streams never finish by themselves: they end now, and their clients reconnect elsewhere.
    if (eventRoutes != null) {
      eventRoutes.endAll();
    }
    // Stops accepting at once; requests in flight get up to the grace period to finish.
    Future<Void> stopped = server == null ? Future.succeededFuture()
        : server.shutdown(ops.shutdownGraceMs(), TimeUnit.MILLISECONDS);
    if (reloader != null) {
      reloader.close();
    }
    if (loopDelay != null) {
      loopDelay.close();
    }
    if (deadlines != null) {
      deadlines.close();
      connections.close();
    }
    if (bulk != null) {
      stopped = stopped.eventually(() -> {
        bulk.close();
        return Future.succeededFuture();
      });
    }
    return store == null ? stopped : stopped.eventually(store::close);
  }

  /** The port actually bound (useful when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /** The registered API endpoints, for checking them against the OpenAPI document. */
  public java.util.List<String> endpoints() {
    return api.endpoints().stream().map(e -> e.method().name() + " " + e.path()).toList();
  }

  private void methodNotAllowed(RoutingContext ctx) {
    ctx.response().putHeader("Allow", api.allowed(ctx.request().path()));
    Problems.send(ctx, 405, ctx.request().method() + " is not allowed on " + ctx.request().path(), null);
  }
}
