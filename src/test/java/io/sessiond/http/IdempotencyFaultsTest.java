package io.sessiond.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sessiond.testing.RedisProcess;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The retry a client makes after a store timeout. Redis is frozen (SIGSTOP) while an append is sent:
 * the daemon answers 503 when Redis does not reply in time, but the script is already queued on the
 * connection and runs when Redis is thawed, so the append did happen. Its retry with the same
 * Idempotency-Key finds the outcome the script recorded with the write and does not append again; the
 * same retry without a key (the control) appends a second time.
 */
class IdempotencyFaultsTest {
  private static final String TENANT = TestDaemon.freshTenant();
  private static final String KEY = "test-" + UUID.randomUUID();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Vertx vertx;
  private TestDaemon daemon;
  private RedisProcess redis;

  @AfterEach
  void cleanUp() throws Exception {
    if (daemon != null) {
      await(daemon.stop());
    }
    if (vertx != null) {
      await(vertx.close());
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void appendThatTimedOutButRan_retriedWithItsKey_isNotAppliedTwice() throws Exception {
    redis = RedisProcess.start();
    vertx = Vertx.vertx();
    daemon = await(TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_URL", redis.url())
        .set("REDIS_PREFIX", TestRedis.uniquePrefix()).set("REDIS_TIMEOUT_MS", 300).set("REQUEST_TIMEOUT_MS", 3000)
        // One HTTP verticle, whose Redis connections the set-up opens: the appends are written to them
        // while Redis is frozen, as requests in the middle of traffic are.
        .set("HTTP_INSTANCES", 1)
        .tenantWithKeys(TENANT, KEY).start(vertx));
    String keyed = TestDaemon.freshSession();
    String control = TestDaemon.freshSession();
    assertEquals(201, send("PUT", "/v1/sessions/" + keyed, "{}", null).statusCode());
    assertEquals(201, send("PUT", "/v1/sessions/" + control, "{}", null).statusCode());
    String message = new JsonObject().put("role", "user").put("content", "once").encode();
    String idempotencyKey = UUID.randomUUID().toString();
    for (int i = 0; i < 20; i++) { // every pooled connection is opened (they are taken in turn)
      assertEquals(200, send("GET", "/v1/sessions/" + keyed, null, null).statusCode());
    }

    redis.freeze();
    HttpResponse<String> first = send("POST", "/v1/sessions/" + keyed + "/messages", message, idempotencyKey);
    HttpResponse<String> firstControl = send("POST", "/v1/sessions/" + control + "/messages", message, null);
    redis.thaw();
    assertEquals(503, first.statusCode(), first.body());
    assertEquals(503, firstControl.statusCode(), firstControl.body());

    // The frozen scripts ran once Redis was thawed: each session holds one message the client never saw acknowledged.
    awaitMessages(keyed, 1);
    awaitMessages(control, 1);

    HttpResponse<String> retry = send("POST", "/v1/sessions/" + keyed + "/messages", message, idempotencyKey);
    assertEquals(201, retry.statusCode(), retry.body());
    assertEquals("true", retry.headers().firstValue("Idempotent-Replayed").orElse(null));
    HttpResponse<String> retryControl = send("POST", "/v1/sessions/" + control + "/messages", message, null);
    assertEquals(201, retryControl.statusCode(), retryControl.body());
    assertNull(retryControl.headers().firstValue("Idempotent-Replayed").orElse(null));

    assertEquals(1, messages(keyed), "the keyed retry appended again");
    assertEquals(2, messages(control), "the control shows what a retry without a key does");
  }

  private void awaitMessages(String id, int expected) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    int seen = -1;
    String last = "";
    while (System.currentTimeMillis() < deadline) {
      HttpResponse<String> r = send("GET", "/v1/sessions/" + id + "/messages", null, null);
      last = r.statusCode() + " " + r.body();
      if (r.statusCode() == 200) {
        seen = new JsonObject(r.body()).getJsonArray("messages").size();
        if (seen == expected) {
          return;
        }
      }
      Thread.sleep(50); // polling with a deadline, not synchronisation
    }
    throw new AssertionError(id + " never held " + expected + " messages (last seen " + seen + ", last answer " + last + ")");
  }

  private int messages(String id) throws Exception {
    HttpResponse<String> r = send("GET", "/v1/sessions/" + id + "/messages", null, null);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getJsonArray("messages").size();
  }

  private HttpResponse<String> send(String method, String path, String body, String idempotencyKey)
      throws IOException, InterruptedException {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.port() + path))
        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + KEY);
    if (idempotencyKey != null) {
      r.header("Idempotency-Key", idempotencyKey);
    }
    if (body != null) {
      r.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      r.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }
}
