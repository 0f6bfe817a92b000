package io.sessiond.http;

import io.sessiond.health.HealthAddresses;
import io.sessiond.health.HealthReport;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** Liveness and readiness probes for load balancers and orchestrators; no authentication. */
final class HealthRoutes {
  private final Vertx vertx;
  private final DeliveryOptions options;

  HealthRoutes(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
  }

  void mount(Router router) {
    // Answered on this HTTP event loop without any other verticle: the process and its loop are alive.
    router.get("/health/live").handler(ctx -> Responses.json(ctx, 200, "{\"status\":\"UP\"}"));
    router.get("/health/ready").handler(this::ready);
  }

  private void ready(RoutingContext ctx) {
    vertx.eventBus().<HealthReport>request(HealthAddresses.REPORT, "report", options)
        .onSuccess(m -> answer(ctx, m.body()))
        .onFailure(t -> Responses.json(ctx, 503, "{\"status\":\"DOWN\",\"checks\":[{\"id\":\"health\",\"status\":\"DOWN\",\"detail\":"
            + "\"the health verticle did not answer\"}]}"));
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
