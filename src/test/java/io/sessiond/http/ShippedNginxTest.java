package io.sessiond.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.Tools;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped conf/nginx.conf, run by a real nginx on loopback in front of a daemon that serves
 * {@code /metrics} on its API port: nginx answers 404 for the metrics under every spelling that reaches
 * the same route (a doubled slash, a trailing slash, a percent-encoded letter, a query) while it passes
 * the API and the probes through, and the daemon itself does serve the metrics (so the 404 is nginx's).
 * Only the addresses, the listening port and the temporary paths are rewritten for the test.
 */
class ShippedNginxTest {
  private static final String TENANT = TestDaemon.freshTenant();
  private static final String KEY = "test-" + UUID.randomUUID();
  private Vertx vertx;
  private TestDaemon daemon;
  private Process nginx;

  @AfterEach
  void cleanUp() throws Exception {
    if (nginx != null) {
      nginx.destroy();
      nginx.waitFor(10, TimeUnit.SECONDS);
    }
    if (daemon != null) {
      await(daemon.stop());
    }
    if (vertx != null) {
      await(vertx.close());
    }
  }

  @Test
  void theShippedNginx_neverPassesMetrics_butPassesTheApiAndTheProbes(@TempDir Path dir) throws Exception {
    String binary = Tools.require("nginx", "nginx");
    vertx = Vertx.vertx();
    daemon = await(TestDaemon.builder().tenantWithKeys(TENANT, KEY).start(vertx));
    int port = freePort();
    nginx = start(binary, dir, port, daemon.port());
    awaitAnswer(port, "/health/live");

    assertEquals(200, status(daemon.port(), "/metrics"), "the daemon serves the metrics on its API port");
    for (String target : List.of("/metrics", "//metrics", "/metrics/", "/%6Detrics", "/metrics?name=x", "/./metrics")) {
      assertEquals(404, status(port, target), "nginx passed " + target);
    }
    assertEquals(200, status(port, "/health/ready"));
    assertEquals(200, status(port, "/openapi.yaml"));
    assertEquals(401, status(port, "/v1/sessions"), "the API answers through nginx (no key sent)");
  }

  private static Process start(String binary, Path dir, int port, int upstream) throws IOException {
    String shipped = Files.readString(Path.of("conf/nginx.conf"));
    String conf = shipped
        .replaceFirst("(?m)^worker_processes [^;]+;", "worker_processes 1;\npid nginx.pid;\nerror_log logs/error.log warn;")
        .replaceFirst("(?m)^http \\{", "http {\n  access_log off;\n  client_body_temp_path tmp-body;\n"
            + "  proxy_temp_path tmp-proxy;\n  fastcgi_temp_path tmp-fastcgi;\n  uwsgi_temp_path tmp-uwsgi;\n"
            + "  scgi_temp_path tmp-scgi;")
        .replaceAll("server sessiond-\\d+:\\d+", "server 127.0.0.1:" + upstream)
        .replaceFirst("listen \\d+;", "listen 127.0.0.1:" + port + ";");
    assertTrue(conf.contains("127.0.0.1:" + port) && conf.contains("127.0.0.1:" + upstream), conf);
    Files.createDirectories(dir.resolve("logs"));
    Files.writeString(dir.resolve("nginx.conf"), conf);
    return new ProcessBuilder(binary, "-p", dir + "/", "-c", "nginx.conf", "-g", "daemon off;")
        .redirectErrorStream(true).redirectOutput(dir.resolve("logs/stdout.log").toFile()).start();
  }

  private void awaitAnswer(int port, String path) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    while (true) {
      try {
        if (status(port, path) == 200) {
          return;
        }
      } catch (IOException e) {
        if (System.currentTimeMillis() > deadline) {
          throw new AssertionError("nginx never answered " + path + ": " + e);
        }
      }
      if (!nginx.isAlive()) {
        throw new AssertionError("nginx exited with " + nginx.exitValue());
      }
      Thread.sleep(50); // polling a process that has no readiness signal, bounded by the deadline
    }
  }

  /** The status of one raw HTTP/1.1 request: the target is sent exactly as written. */
  private static int status(int port, String target) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        line.append((char) c);
      }
      String[] parts = line.toString().split(" ");
      if (parts.length < 2) {
        throw new IOException("no status line: " + line);
      }
      return Integer.parseInt(parts[1]);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
