package io.sessiond.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Poll;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestRedis;
import io.sessiond.webhook.WebhookSignature;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * With ENCRYPTION_KEY set, a webhook's secret is sealed at rest: the raw Redis keys and the file store's
 * folder never hold it, and deliveries are still signed with it (the daemon opens it again).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class WebhookSecretAtRestTest {
  private static final String TENANT = "acme";
  private static final Pattern SIGNATURE = Pattern.compile("t=(\\d+),v1=([0-9a-f]{64})");
  private final String key = "key-" + UUID.randomUUID();
  private final String secret = "at-rest-" + UUID.randomUUID();
  private final List<String[]> received = new ArrayList<>();
  private HttpServer receiver;

  @TempDir
  Path dataDir;

  @BeforeEach
  void receiver(Vertx vertx, VertxTestContext ctx) {
    vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      synchronized (received) {
        received.add(new String[] {req.getHeader(WebhookSignature.HEADER), b.toString()});
      }
      req.response().setStatusCode(204).end();
    })).listen(0, "127.0.0.1").onComplete(ctx.succeeding(s -> {
      receiver = s;
      ctx.completeNow();
    }));
  }

  @AfterEach
  void close(VertxTestContext ctx) {
    receiver.close().onComplete(ar -> ctx.completeNow());
  }

  private static String masterKey() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return Base64.getEncoder().encodeToString(k);
  }

  /** Registers, makes one change, waits for its delivery and checks its signature with the secret. */
  private Future<Void> registerAndDeliver(Vertx vertx, TestDaemon d) {
    return d.api(TENANT).post("/v1/webhooks", new JsonObject().put("url", "http://127.0.0.1:" + receiver.actualPort())
            .put("types", new JsonArray().add("created")).put("secret", secret))
        .compose(r -> {
          assertEquals(201, r.statusCode(), r.bodyAsString());
          return d.api(TENANT).create("sealed-" + UUID.randomUUID(), new JsonObject());
        })
        .compose(r -> Poll.until(vertx, 20_000, 20, "a delivery", () -> Future.succeededFuture(count() > 0)))
        .map(v -> {
          String[] first;
          synchronized (received) {
            first = received.get(0);
          }
          Matcher m = SIGNATURE.matcher(first[0]);
          assertTrue(m.matches(), first[0]);
          assertEquals(WebhookSignature.hmac(secret, m.group(1) + "." + first[1]), m.group(2), "signed with the secret");
          return null;
        });
  }

  private int count() {
    synchronized (received) {
      return received.size();
    }
  }

  @Test
  void onRedis_theRawKeysNeverHoldTheSecret(Vertx vertx, VertxTestContext ctx) {
    String prefix = TestRedis.uniquePrefix();
    TestDaemon.Builder b = TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_PREFIX", prefix)
        .set("ENCRYPTION_KEY", masterKey()).set("WEBHOOKS_POLL_MS", 20).set("WEBHOOKS_ALLOW_PRIVATE", true)
        .tenantWithKeys(TENANT, key);
    TestRedis.settings().forEach(b::set);
    b.start(vertx)
        .compose(d -> registerAndDeliver(vertx, d)
            .compose(v -> RawStores.redis(vertx, TestRedis.url(), prefix))
            .eventually(d::stop))
        .onComplete(ctx.succeeding(keys -> ctx.verify(() -> {
          String dump = String.join("\n", keys);
          assertTrue(dump.contains("webhooks:" + TENANT), "the registration is there: " + dump);
          assertTrue(dump.contains("sealed:"), dump);
          assertFalse(RawStores.holds(dump, secret), "the secret is in Redis in the clear");
          ctx.completeNow();
        })));
  }

  @Test
  void onTheFileStore_theFolderNeverHoldsTheSecret(Vertx vertx, VertxTestContext ctx) {
    String master = masterKey();
    TestDaemon.builder().set("SESSION_STORE", "file").set("DATA_DIR", dataDir).set("ENCRYPTION_KEY", master)
        .set("WEBHOOKS_POLL_MS", 20).set("WEBHOOKS_ALLOW_PRIVATE", true).tenantWithKeys(TENANT, key).start(vertx)
        .compose(d -> registerAndDeliver(vertx, d).eventually(d::stop))
        .compose(v -> vertx.executeBlocking(() -> RawStores.files(dataDir)))
        .onComplete(ctx.succeeding(dump -> ctx.verify(() -> {
          assertTrue(dump.contains("sealed:"), "the registration is in the folder, sealed");
          assertFalse(RawStores.holds(dump, secret), "the secret is on disk in the clear");
          ctx.completeNow();
        })));
  }
}
