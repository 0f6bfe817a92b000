package io.sessiond;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.tenant.RequestIds;
import io.sessiond.testing.TestDaemon;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request ids (answered, carried to the store over the event bus) and logs: with LOG_FORMAT=json
 * every line is a JSON object, and nothing a client sent as a secret — its API key, a wrong key,
 * credentials — ever appears in the daemon's output.
 */
@ExtendWith(VertxExtension.class)
class LoggingTest {

  @Test
  void requestId_isAnswered_andCarriedToTheStoreOverTheEventBus(Vertx vertx, VertxTestContext ctx) {
    String tenant = TestDaemon.freshTenant();
    Map<String, String> seenByStore = new ConcurrentHashMap<>();
    TestDaemon.builder().tenant(tenant).start(vertx).compose(d -> {
      d.vertx().eventBus().addInboundInterceptor((Handler<DeliveryContext<Object>>) dc -> {
        String id = dc.message().headers().get(RequestIds.BUS_HEADER);
        if (id != null && dc.message().address().startsWith("sessiond.store.")) {
          seenByStore.put(dc.message().address(), id);
        }
        dc.next();
      });
      return d.api(tenant).request(io.vertx.core.http.HttpMethod.GET, "/v1/sessions/" + TestDaemon.freshSession())
          .putHeader(RequestIds.HTTP_HEADER, "req-42").send()
          .compose(mine -> d.api(tenant).get("/v1/sessions").map(generated -> List.of(mine, generated)))
          .eventually(d::stop);
    }).onComplete(ctx.succeeding(rs -> ctx.verify(() -> {
      assertEquals("req-42", rs.get(0).getHeader(RequestIds.HTTP_HEADER));
      assertEquals("req-42", seenByStore.get("sessiond.store.get"));
      String generated = rs.get(1).getHeader(RequestIds.HTTP_HEADER);
      assertTrue(generated != null && generated.length() >= 16, "no generated request id: " + generated);
      assertEquals(generated, seenByStore.get("sessiond.store.list"));
      ctx.completeNow();
    })));
  }

  @Test
  void jsonLogs_areJsonLines_andCarryNoSecret(@TempDir Path dir) throws Exception {
    String key = "key-" + UUID.randomUUID();
    String wrongKey = "wrong-" + UUID.randomUUID();
    String credsSecret = "noise-" + UUID.randomUUID();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-cp", classPath, "io.sessiond.Main").directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("out.log").toFile());
    pb.environment().clear();
    pb.environment().putAll(Map.of("HTTP_PORT", Integer.toString(port), "HTTP_HOST", "127.0.0.1", "HTTP_INSTANCES", "1",
        "LOG_FORMAT", "json", "LOG_LEVEL", "DEBUG", "TENANTS", "acme=" + key));
    Process child = pb.start();
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      String base = "http://127.0.0.1:" + port;
      awaitReady(http, base + "/health/ready");
      String id = "s-" + UUID.randomUUID();
      assertEquals(201, call(http, "PUT", base + "/v1/sessions/" + id, key,
          "{\"creds\":{\"noiseKey\":\"" + credsSecret + "\"}}").statusCode());
      assertTrue(call(http, "GET", base + "/v1/sessions/" + id + "/creds", key, null).body().contains(credsSecret));
      assertEquals(401, call(http, "GET", base + "/v1/sessions/" + id, wrongKey, null).statusCode());
      assertEquals(400, call(http, "PUT", base + "/v1/sessions/" + id + "/creds", key, "{\"creds\":").statusCode());
      assertTrue(child.toHandle().destroy());
      assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the daemon did not stop on SIGTERM");
    } finally {
      child.destroyForcibly();
    }
    String output = java.nio.file.Files.readString(dir.resolve("out.log"), StandardCharsets.UTF_8);
    assertTrue(output.contains("Shutting down"), output);
    for (String line : output.split("\n")) {
      if (!line.isBlank()) {
        JsonObject json = new JsonObject(line); // throws when a line is not JSON
        assertTrue(json.containsKey("level") && json.containsKey("formattedMessage"), line);
      }
    }
    assertFalse(output.contains(key), "the API key was logged:\n" + output);
    assertFalse(output.contains(wrongKey), "a presented key was logged:\n" + output);
    assertFalse(output.contains(credsSecret), "credentials were logged:\n" + output);
  }

  private static void awaitReady(HttpClient http, String url) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        if (http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
            .statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the daemon never became ready");
  }

  private static HttpResponse<String> call(HttpClient http, String method, String url, String key, String body)
      throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + key);
    r.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      r.header("Content-Type", "application/json");
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }
}
