package io.sessiond.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.sessiond.testing.Tools;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two daemons on one Redis behind a real nginx on loopback (passive health, proxy_next_upstream),
 * as compose.yaml runs them. One daemon is stopped gracefully in the middle of traffic: its
 * readiness answers 503 before it stops accepting, every idempotent request through nginx
 * succeeds, at most the writes in flight fail, and every session stays readable.
 */
class LoadBalancerTest {
  private static final String TENANT = TestDaemon.freshTenant();
  private static final String KEY = "test-" + UUID.randomUUID();
  private static final int SESSIONS = 40;
  private static final int READERS = 4;
  private static final int WRITERS = 2;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private Vertx vertx;
  private Process nginx;
  private TestDaemon second;

  @AfterEach
  void cleanUp() throws Exception {
    if (nginx != null) {
      nginx.destroy();
      nginx.waitFor(10, TimeUnit.SECONDS);
    }
    if (second != null) {
      await(second.stop());
    }
    if (vertx != null) {
      await(vertx.close());
    }
  }

  @Test
  void stoppingOneInstanceMidTraffic_losesNoIdempotentRequest_andItsReadinessTurns503First(@TempDir Path dir)
      throws Exception {
    String nginxBinary = Tools.require("nginx", "nginx");
    vertx = Vertx.vertx();
    String prefix = TestRedis.uniquePrefix();
    TestDaemon first = await(daemon(prefix));
    second = await(daemon(prefix));
    int port = freePort();
    nginx = startNginx(nginxBinary, dir, port, first.port(), second.port());
    String lb = "http://127.0.0.1:" + port;
    awaitStatus(lb + "/health/live", 200);

    List<String> ids = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) {
      String id = TestDaemon.freshSession();
      ids.add(id);
      assertEquals(201, send("PUT", lb + "/v1/sessions/" + id, "{\"data\":{\"n\":" + i + "}}").statusCode());
    }

    Traffic traffic = new Traffic(lb, ids);
    ReadinessWatch watch = new ReadinessWatch(first.port());
    traffic.start();
    watch.start();
    Thread.sleep(800);
    long stopStarted = System.currentTimeMillis();
    await(first.stop());
    long stopped = System.currentTimeMillis();
    Thread.sleep(1500);
    traffic.stop();
    watch.stop();

