package io.sessiond.store.redis;

import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreRequests;
import io.sessiond.store.StoreSettings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.store.StoreRequests.AppendMessages;
import io.sessiond.store.StoreRequests.PutSession;
import io.sessiond.store.StoreRequests.SessionRef;
import io.sessiond.store.StoreRequests.WriteKeys;
import io.sessiond.tenant.TenantLimits;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the Redis store leaves in Redis: the documented key layout, one hash tag per session, key TTLs. */
@ExtendWith(VertxExtension.class)
class RedisKeyLayoutTest {
  private static final StoreSettings SETTINGS = new StoreSettings(3600, 10, t -> TenantLimits.UNLIMITED);

  private final String tenant = "acme-" + UUID.randomUUID().toString().substring(0, 8);
  private final String id = "4915123456789@s.whatsapp.net";
  private final String prefix = TestRedis.uniquePrefix();
  private SessionStore store;
  private Redis redis;

  @BeforeEach
  void open(Vertx vertx, VertxTestContext tc) {
    store = new RedisSessionStore(vertx, SETTINGS, TestRedis.config(prefix, Map.of()));
    redis = Redis.createClient(vertx, TestRedis.url());
    store.open().onComplete(tc.succeedingThenComplete());
  }

  @AfterEach
  void close(VertxTestContext tc) {
    store.close().eventually(() -> redis.close()).onComplete(tc.succeedingThenComplete());
  }

  @Test
  void everyKeyOfASession_sharesItsHashTag_andTheTenantIndexesHaveTheirs(VertxTestContext tc) {
    String tag = "{" + tenant + ":" + id + "}";
    populate()
        .compose(v -> send(Request.cmd(Command.KEYS).arg(prefix + "*")))
        .onComplete(tc.succeeding(keys -> tc.verify(() -> {
          TreeSet<String> names = new TreeSet<>();
          keys.forEach(k -> names.add(k.toString()));
          assertEquals(new TreeSet<>(List.of(
              prefix + tag + ":meta", prefix + tag + ":creds", prefix + tag + ":keys:pre-key",
              prefix + tag + ":keys:session", prefix + tag + ":types", prefix + tag + ":msgs", prefix + tag + ":credsh",
              prefix + "{" + tenant + "}:ids", prefix + "{" + tenant + "}:expiry", prefix + "tenants",
              prefix + "events:" + tenant)), names);
          tc.completeNow();
        })));
  }

  @Test
  void everyKeyOfASession_expiresInRedisToo_asASafetyNet(VertxTestContext tc) {
    String base = prefix + "{" + tenant + ":" + id + "}";
    List<String> sessionKeys = List.of(base + ":meta", base + ":creds", base + ":keys:pre-key", base + ":keys:session",
        base + ":types", base + ":msgs", base + ":credsh");
    populate()
        .compose(v -> {
          List<Future<Response>> ttls = new ArrayList<>();
          sessionKeys.forEach(k -> ttls.add(send(Request.cmd(Command.PTTL).arg(k))));
          return Future.all(ttls);
        })
        .onComplete(tc.succeeding(all -> tc.verify(() -> {
          for (int i = 0; i < sessionKeys.size(); i++) {
            long pttl = all.<Response>resultAt(i).toLong();
            // expires (60 s away) plus one to two minutes of grace
            assertTrue(pttl > 60_000 + 60_000 && pttl <= 60_000 + 120_000, sessionKeys.get(i) + " has PTTL " + pttl);
          }
          tc.completeNow();
        })));
  }

  @Test
  void storedValues_areTheExactJsonTextGiven(VertxTestContext tc) {
    String base = prefix + "{" + tenant + ":" + id + "}";
    populate()
        .compose(v -> send(Request.cmd(Command.HGET).arg(base + ":keys:pre-key").arg("1")))
        .compose(value -> {
          tc.verify(() -> assertEquals("{\"type\":\"Buffer\",\"data\":\"AAEC/w3+/Q==\"}", value.toString()));
          return send(Request.cmd(Command.LRANGE).arg(base + ":msgs").arg(0).arg(-1));
        })
        .onComplete(tc.succeeding(msgs -> tc.verify(() -> {
          assertEquals("{\"seq\":1,\"id\":\"m1\",\"role\":\"user\",\"content\":\"hi\"}", msgs.get(0).toString());
          tc.completeNow();
        })));
  }

  @Test
  void batchesAndQueriesOfThousandsOfKeys_crossLuasUnpackLimit_inOneAtomicStep(VertxTestContext tc) {
    Map<String, String> values = new java.util.LinkedHashMap<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 2500; i++) {
      values.put("k" + i, "{\"n\":" + i + "}");
      ids.add("k" + i);
    }
    ids.add("missing");
    Map<String, String> deletes = new java.util.HashMap<>();
    for (int i = 0; i < 1200; i++) {
      deletes.put("k" + i, null);
    }
    store.put(new PutSession(tenant, id, "{}", null, null, null, StoreRequests.ANY_VERSION))
        .compose(r -> store.writeKeys(new WriteKeys(tenant, id, Map.of("pre-key", values), StoreRequests.ANY_VERSION)))
        .compose(w -> store.queryKeys(new StoreRequests.QueryKeys(tenant, id, "pre-key", ids)))
        .compose(found -> {
          tc.verify(() -> {
            assertEquals(2500, found.values().size());
            assertEquals("{\"n\":2499}", found.values().get("k2499"));
          });
          return store.writeKeys(new WriteKeys(tenant, id, Map.of("pre-key", deletes), StoreRequests.ANY_VERSION));
        })
        .compose(w -> store.status(new SessionRef(tenant, id)))
        .onComplete(tc.succeeding(status -> tc.verify(() -> {
          assertEquals(Map.of("pre-key", 1300L), status.keyCounts());
          assertEquals(3, status.version());
          tc.completeNow();
        })));
  }

  /** A session with a 60 s TTL, creds, keys of two types and a message. */
  private Future<Void> populate() {
    return store.put(new PutSession(tenant, id, "{\"b\":1,\"a\":2}", "{\"me\":{\"id\":\"x\"}}", null, 60L,
            StoreRequests.ANY_VERSION))
        .compose(r -> store.writeKeys(new WriteKeys(tenant, id, Map.of(
            "pre-key", Map.of("1", "{\"type\":\"Buffer\",\"data\":\"AAEC/w3+/Q==\"}"),
            "session", Map.of("abc.0", "{}")), StoreRequests.ANY_VERSION)))
        .compose(w -> store.appendMessages(new AppendMessages(tenant, id,
            List.of("{\"id\":\"m1\",\"role\":\"user\",\"content\":\"hi\"}"), StoreRequests.ANY_VERSION)))
        // SET drops a key's TTL: the creds written after creation must get it back
        .compose(a -> store.putCreds(new StoreRequests.PutCreds(tenant, id, "{\"me\":{\"id\":\"y\"}}",
            StoreRequests.ANY_VERSION)))
        .compose(a -> store.get(new SessionRef(tenant, id)))
        .mapEmpty();
  }

  private Future<Response> send(Request request) {
    return redis.send(request);
  }
}
