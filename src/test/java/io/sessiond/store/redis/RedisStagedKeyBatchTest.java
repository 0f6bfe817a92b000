package io.sessiond.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests;
import io.sessiond.store.StoreRequests.PutSession;
import io.sessiond.store.StoreRequests.QueryKeys;
import io.sessiond.store.StoreRequests.WriteKeys;
import io.sessiond.store.StoreSettings;
import io.sessiond.tenant.TenantLimits;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Large key batches on Redis: written by plain commands in one MULTI ... EXEC (RedisSessionStore
 * writeKeysStaged), so no script gets their values as arguments, and still all or nothing.
 */
@ExtendWith(VertxExtension.class)
class RedisStagedKeyBatchTest {
  /** The largest batch the API accepts: MAX_KEYS_PER_BATCH keys. */
  private static final int LARGEST = 10_000;
  private static final long LIMIT = 5_000_000;

  private final String tenant = "acme-" + UUID.randomUUID().toString().substring(0, 8);
  private final String limited = "small-" + UUID.randomUUID().toString().substring(0, 8);
  private final String id = "4915123456789@s.whatsapp.net";
  private final String prefix = TestRedis.uniquePrefix();
  private TestRedis.Server server;
  private SessionStore store;
  private Redis redis;

  @BeforeEach
  void open(Vertx vertx, VertxTestContext tc) {
    // A server of its own (Redis 7: EXEC's commands are logged one by one): the test reads its SLOWLOG,
    // which other tests' commands would fill.
    server = TestRedis.systemServer();
    StoreSettings settings = new StoreSettings(3600, 10,
        t -> t.equals(limited) ? new TenantLimits(0, LIMIT, 0) : TenantLimits.UNLIMITED);
    store = new RedisSessionStore(vertx, settings, TestRedis.config(server.url(), prefix, Map.of()), true);
    redis = Redis.createClient(vertx, server.url());
    store.open().onComplete(tc.succeedingThenComplete());
  }

  @AfterEach
  void close(VertxTestContext tc) {
    store.close().eventually(() -> redis.close()).onComplete(ar -> {
      server.stop();
      tc.completeNow();
    });
  }

  @Test
  void theLargestBatch_reachesNoScriptAsArguments(VertxTestContext tc) {
    Map<String, String> values = values(LARGEST, "v");
    create(tenant)
        .compose(v -> send(Request.cmd(Command.CONFIG).arg("SET").arg("slowlog-log-slower-than").arg(0)))
        .compose(v -> send(Request.cmd(Command.SLOWLOG).arg("RESET")))
        .compose(v -> store.writeKeys(new WriteKeys(tenant, id, Map.of("pre-key", values), StoreRequests.ANY_VERSION)))
        .compose(w -> send(Request.cmd(Command.SLOWLOG).arg("GET").arg(-1)))
        .compose(log -> {
          tc.verify(() -> {
            int scripts = 0;
            for (Response entry : log) {
              Response args = entry.get(3);
              String command = args.get(0).toString().toUpperCase();
              if (command.startsWith("EVAL") || command.equals("FCALL")) {
                scripts++;
                // SLOWLOG keeps 32 arguments, the last one telling how many more there were.
                assertTrue(args.size() < 32, command + " of " + args.size() + "+ arguments: " + args.get(args.size() - 1));
              }
            }
            assertTrue(scripts >= 2, "the batch ran its two scripts");
          });
          return store.queryKeys(new QueryKeys(tenant, id, "pre-key", List.of("k0", "k5000", "k9999")));
        })
        .onComplete(tc.succeeding(found -> tc.verify(() -> {
          assertEquals(Map.of("k0", "\"v0\"", "k5000", "\"v5000\"", "k9999", "\"v9999\""), found.values());
          tc.completeNow();
        })));
  }

  @Test
  void aConcurrentReader_seesAllOfALargeBatchOrNone(VertxTestContext tc) {
    int n = 4000;
    List<String> sample = List.of("k0", "k1999", "k3999");
    AtomicInteger reads = new AtomicInteger();
    create(tenant)
        .compose(v -> store.writeKeys(new WriteKeys(tenant, id, Map.of("pre-key", values(n, "old")), StoreRequests.ANY_VERSION)))
        .compose(w -> {
          Promise<Void> written = Promise.promise();
          store.writeKeys(new WriteKeys(tenant, id, Map.of("pre-key", values(n, "new")), StoreRequests.ANY_VERSION))
              .onComplete(ar -> written.handle(ar.mapEmpty()));
          return readUntil(written.future(), sample, reads);
        })
        .compose(v -> store.queryKeys(new QueryKeys(tenant, id, "pre-key", sample)))
        .onComplete(tc.succeeding(found -> tc.verify(() -> {
          assertEquals(Map.of("k0", "\"new0\"", "k1999", "\"new1999\"", "k3999", "\"new3999\""), found.values());
          assertTrue(reads.get() > 0);
          tc.completeNow();
        })));
  }

  /** Reads the sample until {@code done}; every read finds all of it old or all of it new. */
  private Future<Void> readUntil(Future<Void> done, List<String> sample, AtomicInteger reads) {
    return store.queryKeys(new QueryKeys(tenant, id, "pre-key", sample)).compose(found -> {
      reads.incrementAndGet();
      long fresh = found.values().values().stream().filter(v -> v.startsWith("\"new")).count();
      if (fresh != 0 && fresh != sample.size()) {
        return Future.failedFuture(new AssertionError("a reader saw part of a batch: " + found.values()));
      }
      return done.isComplete() ? done : readUntil(done, sample, reads);
    });
  }