    System.out.printf("LB test: %d idempotent requests (%d failed), %d writes (%d failed); stop took %d ms;"
            + " readiness 503 after %d ms, refused after %d ms%n", traffic.idempotent.get(), traffic.idempotentFailed.get(),
        traffic.writes.get(), traffic.writesFailed.get(), stopped - stopStarted,
        watch.first503.get() - stopStarted, watch.firstRefused.get() - stopStarted);
    assertTrue(traffic.idempotent.get() > 100, "too little traffic to mean anything: " + traffic.idempotent.get());
    assertEquals(0, traffic.idempotentFailed.get(), "idempotent requests failed: " + traffic.failures);
    assertTrue(traffic.writesFailed.get() <= WRITERS, "more writes failed than were in flight: " + traffic.failures);
    assertTrue(watch.first503.get() > 0, "the stopping instance never answered 503 on /health/ready");
    assertTrue(watch.firstRefused.get() > 0, "the stopped instance still accepts connections");
    assertTrue(watch.first503.get() < watch.firstRefused.get(), "readiness went 503 only after it stopped accepting");
    for (String id : ids) {
      assertEquals(200, send("GET", lb + "/v1/sessions/" + id, null).statusCode(), id + " is not readable");
    }
  }

  private Future<TestDaemon> daemon(String prefix) {
    TestDaemon.Builder builder = TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_PREFIX", prefix)
        .set("SHUTDOWN_DRAIN_DELAY_MS", 500).set("SHUTDOWN_GRACE_MS", 5000);
    TestRedis.settings().forEach(builder::set);
    return builder.tenantWithKeys(TENANT, KEY).start(vertx);
  }

  private static Process startNginx(String binary, Path dir, int port, int a, int b) throws IOException {
    Files.createDirectories(dir.resolve("logs"));
    Files.writeString(dir.resolve("nginx.conf"), """
        worker_processes 1;
        error_log logs/error.log warn;
        pid nginx.pid;
        events { worker_connections 256; }
        http {
          access_log off;
          client_body_temp_path tmp-body;
          proxy_temp_path tmp-proxy;
          fastcgi_temp_path tmp-fastcgi;
          uwsgi_temp_path tmp-uwsgi;
          scgi_temp_path tmp-scgi;
          upstream sessiond {
            server 127.0.0.1:%d max_fails=1 fail_timeout=2s;
            server 127.0.0.1:%d max_fails=1 fail_timeout=2s;
            keepalive 16;
          }
          server {
            listen 127.0.0.1:%d;
            location / {
              proxy_pass http://sessiond;
              proxy_http_version 1.1;
              proxy_set_header Connection "";
              proxy_next_upstream error timeout http_502 http_503;
              proxy_next_upstream_tries 2;
              proxy_connect_timeout 1s;
            }
          }
        }
        """.formatted(a, b, port));
    ProcessBuilder pb = new ProcessBuilder(binary, "-p", dir + "/", "-c", "nginx.conf", "-g", "daemon off;")
        .redirectErrorStream(true).redirectOutput(dir.resolve("logs/stdout.log").toFile());
    return pb.start();
  }

  private void awaitStatus(String url, int status) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      try {
        if (send("GET", url, null).statusCode() == status) {
          return;
        }
      } catch (IOException e) {
        if (System.currentTimeMillis() > deadline) {
          throw new AssertionError("nginx never answered " + url + ": " + e);
        }
      }
      if (!nginx.isAlive()) {
        throw new AssertionError("nginx exited with " + nginx.exitValue());
      }
      Thread.sleep(50);
    }
  }

  private HttpResponse<String> send(String method, String url, String body) throws IOException, InterruptedException {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + KEY);
    if (body != null) {
      r.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      r.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Readers GET and PUT (idempotent, so nginx may retry them); writers POST touches (not retried). */
  private final class Traffic {
    final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicLong idempotent = new AtomicLong();
    final AtomicLong idempotentFailed = new AtomicLong();
    final AtomicLong writes = new AtomicLong();
    final AtomicLong writesFailed = new AtomicLong();
    final Map<String, Integer> failures = new ConcurrentHashMap<>();
    final List<Thread> threads = new ArrayList<>();
    final String lb;
    final List<String> ids;

    Traffic(String lb, List<String> ids) {
      this.lb = lb;
      this.ids = ids;
    }

    void start() {
      for (int t = 0; t < READERS + WRITERS; t++) {
        boolean writer = t >= READERS;
        Thread thread = new Thread(() -> loop(writer), "lb-traffic-" + t);
        threads.add(thread);
        thread.start();
      }
    }

    void loop(boolean writer) {
      AtomicInteger n = new AtomicInteger();
      while (running.get()) {
        String id = ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
        String path = lb + "/v1/sessions/" + id;
        String what;
        int status;
        try {
          if (writer) {
            what = "POST touch";
            status = send("POST", path + "/touch", null).statusCode();
          } else if (n.incrementAndGet() % 4 == 0) {
            what = "PUT";
            status = send("PUT", path, "{\"data\":{\"n\":" + n.get() + "}}").statusCode();
          } else {
            what = "GET";
            status = send("GET", path, null).statusCode();
          }
        } catch (IOException | InterruptedException e) {
          what = writer ? "POST touch" : "GET/PUT";
          status = -1;
        }
        (writer ? writes : idempotent).incrementAndGet();
        if (status < 200 || status > 299) {
          (writer ? writesFailed : idempotentFailed).incrementAndGet();
          failures.merge(what + " " + status, 1, Integer::sum);
        }
      }
    }

    void stop() throws InterruptedException {
      running.set(false);
      for (Thread t : threads) {
        t.join(15_000);
      }
    }
  }

  /** Polls the stopping instance's own /health/ready: when it first said 503, when it first refused. */
  private final class ReadinessWatch {
    final AtomicLong first503 = new AtomicLong();
    final AtomicLong firstRefused = new AtomicLong();
    final AtomicBoolean running = new AtomicBoolean(true);
    final int port;
    Thread thread;

    ReadinessWatch(int port) {
      this.port = port;
    }

    void start() {
      thread = new Thread(() -> {
        while (running.get() && firstRefused.get() == 0) {
          try {
            // A new connection each time, as a load balancer's probe: "refused" means not accepting.
            HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
            int status = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status == 503) {
              first503.compareAndSet(0, System.currentTimeMillis());
            }
          } catch (IOException e) {
            if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
              firstRefused.compareAndSet(0, System.currentTimeMillis());
            } // else a reset while the server closes: keep probing until connections are refused
          } catch (InterruptedException e) {
            return;
          }
          sleep(20);
        }
      }, "lb-readiness-watch");
      thread.start();
    }

    void stop() throws InterruptedException {
      running.set(false);
      thread.join(5000);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
