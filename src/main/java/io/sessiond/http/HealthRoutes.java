package io.sessiond.http;

import io.sessiond.health.HealthAddresses;
import io.sessiond.health.HealthReport;
import io.sessiond.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Liveness and readiness probes for load balancers and orchestrators; no authentication. Readiness is
 * the health verticle's latest report plus a ping, now, of the store this HTTP verticle's requests
 * use (its own Redis connections when the store runs on its event loop), so an instance is ready only
 * when the path requests take works.
 */
final class HealthRoutes {
  /** The id of the check of this verticle's own store path in the readiness answer. */
  static final String REQUEST_STORE_CHECK = "request-store";

  private final Vertx vertx;
  private final StoreClient store;
  private final long timeoutMs;
  private final DeliveryOptions options;

  HealthRoutes(Vertx vertx, StoreClient store, long timeoutMs) {
    this.vertx = vertx;
    this.store = store;
    this.timeoutMs = timeoutMs;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
  }

  void mount(Router router) {
    // Answered on this HTTP event loop without any other verticle: the process and its loop are alive.
    router.get("/health/live").handler(ctx -> Responses.json(ctx, 200, "{\"status\":\"UP\"}"));
    router.get("/health/ready").handler(this::ready);
  }

  private void ready(RoutingContext ctx) {
    vertx.eventBus().<HealthReport>request(HealthAddresses.REPORT, "report", options)
        .compose(m -> withRequestStore(m.body()))
        .onSuccess(report -> answer(ctx, report))
        .onFailure(t -> Responses.json(ctx, 503, "{\"status\":\"DOWN\",\"checks\":[{\"id\":\"health\",\"status\":\"DOWN\",\"detail\":"
            + "\"the health verticle did not answer\"}]}"));
  }

  private Future<HealthReport> withRequestStore(HealthReport report) {
    long start = System.nanoTime();
    return store.ping().timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .map(v -> new HealthReport.Check(REQUEST_STORE_CHECK, true, elapsedMs(start), null))
        .otherwise(t -> new HealthReport.Check(REQUEST_STORE_CHECK, false, elapsedMs(start), t.getMessage()))
        .map(check -> {
          List<HealthReport.Check> checks = new ArrayList<>(report.checks());
          checks.add(check);
          return new HealthReport(report.ready() && check.up(), report.draining(), checks);
        });
  }

  private static long elapsedMs(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  private static void answer(RoutingContext ctx, HealthReport report) {
    JsonText j = new JsonText().open().string("status", report.ready() ? "UP" : "DOWN")
        .bool("draining", report.draining()).openArray("checks");
    for (HealthReport.Check c : report.checks()) {
      j.element().open().string("id", c.id()).string("status", c.up() ? "UP" : "DOWN").number("latencyMs", c.latencyMs());
      if (c.detail() != null) {
        j.string("detail", c.detail());
      }
      j.close();
    }
    Responses.json(ctx, report.ready() ? 200 : 503, j.closeArray().close().toString());
  }
}
