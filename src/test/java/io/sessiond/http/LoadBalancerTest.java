package io.sessiond.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.DaemonProcess;
import io.sessiond.testing.RedisProcess;
import io.sessiond.testing.ShippedNginx;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.vertx.core.json.JsonObject;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two daemons on one Redis behind a real nginx on loopback running the shipped conf/nginx.conf
 * (passive health, proxy_next_upstream), as compose.yaml runs them.
 *
 * <p>One daemon stopped gracefully in the middle of traffic: its readiness answers 503 before it
 * stops accepting, every idempotent request through nginx succeeds, at most the writes in flight
 * fail, and every session stays readable.
 *
 * <p>Two daemons in JVMs of their own on a private redis-server, under a load that sends every POST
 * with an {@code Idempotency-Key} (as the Node client does): Redis frozen (SIGSTOP) then thawed, then
 * one daemon killed with {@code kill -9}. Clients see no 5xx but sessiond's own 503 problem (with
 * {@code Retry-After}), never nginx's 502 page; writes go through again after the thaw without a
 * restart; and every acknowledged append is in its session exactly once, although nginx and the
 * clients retried keyed appends whose outcome they did not know.
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
  private ShippedNginx nginx;
  private TestDaemon second;

  @AfterEach
  void cleanUp() throws Exception {
    if (nginx != null) {
      nginx.close();
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
    vertx = Vertx.vertx();
    String prefix = TestRedis.uniquePrefix();
    TestDaemon first = await(daemon(prefix));
    second = await(daemon(prefix));
    nginx = ShippedNginx.start(dir, List.of(first.port(), second.port()));
    String lb = nginx.url();

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

  @Test
  void frozenRedis_thenAKilledInstance_clientsSeeOnly503Problems_andEveryKeyedAppendOnce(@TempDir Path dir)
      throws Exception {
    try (RedisProcess redis = RedisProcess.start()) {
      Map<String, String> env = Map.ofEntries(Map.entry("SESSION_STORE", "redis"), Map.entry("REDIS_URL", redis.url()),
          Map.entry("REDIS_PREFIX", "lb:"), Map.entry("TENANTS", TENANT + "=" + KEY), Map.entry("HTTP_INSTANCES", "1"),
          Map.entry("REQUEST_TIMEOUT_MS", "2000"),
          Map.entry("HEALTH_INTERVAL_MS", "200"), Map.entry("TENANT_REQUESTS_PER_SECOND", "0"),
          Map.entry("SHUTDOWN_DRAIN_DELAY_MS", "0"), Map.entry("MAX_MESSAGES_PER_SESSION", "100000"));
      try (DaemonProcess a = DaemonProcess.start(env, dir.resolve("daemon-a.log"));
          DaemonProcess b = DaemonProcess.start(env, dir.resolve("daemon-b.log"))) {
        a.awaitReady(90_000);
        b.awaitReady(90_000);
        try (ShippedNginx lb = ShippedNginx.start(dir.resolve("nginx"), List.of(a.port(), b.port()))) {
          KeyedLoad load = new KeyedLoad(lb.url());
          load.start();
          try {
            load.awaitProgress(3, 30_000, "before the freeze");

            long frozeAt = System.currentTimeMillis();
            redis.freeze();
            load.awaitProblems(2 * KeyedLoad.WRITERS, 20_000);
            long thawedAt = System.currentTimeMillis();
            redis.thaw();
            load.awaitProgress(3, 30_000, "after the thaw");
            long recoveredAt = System.currentTimeMillis();
            for (DaemonProcess d : List.of(a, b)) { // each serves again, neither was restarted
              String url = "http://127.0.0.1:" + d.port() + "/v1/sessions/" + load.sessions.get(0);
              assertEquals(200, send("GET", url, null).statusCode(), "daemon on port " + d.port() + " after the thaw");
            }

            long problemsBefore = load.problems.get();
            long killedAt = System.currentTimeMillis();
            a.kill9();
            load.awaitProgress(5, 30_000, "after kill -9");
            long doneAt = System.currentTimeMillis();
            load.stop();

            System.out.printf("LB faults: %d answers through nginx; freeze %d ms: %d 503 problems; writes again %d ms"
                    + " after the thaw; kill -9: %d more 503 problems, %d keyed retries replayed, %d ms to 5 appends"
                    + " per writer; %d appends acknowledged%n", load.answers.get(), thawedAt - frozeAt,
                problemsBefore, recoveredAt - thawedAt, load.problems.get() - problemsBefore, load.replayed.get(),
                doneAt - killedAt, load.acknowledged());
          } finally {
            load.stop();
          }
          assertEquals(List.of(), List.copyOf(load.unexpected), "answers other than 2xx or sessiond's 503 problem");
          assertTrue(load.problems.get() >= 2 * KeyedLoad.WRITERS, "the freeze was never seen: " + load.problems.get());
          for (int w = 0; w < KeyedLoad.WRITERS; w++) {
            assertEquals(load.acked.get(w).stream().sorted().toList(), contents(lb.url(), load.sessions.get(w)),
                "session " + w + " holds each acknowledged append exactly once");
          }
        }
      }
    }
  }

  /** The content of every message of the session's window, sorted, read page by page. */
  private List<String> contents(String lb, String id) throws Exception {
    List<String> out = new ArrayList<>();
    String before = "";
    while (true) {
      HttpResponse<String> r = send("GET", lb + "/v1/sessions/" + id + "/messages?limit=1000" + before, null);
      assertEquals(200, r.statusCode(), r.body());
      JsonObject page = new JsonObject(r.body());
      page.getJsonArray("messages").forEach(m -> out.add(((JsonObject) m).getString("content")));
      if (page.getValue("nextBefore") == null) {
        return out.stream().sorted().toList();
      }
      before = "&before=" + page.getValue("nextBefore");
    }
  }

  private Future<TestDaemon> daemon(String prefix) {
    TestDaemon.Builder builder = TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_PREFIX", prefix)
        .set("SHUTDOWN_DRAIN_DELAY_MS", 500).set("SHUTDOWN_GRACE_MS", 5000);
    TestRedis.settings().forEach(builder::set);
    return builder.tenantWithKeys(TENANT, KEY).start(vertx);
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

  /**
   * Writers, each on a session of its own, append one message at a time with a fresh
   * Idempotency-Key, read the session, and write a key batch (also keyed, so nginx may retry it);
   * readers GET the sessions all the time, so idempotent requests meet the faults as well. A
   * 503 problem or a 409 request-in-progress is retried with the same key after its Retry-After
   * (capped at 300 ms to keep the test short), as a client does; every other non-2xx answer and every
   * failure to get an answer is recorded as unexpected.
   */
  private final class KeyedLoad {
    static final int WRITERS = 4;
    static final int READERS = 2;
    final String lb;
    final List<String> sessions = new ArrayList<>();
    final List<Queue<String>> acked = new ArrayList<>();
    final Queue<String> unexpected = new ConcurrentLinkedQueue<>();
    final AtomicLong answers = new AtomicLong();
    final AtomicLong problems = new AtomicLong();
    final AtomicLong replayed = new AtomicLong();
    final AtomicBoolean running = new AtomicBoolean(true);
    final List<Thread> threads = new ArrayList<>();

    KeyedLoad(String lb) throws Exception {
      this.lb = lb;
      for (int w = 0; w < WRITERS; w++) {
        String id = TestDaemon.freshSession();
        assertEquals(201, send("PUT", lb + "/v1/sessions/" + id, "{}").statusCode());
        sessions.add(id);
        acked.add(new ConcurrentLinkedQueue<>());
      }
    }

    void start() {
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        Thread t = new Thread(() -> loop(writer), "lb-keyed-" + w);
        threads.add(t);
        t.start();
      }
      for (int r = 0; r < READERS; r++) {
        Thread t = new Thread(this::read, "lb-reader-" + r);
        threads.add(t);
        t.start();
      }
    }

    /** GETs of the sessions, which nginx may send to the other replica (and marks one failed when it fails). */
    void read() {
      for (int n = 0; running.get(); n++) {
        untilDone("GET", lb + "/v1/sessions/" + sessions.get(n % WRITERS), null);
      }
    }

    void loop(int w) {
      String session = lb + "/v1/sessions/" + sessions.get(w);
      for (int n = 0; running.get(); n++) {
        String text = "w" + w + "-" + n;
        if (untilDone("POST", session + "/messages", new JsonObject().put("role", "user").put("content", text).encode())) {
          acked.get(w).add(text);
        }
        untilDone("GET", session, null);
        untilDone("POST", session + "/keys", "{\"pre-key\":{\"k" + (n % 8) + "\":\"" + text + "\"}}");
      }
    }

    /**
     * Sends one request, with one Idempotency-Key for all its retries, until it succeeds (also once
     * the load is stopped: an append whose outcome is unknown is never left behind); false when it
     * got an unexpected answer or none within 30 s.
     */
    boolean untilDone(String method, String url, String body) {
      String key = UUID.randomUUID().toString();
      long deadline = System.currentTimeMillis() + 30_000;
      while (System.currentTimeMillis() < deadline) {
        HttpResponse<String> r;
        try {
          HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
              .header("Authorization", "Bearer " + KEY);
          if (body != null) {
            b.header("Content-Type", "application/json").header("Idempotency-Key", key)
                .method(method, HttpRequest.BodyPublishers.ofString(body));
          }
          r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
          unexpected.add(method + " " + url + ": no answer: " + e);
          return false;
        }
        answers.incrementAndGet();
        if (r.statusCode() / 100 == 2) {
          r.headers().firstValue("Idempotent-Replayed").ifPresent(v -> replayed.incrementAndGet());
          return true;
        }
        String type = r.headers().firstValue("Content-Type").orElse("");
        String retryAfter = r.headers().firstValue("Retry-After").orElse(null);
        boolean problem = type.startsWith("application/problem+json") && retryAfter != null;
        if (r.statusCode() == 503 && problem) {
          problems.incrementAndGet();
        } else if (!(r.statusCode() == 409 && problem && r.body().contains("request-in-progress"))) {
          unexpected.add(method + " " + url + ": " + r.statusCode() + " " + type + " " + r.body());
          return false;
        }
        sleep(Math.min(300, Long.parseLong(retryAfter) * 1000));
      }
      unexpected.add(method + " " + url + ": no success within 30 s");
      return false;
    }

    int acknowledged() {
      return acked.stream().mapToInt(Queue::size).sum();
    }

    void awaitProgress(int appends, long timeoutMs, String when) {
      int[] from = acked.stream().mapToInt(Queue::size).toArray();
      long deadline = System.currentTimeMillis() + timeoutMs;
      while (true) {
        boolean all = true;
        for (int w = 0; w < WRITERS; w++) {
          all &= acked.get(w).size() >= from[w] + appends;
        }
        if (all) {
          return;
        }
        if (System.currentTimeMillis() > deadline || !unexpected.isEmpty()) {
          throw new AssertionError("writers did not make " + appends + " appends each " + when + " within " + timeoutMs
              + " ms (from " + java.util.Arrays.toString(from) + " to " + acked.stream().map(Queue::size).toList()
              + "); unexpected answers: " + unexpected);
        }
        sleep(20); // polling the writers' counters, bounded by the deadline
      }
    }

    void awaitProblems(long count, long timeoutMs) {
      long deadline = System.currentTimeMillis() + timeoutMs;
      while (problems.get() < count) {
        if (System.currentTimeMillis() > deadline || !unexpected.isEmpty()) {
          throw new AssertionError("only " + problems.get() + " 503 problems within " + timeoutMs
              + " ms of the freeze; unexpected answers: " + unexpected);
        }
        sleep(20); // polling the writers' counters, bounded by the deadline
      }
    }

    void stop() throws InterruptedException {
      running.set(false);
      for (Thread t : threads) {
        t.join(30_000);
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
}
