package io.sessiond.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Poll;
import io.sessiond.testing.TestDaemon;
import io.sessiond.webhook.WebhookSignature;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhooks on the file store across a restart, with a real receiver: the registration, its secret and
 * its cursor survive a clean stop, an event still being retried at the stop is delivered after the
 * start (and one delivered before is not delivered again); after a stop that saved no undelivered
 * events (a crash, simulated by putting back the file as it was while the daemon ran) the webhook is
 * sent events-lost. The address is checked at every delivery, not only at registration: a webhook
 * registered while private addresses were allowed is dead-lettered once they are not, nothing sent.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class WebhooksFileStoreTest {
  private static final String TENANT = "acme";
  private static final Pattern SIGNATURE = Pattern.compile("t=(\\d+),v1=([0-9a-f]{64})");
  private final String key = "key-" + UUID.randomUUID();
  private final List<Delivery> received = new ArrayList<>();
  private volatile int status = 200;
  private HttpServer receiver;
  private TestDaemon daemon;

  @TempDir
  Path dataDir;

  record Delivery(JsonObject body, String raw, String signature, String type, int status) {
  }

  @BeforeEach
  void receiver(Vertx vertx, VertxTestContext ctx) {
    vertx.createHttpServer().requestHandler(this::receive).listen(0, "127.0.0.1")
        .onComplete(ctx.succeeding(s -> {
          receiver = s;
          ctx.completeNow();
        }));
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    Future.join(daemon == null ? Future.succeededFuture() : daemon.stop(), receiver.close())
        .onComplete(ar -> ctx.completeNow());
  }

  private void receive(HttpServerRequest req) {
    req.body().onSuccess(body -> {
      int answer = status;
      synchronized (received) {
        received.add(new Delivery(body.toJsonObject(), body.toString(), req.getHeader(WebhookSignature.HEADER),
            req.getHeader("Sessiond-Event-Type"), answer));
      }
      req.response().setStatusCode(answer).end();
    });
  }

  private List<Delivery> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  private Future<TestDaemon> start(Vertx vertx) {
    return start(vertx, true, 100);
  }

  private Future<TestDaemon> start(Vertx vertx, boolean allowPrivate, int maxAttempts) {
    return TestDaemon.builder().set("SESSION_STORE", "file").set("DATA_DIR", dataDir)
        .set("WEBHOOKS_POLL_MS", 20).set("WEBHOOKS_BACKOFF_MS", 30).set("WEBHOOKS_BACKOFF_MAX_MS", 100)
        .set("WEBHOOKS_MAX_ATTEMPTS", maxAttempts).set("WEBHOOKS_ALLOW_PRIVATE", allowPrivate).tenantWithKeys(TENANT, key)
        .start(vertx).map(d -> {
          daemon = d;
          return d;
        });
  }

  private Future<Void> stopDaemon() {
    TestDaemon d = daemon;
    daemon = null;
    return d.stop();
  }

  private static Future<Void> until(Vertx vertx, String what, BooleanSupplier check) {
    return Poll.until(vertx, 20_000, 20, what, () -> Future.succeededFuture(check.getAsBoolean()));
  }

  private boolean delivered(String session) {
    return received().stream().anyMatch(d -> d.status() == 200 && session.equals(d.body().getString("sessionId")));
  }

  private Future<JsonObject> register(String secret) {
    return daemon.api(TENANT).post("/v1/webhooks", new JsonObject().put("url", "http://127.0.0.1:" + receiver.actualPort()
        + "/hook").put("types", new JsonArray().add("created")).put("secret", secret)).map(r -> {
          assertEquals(201, r.statusCode(), r.bodyAsString());
          return r.bodyAsJsonObject();
        });
  }

  @Test
  void aCleanRestart_keepsTheWebhookAndItsCursor_andDeliversWhatWasStillBeingRetried(Vertx vertx, VertxTestContext ctx) {
    String secret = "restart-secret-" + UUID.randomUUID();
    String[] hook = new String[1];
    start(vertx)
        .compose(d -> register(secret))
        .compose(h -> {
          hook[0] = h.getString("id");
          return daemon.api(TENANT).create("before", new JsonObject());
        })
        .compose(r -> until(vertx, "the first event is delivered", () -> delivered("before")))
        .compose(v -> {
          status = 503;
          return daemon.api(TENANT).create("retried", new JsonObject());
        })
        .compose(r -> until(vertx, "the second event is being retried", () -> received().stream()
            .filter(d -> "retried".equals(d.body().getString("sessionId"))).count() >= 2))
        .compose(v -> stopDaemon())
        .compose(v -> {
          status = 200;
          return start(vertx);
        })
        .compose(d -> d.api(TENANT).get("/v1/webhooks"))
        .compose(r -> {
          JsonArray hooks = r.bodyAsJsonObject().getJsonArray("webhooks");
          assertEquals(1, hooks.size(), hooks.encode());
          assertEquals(hook[0], hooks.getJsonObject(0).getString("id"));
          assertNull(hooks.getJsonObject(0).getString("secret"));
          return until(vertx, "the retried event is delivered after the restart", () -> delivered("retried"));
        })
        .compose(v -> daemon.api(TENANT).create("after", new JsonObject()))
        .compose(r -> until(vertx, "an event after the restart is delivered", () -> delivered("after")))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          List<Delivery> all = received();
          assertEquals(1, all.stream().filter(d -> "before".equals(d.body().getString("sessionId"))).count(),
              "delivered before the restart, not again after it");
          Delivery retried = all.stream().filter(d -> d.status() == 200 && "retried".equals(d.body().getString("sessionId")))
              .findFirst().orElseThrow();
          Matcher m = SIGNATURE.matcher(retried.signature());
          assertTrue(m.matches(), retried.signature());
          assertEquals(WebhookSignature.hmac(secret, m.group(1) + "." + retried.raw()), m.group(2),
              "signed with the secret registered before the restart");
          assertTrue(all.stream().noneMatch(d -> "events-lost".equals(d.type())), "a clean stop loses nothing");
          ctx.completeNow();
        })));
  }

  @Test
  void theAddressIsCheckedAtEveryDelivery_aWebhookNowReachingAPrivateOne_isDeadLettered(Vertx vertx, VertxTestContext ctx) {
    String[] hook = new String[1];
    start(vertx)
        .compose(d -> register("private-secret-" + UUID.randomUUID()))
        .compose(h -> {
          hook[0] = h.getString("id");
          return stopDaemon();
        })
        // The same registration, now under an operator who refuses private addresses.
        .compose(v -> start(vertx, false, 2))
        .compose(d -> d.api(TENANT).create("refused", new JsonObject()))
        .compose(r -> Poll.until(vertx, 20_000, 20, "the event is dead-lettered",
            () -> daemon.api(TENANT).get("/v1/webhooks/" + hook[0] + "/dead-letters")
                .map(l -> !l.bodyAsJsonObject().getJsonArray("deadLetters").isEmpty())))
        .compose(v -> daemon.api(TENANT).get("/v1/webhooks/" + hook[0] + "/dead-letters"))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          JsonObject letter = r.bodyAsJsonObject().getJsonArray("deadLetters").getJsonObject(0);
          assertTrue(letter.getString("lastError").contains("loopback"), letter.encode());
          assertEquals("refused", letter.getJsonObject("event").getString("sessionId"));
          assertTrue(received().isEmpty(), "nothing reached the private receiver: " + received());
          ctx.completeNow();
        })));
  }

  @Test
  void aStopThatSavedNoBacklog_sendsEventsLost(Vertx vertx, VertxTestContext ctx) {
    Path file = dataDir.resolve("webhooks.json");
    Path copy = dataDir.resolve("webhooks-while-running.json");
    start(vertx)
        .compose(d -> register("crash-secret-" + UUID.randomUUID()))
        .compose(h -> vertx.executeBlocking(() -> Files.copy(file, copy)))
        .compose(p -> stopDaemon())
        .compose(v -> vertx.executeBlocking(() -> Files.move(copy, file, StandardCopyOption.REPLACE_EXISTING)))
        .compose(p -> start(vertx))
        .compose(d -> until(vertx, "events-lost arrives", () -> received().stream()
            .anyMatch(r -> "events-lost".equals(r.type()))))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          Delivery lost = received().stream().filter(r -> "events-lost".equals(r.type())).findFirst().orElseThrow();
          assertEquals("events-lost", lost.body().getString("type"));
          assertTrue(lost.body().containsKey("requestedId"), lost.raw());
          assertTrue(lost.body().getString("detail").contains("read the sessions again"), lost.raw());
          ctx.completeNow();
        })));
  }
}
