package io.sessiond.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.config.AppConfig;
import io.sessiond.config.ConfigException;
import io.sessiond.config.Settings;
import io.sessiond.testing.TestDaemon;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Who may read {@code /metrics}: with {@code METRICS_TOKEN} only a request bearing it (401 problem
 * otherwise, the probes stay open); with {@code MANAGEMENT_PORT} the metrics and the probes are served
 * on that port and the API port no longer serves the metrics.
 */
class MetricsAccessTest {
  private static final String TOKEN = "metrics-" + UUID.randomUUID();
  private Vertx vertx;
  private WebClient client;
  private TestDaemon daemon;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (daemon != null) {
      await(daemon.stop());
    }
    await(vertx.close());
  }

  @Test
  void metricsToken_refusesAScrapeWithoutIt_orWithAnotherToken_andServesItsBearer() throws Exception {
    daemon = await(TestDaemon.builder().set("METRICS_TOKEN", TOKEN).tenant(TestDaemon.freshTenant()).start(vertx));
    int port = daemon.port();

    HttpResponse<Buffer> none = await(client.get(port, "127.0.0.1", "/metrics").send());
    assertEquals(401, none.statusCode());
    assertEquals("application/problem+json", none.getHeader("Content-Type"));
    assertTrue(none.getHeader("WWW-Authenticate").startsWith("Bearer"), none.getHeader("WWW-Authenticate"));
    assertTrue(none.bodyAsJsonObject().getString("detail").contains("METRICS_TOKEN"), none.bodyAsString());
    assertFalse(none.bodyAsString().contains("sessiond_"), "no metric leaks into the refusal");

    HttpResponse<Buffer> wrong = await(client.get(port, "127.0.0.1", "/metrics").bearerTokenAuthentication(TOKEN + "x").send());
    assertEquals(401, wrong.statusCode());
    HttpResponse<Buffer> tenantKeyIsNotEnough = await(client.get(port, "127.0.0.1", "/metrics")
        .bearerTokenAuthentication(TOKEN.substring(1)).send());
    assertEquals(401, tenantKeyIsNotEnough.statusCode());

    HttpResponse<Buffer> right = await(client.get(port, "127.0.0.1", "/metrics").bearerTokenAuthentication(TOKEN).send());
    assertEquals(200, right.statusCode());
    assertTrue(right.bodyAsString().contains("sessiond_ready"), "the scrape holds sessiond's meters");

    assertEquals(200, await(client.get(port, "127.0.0.1", "/health/ready").send()).statusCode(), "probes need no token");
    assertEquals(200, await(client.get(port, "127.0.0.1", "/health/live").send()).statusCode());
  }

  @Test
  void managementPort_servesMetricsAndProbes_andTheApiPortServesNoMetrics() throws Exception {
    String tenant = TestDaemon.freshTenant();
    daemon = await(TestDaemon.builder().set("MANAGEMENT_PORT", 0).set("MANAGEMENT_HOST", "127.0.0.1").tenant(tenant)
        .start(vertx));
    int api = daemon.port();
    int management = daemon.daemon().managementPort();
    assertTrue(management > 0 && management != api, "a port of its own: " + management);

    assertEquals(404, await(client.get(api, "127.0.0.1", "/metrics").send()).statusCode(), "the API port has no /metrics");
    HttpResponse<Buffer> scrape = await(client.get(management, "127.0.0.1", "/metrics").send());
    assertEquals(200, scrape.statusCode());
    assertTrue(scrape.bodyAsString().contains("sessiond_ready"));
    assertEquals(200, await(client.get(management, "127.0.0.1", "/health/live").send()).statusCode());
    HttpResponse<Buffer> ready = await(client.get(management, "127.0.0.1", "/health/ready").send());
    assertEquals(200, ready.statusCode(), ready.bodyAsString());
    assertEquals("UP", ready.bodyAsJsonObject().getString("status"));
    // The load balancer keeps probing the API port; the API itself is not on the management port.
    assertEquals(200, await(client.get(api, "127.0.0.1", "/health/ready").send()).statusCode());
    assertEquals(404, await(client.get(management, "127.0.0.1", "/v1/sessions").send()).statusCode());
    assertEquals(201, await(daemon.api(tenant).create(TestDaemon.freshSession(), new JsonObject())).statusCode());
  }

  @Test
  void managementPort_withAToken_stillRequiresIt() throws Exception {
    daemon = await(TestDaemon.builder().set("MANAGEMENT_PORT", 0).set("MANAGEMENT_HOST", "127.0.0.1")
        .set("METRICS_TOKEN", TOKEN).tenant(TestDaemon.freshTenant()).start(vertx));
    int management = daemon.daemon().managementPort();
    assertEquals(401, await(client.get(management, "127.0.0.1", "/metrics").send()).statusCode());
    assertEquals(200, await(client.get(management, "127.0.0.1", "/metrics").bearerTokenAuthentication(TOKEN).send())
        .statusCode());
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "METRICS_TOKEN|short",
      "METRICS_TOKEN|with a space in it, long enough",
      "MANAGEMENT_PORT|70000",
      "MANAGEMENT_PORT|8080",
  })
  void badOperationsSetting_isRefused_namingIt(String setting, String value) {
    ConfigException e = assertThrows(ConfigException.class,
        () -> AppConfig.from(new Settings(Map.of(setting, value, "HTTP_PORT", "8080"))));
    assertTrue(e.getMessage().startsWith(setting + ":"), e.getMessage());
    assertFalse(e.getMessage().contains(value) && setting.equals("METRICS_TOKEN"), "never echoes the token");
  }

  @Test
  void theToken_neverAppearsInTheConfigurationsText() {
    AppConfig c = AppConfig.from(new Settings(Map.of("METRICS_TOKEN", TOKEN)));
    assertEquals(TOKEN, c.ops().metricsToken());
    assertFalse(c.toString().contains(TOKEN), c.toString());
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
