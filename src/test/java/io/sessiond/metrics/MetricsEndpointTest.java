package io.sessiond.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.Poll;
import io.sessiond.testing.DaemonExtension;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.Tools;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /metrics} of a running daemon: Vert.x HTTP meters labelled by route template (never by
 * session id), sessiond's own meters, and output that {@code promtool check metrics} accepts.
 */
@ExtendWith(VertxExtension.class)
class MetricsEndpointTest {
  private static final String TENANT = TestDaemon.freshTenant();
  @RegisterExtension
  static final DaemonExtension daemon = DaemonExtension.of(TestDaemon.builder().set("TENANT_METRICS_INTERVAL_MS", 500)
      .set("MAX_MESSAGES_PER_SESSION", 2).tenant(TENANT));

  /** Some traffic: a create, reads, messages past the window, an unknown session and a bad key. */
  private static Future<String> trafficThenScrape(String id) {
    Api api = daemon.api(TENANT);
    String path = "/v1/sessions/" + id;
    return api.create(id, new JsonObject())
        .compose(r -> api.get(path))
        .compose(r -> api.post(path + "/messages", new io.vertx.core.json.JsonArray()
            .add(new JsonObject().put("role", "user").put("content", "a"))
            .add(new JsonObject().put("role", "user").put("content", "b"))
            .add(new JsonObject().put("role", "user").put("content", "c"))))
        .compose(r -> api.get("/v1/sessions/" + TestDaemon.freshSession()))
        .compose(r -> daemon.apiWithKey("not-a-key").get(path))
        .compose(r -> scrape());
  }

  private static Future<String> scrape() {
    return daemon.client().get("/metrics").send().map(r -> {
      assertEquals(200, r.statusCode());
      assertTrue(r.getHeader("Content-Type").startsWith("text/plain"), r.getHeader("Content-Type"));
      return r.bodyAsString();
    });
  }

  @Test
  void httpMeters_areLabelledByRouteTemplate_neverBySessionId(VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    trafficThenScrape(id).onComplete(ctx.succeeding(text -> ctx.verify(() -> {
      assertTrue(text.contains("route=\"/v1/sessions/:id\""), "no route label /v1/sessions/:id in:\n" + text);
      assertTrue(text.contains("vertx_http_server_requests_total{"), text);
      assertTrue(text.contains("vertx_http_server_response_time_seconds_bucket{"), text);
      assertTrue(text.contains("vertx_eventbus_processed_total{"), text);
      assertFalse(text.contains(id), "a session id became a label value");
      ctx.completeNow();
    })));
  }

  /** The request meters are sessiond's own (HttpRequestMeters): they keep vertx-micrometer's names, types, help and labels. */
  @Test
  void httpRequestMeters_keepVertxNamesTypesHelpAndLabels(VertxTestContext ctx) {
    trafficThenScrape(TestDaemon.freshSession()).onComplete(ctx.succeeding(text -> ctx.verify(() -> {
      for (String expected : List.of(
          "# HELP vertx_http_server_requests_total Number of processed requests",
          "# TYPE vertx_http_server_requests_total counter",
          "vertx_http_server_requests_total{code=\"200\",method=\"GET\",route=\"/v1/sessions/:id\"} ",
          "vertx_http_server_requests_total{code=\"404\",method=\"GET\",route=\"/v1/sessions/:id\"} ",
          "vertx_http_server_requests_total{code=\"401\",method=\"GET\",route=\"/v1/\"} ",
          "# HELP vertx_http_server_response_time_seconds Request processing time",
          "# TYPE vertx_http_server_response_time_seconds histogram",
          "vertx_http_server_response_time_seconds_bucket{code=\"201\",method=\"POST\",route=\"/v1/sessions/:id/messages\",le=\"0.001\"} ",
          "vertx_http_server_response_time_seconds_max{code=\"200\",method=\"GET\",route=\"/v1/sessions/:id\"} ",
          "# TYPE vertx_http_server_response_bytes summary",
          "vertx_http_server_response_bytes_count{code=\"200\",method=\"GET\",route=\"/v1/sessions/:id\"} ",
          "# HELP vertx_http_server_request_bytes Size of requests in bytes",
          "vertx_http_server_request_bytes_count{method=\"GET\"} ",
          "# HELP vertx_http_server_active_requests Number of requests being processed",
          "# TYPE vertx_http_server_active_requests gauge",
          "vertx_http_server_active_requests{method=\"GET\"} ",
          "vertx_http_server_active_connections ",
          "vertx_http_server_bytes_written_total ")) {
        assertTrue(text.contains("\n" + expected), "no line starting with '" + expected + "' in:\n" + text);
      }
      assertFalse(text.contains("vertx_http_server_request_resets_total"), "a reset counter before any reset");
      ctx.completeNow();
    })));
  }

  @Test
  void sessiondMeters_countOperationsRejectionsTrimsAndTenants(Vertx vertx, VertxTestContext ctx) {
    String id = TestDaemon.freshSession();
    trafficThenScrape(id).compose(text -> {
      ctx.verify(() -> {
        assertTrue(text.contains("sessiond_store_operations_seconds_count{operation=\"put\",outcome=\"ok\"}"), text);
        assertTrue(text.contains("sessiond_store_operations_seconds_count{operation=\"get\",outcome=\"not_found\"}"), text);
        assertTrue(text.contains("sessiond_store_operations_seconds_bucket{operation=\"get\""), text);
        assertTrue(text.contains("sessiond_requests_rejected_total{reason=\"unauthorized\"}"), text);
        assertTrue(text.contains("sessiond_requests_rejected_total{reason=\"not-found\"}"), text);
        assertTrue(text.contains("sessiond_messages_trimmed_total "), text);
        assertFalse(text.contains("sessiond_messages_trimmed_total 0.0"), "an append past the window trimmed nothing");
        assertTrue(text.contains("sessiond_ready 1.0"), text);
        assertTrue(text.contains("jvm_memory_used_bytes"), text);
      });
      return Poll.until(vertx, 5000, 100, "the tenant gauges count the session", () -> scrape()
          .map(t -> t.matches("(?s).*\nsessiond_sessions\\{tenant=\"" + TENANT + "\"} [1-9].*")));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void promtool_acceptsTheOutput(Vertx vertx, VertxTestContext ctx) {
    String promtool = Tools.require("promtool", "prometheus");
    trafficThenScrape(TestDaemon.freshSession())
        .compose(text -> vertx.executeBlocking(() -> promtoolCheck(promtool, text)))
        .onComplete(ctx.succeeding(out -> ctx.completeNow()));
  }

  private static String promtoolCheck(String promtool, String text) throws Exception {
    Process p = new ProcessBuilder(List.of(promtool, "check", "metrics")).redirectErrorStream(true).start();
    p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool did not finish");
    assertEquals(0, p.exitValue(), "promtool check metrics failed:\n" + out);
    return out;
  }

  @Test
  void metricsDisabled_answers404(Vertx vertx, VertxTestContext ctx) {
    TestDaemon.builder().set("METRICS_ENABLED", "false").tenant(TENANT).start(vertx)
        .compose(d -> d.client().get("/metrics").send().eventually(d::stop))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(404, r.statusCode());
          ctx.completeNow();
        })));
  }
}
