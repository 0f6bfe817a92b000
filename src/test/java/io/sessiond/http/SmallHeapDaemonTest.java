package io.sessiond.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.TestRedis;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A daemon in its own JVM with {@code -Xmx512m}, on Redis, takes every maximum-size request the
 * default limits allow, one after the other (an import of the whole MAX_IMPORT_BYTES in 2.6 million
 * small keys, a key batch of MAX_KEYS_PER_BATCH keys filling MAX_KEY_BATCH_BYTES, a PUT of
 * MAX_BODY_BYTES in 80,000 members), answers each with success and is still alive and live after
 * them (with {@code -XX:+ExitOnOutOfMemoryError}, so running out of heap anywhere ends the process).
 */
class SmallHeapDaemonTest {
  private static final String BULK_KEY = "bulk-small-heap-0123456789";

  @Test
  @Timeout(value = 600, unit = TimeUnit.SECONDS)
  void daemonWith512MiBHeap_survivesEveryMaximumSizeRequest() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-XX:+ExitOnOutOfMemoryError", "-cp", classPath, "io.sessiond.Main").redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(TestRedis.settings());
    pb.environment().put("SESSION_STORE", "redis");
    pb.environment().put("REDIS_PREFIX", TestRedis.uniquePrefix());
    pb.environment().put("HTTP_PORT", Integer.toString(port));
    pb.environment().put("HTTP_HOST", "127.0.0.1");
    pb.environment().put("TENANTS", "bulk=" + BULK_KEY);
    // The largest import is accepted whole only without a byte limit: the worst case the settings allow.
    pb.environment().put("TENANT_MAX_BYTES_PER_SESSION", "0");
    // A busy test machine must not turn slowness into 503s: this test is about memory.
    pb.environment().put("REQUEST_TIMEOUT_MS", "120000");
    pb.environment().put("REDIS_TIMEOUT_MS", "60000");
    Process daemon = pb.start();
    List<String> lines = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> listening = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          lines.add(line);
          if (line.contains("sessiond listening on")) {
            listening.complete(null);
          }
        }
      } catch (IOException e) {
        // the child is gone; what it printed is in lines
      }
      listening.completeExceptionally(new AssertionError("the daemon never said it was listening"));
    }, "small-heap-daemon-output");
    reader.setDaemon(true);
    reader.start();
    try {
      listening.get(120, TimeUnit.SECONDS);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String base = "http://127.0.0.1:" + port;
      assertEquals(201, send(http, base, "PUT", "/v1/sessions/batch", "{\"data\":{}}").statusCode());
      String doc = BoundedWorkDocs.importDoc(32 << 20);
      int keys = BoundedWorkDocs.keysIn(doc);
      HttpResponse<String> imported = send(http, base, "POST", "/v1/sessions/import", doc);
      doc = null;
      assertEquals(201, imported.statusCode(), imported.body() + "\n" + tail(lines));
      HttpResponse<String> batch = send(http, base, "POST", "/v1/sessions/batch/keys",
          BoundedWorkDocs.keyBatch(8 << 20, 10_000));
      assertEquals(204, batch.statusCode(), batch.body() + "\n" + tail(lines));
      HttpResponse<String> put = send(http, base, "PUT", "/v1/sessions/big", BoundedWorkDocs.put(1 << 20));
      assertEquals(201, put.statusCode(), put.body() + "\n" + tail(lines));
      HttpResponse<String> status = send(http, base, "GET", "/v1/sessions/imported/status", null);
      assertEquals(200, status.statusCode(), status.body());
      assertTrue(status.body().contains("\"pre-key\":" + keys), status.body());
      assertTrue(daemon.isAlive(), "the daemon is alive\n" + tail(lines));
      assertEquals(200, send(http, base, "GET", "/health/live", null).statusCode());
      assertTrue(lines.stream().noneMatch(l -> l.contains("OutOfMemoryError")), tail(lines));
    } finally {
      daemon.destroy();
      if (!daemon.waitFor(20, TimeUnit.SECONDS)) {
        daemon.destroyForcibly();
      }
    }
  }

  private static String tail(List<String> lines) {
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }

  private static HttpResponse<String> send(HttpClient http, String base, String method, String path, String body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(300))
        .header("Authorization", "Bearer " + BULK_KEY);
    b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
        : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