  @Test
  void aRefusedLargeBatch_changesNothing_andLeavesNoStagingKey(VertxTestContext tc) {
    Map<String, String> before = values(2000, "old");
    Map<String, Map<String, String>> batch = new LinkedHashMap<>();
    batch.put("pre-key", values(3000, "new"));
    Map<String, String> deletes = new LinkedHashMap<>();
    deletes.put("k1", null);
    batch.put("session", deletes);
    // 3,000 values of ~2 KB: 6 MB, over the tenant's 5 MB.
    Map<String, String> huge = new LinkedHashMap<>();
    String pad = "x".repeat(2_000);
    for (int i = 0; i < 3000; i++) {
      huge.put("k" + i, "\"" + pad + i + "\"");
    }
    create(limited)
        .compose(v -> store.writeKeys(new WriteKeys(limited, id, Map.of("pre-key", before, "session", values(2, "s")),
            StoreRequests.ANY_VERSION)))
        .compose(w -> store.writeKeys(new WriteKeys(limited, id, batch, w.version() + 5))
            .transform(ar -> {
              tc.verify(() -> assertEquals(StoreFailure.VERSION_MISMATCH,
                  assertInstanceOf(StoreException.class, ar.cause()).failure()));
              return store.writeKeys(new WriteKeys(limited, id, Map.of("pre-key", huge), StoreRequests.ANY_VERSION));
            })
            .transform(ar -> {
              tc.verify(() -> assertEquals(StoreFailure.TOO_LARGE,
                  assertInstanceOf(StoreException.class, ar.cause()).failure()));
              return store.get(new StoreRequests.SessionRef(limited, id))
                  .map(s -> {
                    tc.verify(() -> assertEquals(w.version(), s.version()));
                    return s;
                  });
            }))
        .compose(s -> store.queryKeys(new QueryKeys(limited, id, "pre-key", List.of("k0", "k1999", "k2999"))))
        .compose(found -> {
          tc.verify(() -> assertEquals(Map.of("k0", "\"old0\"", "k1999", "\"old1999\""), found.values()));
          return store.queryKeys(new QueryKeys(limited, id, "session", List.of("k1")));
        })
        .compose(found -> {
          tc.verify(() -> assertEquals(Map.of("k1", "\"s1\""), found.values()));
          return send(Request.cmd(Command.KEYS).arg(prefix + "*:stage:*"));
        })
        .onComplete(tc.succeeding(staged -> tc.verify(() -> {
          assertEquals(0, staged.size(), "staging keys left: " + staged);
          tc.completeNow();
        })));
  }

  @Test
  void aLargeBatch_countsItsBytes_recordsEveryKeyForSync_andKeepsTheSessionsExpiry(VertxTestContext tc) {
    String base = prefix + "{" + limited + ":" + id + "}";
    Map<String, Map<String, String>> batch = new LinkedHashMap<>();
    batch.put("pre-key", values(1500, "é"));
    Map<String, String> deletes = new LinkedHashMap<>();
    deletes.put("k0", null);
    deletes.put("k1", null);
    deletes.put("gone", null);
    batch.put("session", deletes);
    create(limited)
        .compose(v -> store.writeKeys(new WriteKeys(limited, id, Map.of("session", values(3, "s")), StoreRequests.ANY_VERSION)))
        .compose(w -> store.writeKeys(new WriteKeys(limited, id, batch, w.version())))
        .compose(w -> send(Request.cmd(Command.XREVRANGE).arg(prefix + "sync").arg("+").arg("-").arg("COUNT").arg(1)))
        .compose(entries -> {
          Response fields = entries.get(0).get(1);
          Map<String, String> entry = new LinkedHashMap<>();
          for (int i = 0; i < fields.size(); i += 2) {
            entry.put(fields.get(i).toString(), fields.get(i + 1).toString());
          }
          tc.verify(() -> {
            assertEquals("k", entry.get("p"));
            JsonArray named = new JsonArray(entry.get("k"));
            assertEquals(2 * 1503, named.size());
            assertEquals(List.of("pre-key", "k0"), named.getList().subList(0, 2));
            assertEquals(List.of("session", "k0", "session", "k1", "session", "gone"),
                named.getList().subList(2 * 1500, 2 * 1503));
          });
          return Future.all(send(Request.cmd(Command.HMGET).arg(base + ":meta").arg("bytes").arg("kbytes")),
              send(Request.cmd(Command.PTTL).arg(base + ":keys:pre-key")),
              send(Request.cmd(Command.SMEMBERS).arg(base + ":types")));
        })
        .onComplete(tc.succeeding(all -> tc.verify(() -> {
          long keyBytes = 0;
          for (Map.Entry<String, String> e : batch.get("pre-key").entrySet()) {
            keyBytes += e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                + e.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
          }
          keyBytes += "k2".length() + "\"s2\"".length();
          Response meta = all.resultAt(0);
          assertEquals(keyBytes, meta.get(1).toLong());
          long pttl = all.<Response>resultAt(1).toLong();
          // the session's expiry (an hour) plus one to two minutes of grace, not the staging hash's
          assertTrue(pttl > 3_600_000 && pttl <= 3_600_000 + 120_000, "PTTL " + pttl);
          List<String> types = new ArrayList<>();
          all.<Response>resultAt(2).forEach(t -> types.add(t.toString()));
          assertEquals(List.of("pre-key", "session"), types.stream().sorted().toList());
          assertFalse(meta.get(0).toLong() < keyBytes);
          tc.completeNow();
        })));
  }

  private Future<Void> create(String tenant) {
    return store.put(new PutSession(tenant, id, "{}", null, null, null, StoreRequests.ANY_VERSION)).mapEmpty();
  }

  private static Map<String, String> values(int n, String prefix) {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      values.put("k" + i, "\"" + prefix + i + "\"");
    }
    return values;
  }

  private Future<Response> send(Request request) {
    return redis.send(request);
  }
}
