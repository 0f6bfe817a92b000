package io.sessiond.http;

import io.sessiond.config.OpsConfig;
import io.sessiond.metrics.SessiondMeters;
import io.sessiond.store.StoreAccess;
import io.sessiond.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management port ({@code MANAGEMENT_PORT}): {@code /metrics} and the health probes on a port of
 * their own, for Prometheus and orchestrators on the internal network, so that the load balancer,
 * which publishes only the API port, never exposes the metrics. One instance; plain HTTP (the API
 * port alone carries TLS). Readiness here pings the store over the event bus, not an HTTP verticle's
 * own connections.
 */
public final class ManagementVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ManagementVerticle.class);
  private final OpsConfig ops;
  private final SessiondMeters meters;
  private final long timeoutMs;
  private StoreClient store;
  private HttpServer server;

  /** @param timeoutMs how long a readiness probe waits for the store */
  public ManagementVerticle(OpsConfig ops, SessiondMeters meters, long timeoutMs) {
    this.ops = ops;
    this.meters = meters;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public Future<?> start() {
    return StoreAccess.overBus(timeoutMs).open(vertx).compose(client -> {
      store = client;
      Router router = Router.router(vertx);
      if (ops.metricsEnabled()) {
        MetricsRoute.mount(router, meters, ops.metricsToken());
      }
      new HealthRoutes(vertx, client, timeoutMs).mount(router);
      router.route().failureHandler(Problems::handle);
      router.errorHandler(404, Problems::handle);
      router.errorHandler(405, Problems::handle);
      server = vertx.createHttpServer(new HttpServerOptions().setHost(ops.managementHost()).setPort(ops.managementPort())
              .setHttp2ClearTextEnabled(false).setIdleTimeout(120))
          .invalidRequestHandler(Problems::invalidRequest).requestHandler(router);
      return server.listen();
    }).onSuccess(s -> LOG.info("Management port (metrics, health) listening on {}:{}", ops.managementHost(),
        s.actualPort()));
  }

  @Override
  public Future<?> stop() {
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return store == null ? closed : closed.eventually(store::close);
  }

  /** The port actually bound (useful when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }
}
