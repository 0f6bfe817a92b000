package io.sessiond.http;

import static io.sessiond.testing.Problem.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Api;
import io.sessiond.testing.Poll;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Webhooks delivering to a real HTTP receiver in the test, on the store the suite runs on (memory, and
 * Redis in the build's second run: two replicas over one Redis there, one daemon on memory): a receiver
 * that fails the first attempts gets the event after the retries, signed; one that always fails leaves
 * the event in the dead letters after the last attempt; the two replicas together deliver each event
 * once between them (no event twice, the counters add up); bad registrations are refused with problems.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class WebhooksApiTest {
  private static final long DEADLINE_MS = 30_000;
  private static final Pattern SIGNATURE = Pattern.compile("t=(\\d+),v1=([0-9a-f]{64})");
  private final String tenant = TestDaemon.freshTenant();
  private final String key = "test-" + UUID.randomUUID();
  private final String prefix = TestRedis.uniquePrefix();
  private final List<Delivery> received = new ArrayList<>();
  /** The status the receiver answers its n-th request with (1-based). */
  private volatile IntUnaryOperator answer = n -> 200;
  private HttpServer receiver;
  private TestDaemon a;
  private TestDaemon b;

  record Delivery(JsonObject body, String raw, String signature, String eventId, int attempt, int status) {
  }

  private static boolean onRedis() {
    return TestDaemon.defaultStore().equals("redis");
  }

  /** A replica: on Redis, each over the same prefix; on memory, the one daemon (the store is the process's). */
  private TestDaemon.Builder replica() {
    TestDaemon.Builder d = TestDaemon.builder()
        .set("WEBHOOKS_POLL_MS", 20).set("WEBHOOKS_BACKOFF_MS", 30).set("WEBHOOKS_BACKOFF_MAX_MS", 200)
        .set("WEBHOOKS_MAX_ATTEMPTS", 3).set("WEBHOOKS_TIMEOUT_MS", 5_000).set("WEBHOOKS_ALLOW_PRIVATE", true)
        .tenantWithKeys(tenant, key).tenantWithKeys(tenant + "-other", key + "-other");
    if (onRedis()) {
      d.set("SESSION_STORE", "redis").set("REDIS_PREFIX", prefix);
      TestRedis.settings().forEach(d::set);
    }
    return d;
  }

  @BeforeEach
  void start(Vertx vertx, VertxTestContext ctx) {
    vertx.createHttpServer().requestHandler(this::receive).listen(0, "127.0.0.1")
        .compose(s -> {
          receiver = s;
          return replica().start(vertx);
        })
        .compose(d -> {
          a = d;
          return onRedis() ? replica().start(vertx) : Future.succeededFuture(d);
        })
        .onComplete(ctx.succeeding(d -> {
          b = d;
          ctx.completeNow();
        }));
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    Future.join(a == null ? Future.succeededFuture() : a.stop(), b == null || b == a ? Future.succeededFuture() : b.stop(),
        receiver == null ? Future.succeededFuture() : receiver.close()).onComplete(ar -> ctx.completeNow());
  }

  private void receive(HttpServerRequest req) {
    req.body().onSuccess(body -> {
      int status;
      synchronized (received) {
        status = answer.applyAsInt(received.size() + 1);
        received.add(new Delivery(body.toJsonObject(), body.toString(), req.getHeader(WebhookSignature.HEADER),
            req.getHeader("Sessiond-Event-Id"), Integer.parseInt(req.getHeader("Sessiond-Delivery-Attempt")), status));
      }
      req.response().setStatusCode(status).end();
    });
  }

  private List<Delivery> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  private String url() {
    return "http://127.0.0.1:" + receiver.actualPort() + "/hooks/sessiond";
  }

  private Future<JsonObject> register(Api api, JsonObject body) {
    return api.post("/v1/webhooks", body).map(r -> {
      assertEquals(201, r.statusCode(), r.bodyAsString());
      return r.bodyAsJsonObject();
    });
  }

  private static Future<Void> until(Vertx vertx, String what, java.util.function.BooleanSupplier check) {
    return Poll.until(vertx, DEADLINE_MS, 20, what, () -> Future.succeededFuture(check.getAsBoolean()));
  }

  @Test
  void aReceiverFailingTheFirstAttempts_getsTheEventAfterRetries_withAValidSignature(Vertx vertx, VertxTestContext ctx) {
    answer = n -> n <= 2 ? 503 : 200;
    String secret = "s3cret-" + UUID.randomUUID();
    String id = "wh-" + UUID.randomUUID();
    register(a.api(tenant), new JsonObject().put("url", url()).put("types", new JsonArray().add("created"))
        .put("secret", secret))
        .compose(hook -> a.api(tenant).create(id, new JsonObject()))
        .compose(r -> until(vertx, "a delivery succeeds", () -> received().stream().anyMatch(d -> d.status() == 200)))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          List<Delivery> all = received();
          assertEquals(List.of(503, 503, 200), all.stream().map(Delivery::status).toList());
          assertEquals(List.of(1, 2, 3), all.stream().map(Delivery::attempt).toList());
          assertEquals(1, all.stream().map(Delivery::eventId).distinct().count(), "one event, retried");
          Delivery ok = all.get(2);
          assertEquals("created", ok.body().getString("type"));
          assertEquals(id, ok.body().getString("sessionId"));
          assertEquals(ok.eventId(), ok.body().getString("id"));
          Matcher m = SIGNATURE.matcher(ok.signature());
          assertTrue(m.matches(), ok.signature());
          assertEquals(WebhookSignature.hmac(secret, m.group(1) + "." + ok.raw()), m.group(2), "the signature verifies");
          assertTrue(Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(m.group(1))) < 60, "a fresh timestamp");
          assertFalse(m.group(2).equals(WebhookSignature.hmac("another-secret-000", m.group(1) + "." + ok.raw())));
          ctx.completeNow();
        })));
  }

  @Test
  void aReceiverThatAlwaysFails_leavesTheEventInTheDeadLetters_afterTheLastAttempt(Vertx vertx, VertxTestContext ctx) {
    answer = n -> 500;
    String id = "wh-" + UUID.randomUUID();
    String[] hook = new String[1];
    List<JsonArray> letters = new ArrayList<>();
    register(b.api(tenant), new JsonObject().put("url", url()))
        .compose(h -> {
          hook[0] = h.getString("id");
          return a.api(tenant).create(id, new JsonObject());
        })
        .compose(r -> Poll.until(vertx, DEADLINE_MS, 50, "the event is dead-lettered",
            () -> a.api(tenant).get("/v1/webhooks/" + hook[0] + "/dead-letters").map(r2 -> {
              assertEquals(200, r2.statusCode(), r2.bodyAsString());
              letters.clear();
              letters.add(r2.bodyAsJsonObject().getJsonArray("deadLetters"));
              return !letters.get(0).isEmpty();
            })))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          JsonArray dead = letters.get(0);
          assertEquals(1, dead.size(), dead.encode());
          JsonObject letter = dead.getJsonObject(0);
          assertEquals(3, letter.getInteger("attempts"));
          assertEquals("HTTP 500", letter.getString("lastError"));
          assertEquals("created", letter.getJsonObject("event").getString("type"));
          assertEquals(id, letter.getJsonObject("event").getString("sessionId"));
          List<Delivery> all = received();
          assertEquals(3, all.size(), "three attempts, no more");
          assertEquals(List.of(1, 2, 3), all.stream().map(Delivery::attempt).toList());
          ctx.completeNow();
        })));
  }

  @Test
  void twoReplicas_deliverEachEventOnce(Vertx vertx, VertxTestContext ctx) {
    Assumptions.assumeTrue(onRedis(), "replicas share webhooks on Redis only");
    int sessions = 10;
    int changes = 4; // created + 3 patches each
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < sessions; i++) {
      ids.add("fleet-" + i + "-" + UUID.randomUUID().toString().substring(0, 8));
    }
    register(a.api(tenant), new JsonObject().put("url", url()).put("types", new JsonArray().add("created").add("updated")))
        .compose(h -> {
          Future<Void> chain = Future.succeededFuture();
          for (int i = 0; i < sessions; i++) {
            Api api = i % 2 == 0 ? a.api(tenant) : b.api(tenant);
            String id = ids.get(i);
            chain = chain.compose(v -> api.create(id, new JsonObject()).mapEmpty());
            for (int round = 0; round < changes - 1; round++) {
              int r = round;
              Api other = (i + round) % 2 == 0 ? b.api(tenant) : a.api(tenant);
              chain = chain.compose(v -> other.patch("/v1/sessions/" + id, new JsonObject().put("r", r)).map(resp -> {
                assertEquals(200, resp.statusCode(), resp.bodyAsString());
                return null;
              }));
            }
          }
          return chain;
        })
        .compose(v -> until(vertx, "every event arrives", () -> received().stream().map(Delivery::eventId).distinct()
            .count() >= sessions * changes))
        // Both replicas' counters together: every event delivered once by the fleet. Which replica takes
        // which event is the consumer group's choice: a busy machine may let one replica take them all.
        .compose(v -> Poll.until(vertx, DEADLINE_MS, 20, "the replicas count every delivery",
            () -> Future.all(delivered(a), delivered(b)).map(c -> c.<Double>resultAt(0) + c.<Double>resultAt(1)
                >= sessions * changes)))
        .compose(v -> Future.all(delivered(a), delivered(b)))
        .onComplete(ctx.succeeding(counts -> ctx.verify(() -> {
          List<Delivery> all = received();
          Set<String> seen = new HashSet<>();
          for (Delivery d : all) {
            assertTrue(seen.add(d.eventId()), "event " + d.eventId() + " delivered twice");
          }
          assertEquals(sessions * changes, all.size());
          double byA = counts.<Double>resultAt(0);
          double byB = counts.<Double>resultAt(1);
          assertEquals(sessions * changes, byA + byB, 0.0, "replica counters: " + byA + " + " + byB);
          ctx.completeNow();
        })));
  }

  /** The replica's sessiond_webhook_deliveries_total{outcome="delivered"}. */
  private Future<Double> delivered(TestDaemon d) {
    return d.api(tenant).get("/metrics").map(r -> {
      assertEquals(200, r.statusCode());
      for (String line : r.bodyAsString().split("\n")) {
        if (line.startsWith("sessiond_webhook_deliveries_total{") && line.contains("outcome=\"delivered\"")) {
          return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return 0.0;
    });
  }

  @Test
  void urlsReachingPrivateAddresses_areRefused422_unlessTheOperatorAllowsThem(Vertx vertx, VertxTestContext ctx) {
    List<String> urls = List.of("http://127.0.0.1:1/x", "http://localhost/hook", "http://[::ffff:169.254.169.254]/",
        "http://169.254.169.254/latest/meta-data", "https://10.0.0.1/", "http://[fd00::1]/", "http://2130706433/",
        "http://0177.0.0.1/");
    TestDaemon.builder().tenantWithKeys(tenant, key).start(vertx)
        .compose(d -> {
          List<Future<io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer>>> answers = new ArrayList<>();
          for (String u : urls) {
            answers.add(d.api(tenant).post("/v1/webhooks", new JsonObject().put("url", u)));
          }
          return Future.all(answers).map(all -> answers.stream().map(Future::result).toList())
              .compose(list -> d.api(tenant).get("/v1/webhooks").map(r -> {
                assertEquals(0, r.bodyAsJsonObject().getJsonArray("webhooks").size(), "nothing registered");
                return list;
              }))
              .eventually(d::stop);
        })
        .onComplete(ctx.succeeding(answers -> ctx.verify(() -> {
          for (int i = 0; i < urls.size(); i++) {
            JsonObject problem = assertProblem(answers.get(i), 422);
            assertEquals("urn:sessiond:problem:refused-address", problem.getString("type"), urls.get(i));
            assertTrue(problem.getString("detail").contains("WEBHOOKS_ALLOW_PRIVATE"), problem.encode());
          }
          assertTrue(assertProblem(answers.get(0), 422).getString("detail").contains("loopback"));
          assertTrue(assertProblem(answers.get(2), 422).getString("detail").contains("metadata"));
          assertTrue(assertProblem(answers.get(6), 422).getString("detail").contains("four decimal bytes"));
          ctx.completeNow();
        })));
  }

  @Test
  void withChangeEventsOff_everyWebhookEndpointAnswers501_namingTheReason(Vertx vertx, VertxTestContext ctx) {
    TestDaemon.builder().set("EVENTS_ENABLED", false).tenantWithKeys(tenant, key).start(vertx)
        .compose(d -> d.api(tenant).post("/v1/webhooks", new JsonObject().put("url", url()))
            .compose(created -> d.api(tenant).get("/v1/webhooks/wh_any/dead-letters").map(letters -> List.of(created, letters)))
            .eventually(d::stop))
        .onComplete(ctx.succeeding(answers -> ctx.verify(() -> {
          for (var r : answers) {
            JsonObject problem = assertProblem(r, 501);
            assertEquals("urn:sessiond:problem:not-implemented", problem.getString("type"));
            assertTrue(problem.getString("detail").contains("EVENTS_ENABLED=false"), problem.encode());
          }
          ctx.completeNow();
        })));
  }

  @Test
  void registrations_areListedWithoutSecrets_perTenant_andBadInputIsRefused(VertxTestContext ctx) {
    Api api = a.api(tenant);
    Api other = a.api(tenant + "-other");
    String[] id = new String[1];
    register(api, new JsonObject().put("url", url()))
        .compose(created -> {
          id[0] = created.getString("id");
          assertTrue(created.getString("secret").startsWith("whsec_"), "a generated secret, shown once: " + created);
          assertEquals(8, created.getJsonArray("types").size(), created.encode());
          return api.get("/v1/webhooks");
        })
        .compose(r -> {
          JsonArray hooks = r.bodyAsJsonObject().getJsonArray("webhooks");
          assertEquals(1, hooks.size());
          assertEquals(id[0], hooks.getJsonObject(0).getString("id"));
          assertNull(hooks.getJsonObject(0).getString("secret"), "never shown again");
          return b.api(tenant).get("/v1/webhooks/" + id[0]);
        })
        .compose(r -> {
          assertEquals(200, r.statusCode(), "any replica: " + r.bodyAsString());
          assertEquals(url(), r.bodyAsJsonObject().getString("url"));
          return other.get("/v1/webhooks/" + id[0]);
        })
        .map(r -> assertProblem(r, 404))
        .compose(v -> other.get("/v1/webhooks"))
        .map(r -> {
          assertEquals(0, r.bodyAsJsonObject().getJsonArray("webhooks").size(), "another tenant's are its own");
          return null;
        })
        .compose(v -> api.post("/v1/webhooks", new JsonObject().put("url", "ftp://example.com/x")))
        .map(r -> {
          assertTrue(assertProblem(r, 400).getString("detail").contains("http or https"));
          return null;
        })
        .compose(v -> api.post("/v1/webhooks", new JsonObject().put("url", "not a url")))
        .map(r -> assertProblem(r, 400))
        .compose(v -> api.post("/v1/webhooks", new JsonObject().put("url", "http:///nohost")))
        .map(r -> assertProblem(r, 400))
        .compose(v -> api.post("/v1/webhooks", new JsonObject().put("url", "https://user:pw@example.com/")))
        .map(r -> {
          assertTrue(assertProblem(r, 400).getString("detail").contains("credentials"));
          return null;
        })
        .compose(v -> api.post("/v1/webhooks", new JsonObject()))
        .map(r -> {
          assertTrue(assertProblem(r, 400).getString("detail").contains("'url' is required"));
          return null;
        })
        .compose(v -> api.post("/v1/webhooks", new JsonObject().put("url", url()).put("types", new JsonArray().add("bogus"))))
        .map(r -> {
          assertTrue(assertProblem(r, 400).getString("detail").contains("lease-acquired"));
          return null;
        })
        .compose(v -> api.post("/v1/webhooks", new JsonObject().put("url", url()).put("secret", "short")))
        .map(r -> assertProblem(r, 400))
        .compose(v -> api.post("/v1/webhooks", new JsonObject().put("url", url()).put("extra", 1)))
        .map(r -> assertProblem(r, 400))
        .compose(v -> api.get("/v1/webhooks/" + id[0] + "/dead-letters?limit=0"))
        .map(r -> assertProblem(r, 400))
        .compose(v -> api.get("/v1/webhooks/wh_nosuch"))
        .map(r -> assertProblem(r, 404))
        .compose(v -> api.get("/v1/webhooks/" + id[0] + "/dead-letters"))
        .map(r -> {
          assertEquals(200, r.statusCode());
          assertEquals(0, r.bodyAsJsonObject().getJsonArray("deadLetters").size());
          return null;
        })
        .compose(v -> api.delete("/v1/webhooks/" + id[0]))
        .map(r -> {
          assertEquals(204, r.statusCode());
          return null;
        })
        .compose(v -> api.get("/v1/webhooks/" + id[0]))
        .map(r -> assertProblem(r, 404))
        .compose(v -> api.get("/v1/webhooks"))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(0, r.bodyAsJsonObject().getJsonArray("webhooks").size());
          ctx.completeNow();
        })));
  }
}
