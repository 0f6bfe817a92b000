package io.sessiond.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.SessionState;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests;
import io.sessiond.store.StoreRequests.ImportSession;
import io.sessiond.store.StoreRequests.PutSession;
import io.sessiond.store.StoreRequests.RestoreImports;
import io.sessiond.store.StoreRequests.RestoreOutcomes;
import io.sessiond.store.StoreRequests.SessionRef;
import io.sessiond.store.StoreSettings;
import io.sessiond.tenant.TenantLimits;
import io.sessiond.testing.Resp;
import io.sessiond.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A restore on one Redis writes the sessions Redis holds nothing of straight into place, in one MULTI ...
 * EXEC under a WATCH of their keys, on a connection of its own: such a session is what a restore of it
 * alone by import.lua would leave (byte counts too), and a session written between the check and the
 * commit is never overwritten (Redis refuses the EXEC and the group goes the staged way). Sessions
 * restore_staged.lua must judge (held by Redis, with a TTL) go that way in the same request.
 */
class DirectRestoreTest {
  private static final StoreSettings SETTINGS = new StoreSettings(3600, 10, t -> TenantLimits.UNLIMITED, 3);
  private static TestRedis.Server redis;
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    redis = TestRedis.systemServer();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close();
    redis.stop();
  }

  @Test
  void sessionsRedisLacksAreWrittenDirectly_asARestoreAloneWouldLeaveThem() throws Exception {
    String prefix = TestRedis.uniquePrefix();
    RedisSessionStore store = new RedisSessionStore(vertx, SETTINGS, TestRedis.config(redis.url(), prefix, Map.of()), true);
    await(store.open());
    try {
      String tenant = "t" + UUID.randomUUID().toString().substring(0, 8);
      await(store.put(new PutSession(tenant, "held", "{\"mine\":1}", null, null, 0L, StoreRequests.ANY_VERSION)));
      String changes = Resp.text(redis.port(), "XLEN", prefix + "sync").trim();
      List<ImportSession> imports = new ArrayList<>();
      for (int i = 0; i < 70; i++) {
        imports.add(ImportSession.restore(tenant, session("s" + i, 1_000 + i, 3, 0), 3));
      }
      imports.add(ImportSession.restore(tenant, session("held", 1_000, 3, 0), 3));
      imports.add(ImportSession.restore(tenant, session("ttl", 1_000, 3, 600), 3));
      RestoreOutcomes done = await(store.restoreAll(new RestoreImports(imports)));

      assertEquals(70, store.restoredDirectly.get(), "the 70 sessions Redis lacked went the direct way");
      for (int i = 0; i < 70; i++) {
        Session s = done.outcomes().get(i).session();
        assertEquals(3, s.version());
        assertEquals(1_000 + i, s.createdAt());
        assertEquals(0, s.expiresAt());
      }
      assertEquals(StoreFailure.VERSION_MISMATCH, done.outcomes().get(70).failure(), "Redis's own session is newer");
      assertEquals("{\"mine\":1}", await(store.get(new SessionRef(tenant, "held"))).dataJson());
      assertEquals(3, done.outcomes().get(71).session().version(), "a session with a TTL goes the staged way");
      assertEquals(true, done.outcomes().get(71).session().expiresAt() > System.currentTimeMillis());

      SessionExport expected = session("s7", 1_007, 3, 0);
      SessionExport restored = await(store.export(new SessionRef(tenant, "s7")));
      assertEquals(expected.session().dataJson(), restored.session().dataJson());
      assertEquals(expected.session().credsJson(), restored.session().credsJson());
      assertEquals(expected.keys(), restored.keys());
      assertEquals(expected.messages().subList(2, 12), restored.messages(), "the last 10, the store's window");
      assertEquals(expected.credsHistory(), restored.credsHistory());
      assertEquals(SessionState.CONNECTED, restored.session().state());
      assertEquals(3, restored.session().version());
      assertEquals(List.of("s7"), ids(store, tenant, "s7"));
      // The same session restored alone by import.lua: the same meta, byte counts included.
      await(store.importSession(ImportSession.restore(tenant, session("alone", 1_007, 3, 0), 3)));
      assertEquals(meta(prefix, tenant, "alone"), meta(prefix, tenant, "s7"));
      assertEquals("1", Resp.text(redis.port(), "SISMEMBER", prefix + "tenants", tenant).trim());
      assertEquals(changes, Resp.text(redis.port(), "XLEN", prefix + "sync").trim(), "a restore records nothing for sync");
    } finally {
      await(store.close());
    }
  }

  @Test
  void keysAndMessagesFramedByPostgres_areWrittenByteForByte_asTheDecodedOnesAre() throws Exception {
    String prefix = TestRedis.uniquePrefix();
    RedisSessionStore store = new RedisSessionStore(vertx, SETTINGS, TestRedis.config(redis.url(), prefix, Map.of()), true);
    await(store.open());
    try {
      String plainTenant = "t" + UUID.randomUUID().toString().substring(0, 8);
      String framedTenant = "t" + UUID.randomUUID().toString().substring(0, 8);
      List<SessionExport> all = List.of(session("multi", 1_000, 3, 0), RestoreExports.awkward("awkward", 1_000, 4, 0, 2_500, 25),
          RestoreExports.multiByte("bare", 1_000, 2, 0, 0, 0, false), session("ttl", 1_000, 3, 600));
      List<ImportSession> plain = new ArrayList<>();
      List<ImportSession> framed = new ArrayList<>();
      for (SessionExport e : all) {
        plain.add(ImportSession.restore(plainTenant, e, e.session().version()));
        framed.add(ImportSession.restore(framedTenant, RestoreExports.framed(e), e.session().version()));
      }
      await(store.restoreAll(new RestoreImports(plain)));
      RestoreOutcomes done = await(store.restoreAll(new RestoreImports(framed)));

      assertEquals(6, store.restoredDirectly.get(), "three sessions of each tenant direct, the one with a TTL staged");
      for (int i = 0; i < all.size(); i++) {
        SessionExport in = all.get(i);
        String id = in.session().id();
        assertEquals(in.session().version(), done.outcomes().get(i).session().version(), id);
        SessionExport restored = await(store.export(new SessionRef(framedTenant, id)));
        SessionExport expected = await(store.export(new SessionRef(plainTenant, id)));
        assertEquals(in.keys().entrySet().stream().filter(t -> !t.getValue().isEmpty()).collect(
            java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), restored.keys(), id);
        assertEquals(expected.keys(), restored.keys(), id);
        assertEquals(in.messages().subList(Math.max(0, in.messages().size() - 10), in.messages().size()),
            restored.messages(), id + ": the newest 10, the store's window");
        assertEquals(expected.messages(), restored.messages(), id);
        assertEquals(in.session().dataJson(), restored.session().dataJson(), id);
        assertEquals(in.credsHistory(), restored.credsHistory(), id);
        // The expiry of the one with a TTL is counted from when each was restored.
        assertEquals(meta(prefix, plainTenant, id).subList(0, 4), meta(prefix, framedTenant, id).subList(0, 4), id);
        assertEquals(meta(prefix, plainTenant, id).subList(5, 7), meta(prefix, framedTenant, id).subList(5, 7),
            id + ": the same byte counts");
      }
      assertEquals("line\r\nbreak $3\r\nabc\r\n", Resp.text(redis.port(), "HGET",
          prefix + "{" + framedTenant + ":awkward}:keys:pre-key", "2001"));
      assertEquals("", Resp.text(redis.port(), "HGET", prefix + "{" + framedTenant + ":awkward}:keys:pre-key", "2000"));
      assertEquals("2500", Resp.text(redis.port(), "HLEN", prefix + "{" + framedTenant + ":awkward}:keys:pre-key").trim());
    } finally {
      await(store.close());
    }
  }

  @Test
  void aSessionWrittenBetweenTheCheckAndTheCommitIsNotOverwritten() throws Exception {
    String prefix = TestRedis.uniquePrefix();
    RedisSessionStore store = new RedisSessionStore(vertx, SETTINGS, TestRedis.config(redis.url(), prefix, Map.of()), true);
    await(store.open());
    try {
      String tenant = "t" + UUID.randomUUID().toString().substring(0, 8);
      AtomicInteger raced = new AtomicInteger();
      store.betweenCheckAndCommit = () -> raced.getAndIncrement() > 0 ? Future.succeededFuture()
          : store.put(new PutSession(tenant, "raced", "{\"client\":1}", null, null, 0L, StoreRequests.ANY_VERSION)).mapEmpty();
      RestoreOutcomes done = await(store.restoreAll(new RestoreImports(List.of(
          ImportSession.restore(tenant, session("fresh", 1_000, 4, 0), 4),
          ImportSession.restore(tenant, session("raced", 1_000, 4, 0), 4)))));

      assertEquals(1, raced.get());
      assertEquals(0, store.restoredDirectly.get(), "Redis refused the EXEC: nothing was written directly");
      assertEquals(4, done.outcomes().get(0).session().version(), "restored the staged way instead");
      assertEquals(StoreFailure.VERSION_MISMATCH, done.outcomes().get(1).failure());
      Session client = await(store.get(new SessionRef(tenant, "raced")));
      assertEquals("{\"client\":1}", client.dataJson());
      assertEquals(1, client.version());
      assertNull(Resp.call(redis.port(), "HGET", prefix + "{" + tenant + ":raced}:keys:pre-key", "1"),
          "none of the restore's keys landed on the client's session");
      assertEquals(session("fresh", 1_000, 4, 0).keys(), await(store.export(new SessionRef(tenant, "fresh"))).keys());
    } finally {
      await(store.close());
    }
  }

  @Test
  void aTenantWithASessionLimitRestoresDirectlyWhileThereIsRoom() throws Exception {
    String prefix = TestRedis.uniquePrefix();
    StoreSettings limited = new StoreSettings(3600, 10, t -> new TenantLimits(5, 0, 0), 3);
    RedisSessionStore store = new RedisSessionStore(vertx, limited, TestRedis.config(redis.url(), prefix, Map.of()), true);
    await(store.open());
    try {
      String tenant = "t" + UUID.randomUUID().toString().substring(0, 8);
      List<ImportSession> first = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        first.add(ImportSession.restore(tenant, session("a" + i, 1_000, 2, 0), 2));
      }
      await(store.restoreAll(new RestoreImports(first)));
      assertEquals(3, store.restoredDirectly.get());
      List<ImportSession> second = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        second.add(ImportSession.restore(tenant, session("b" + i, 1_000, 2, 0), 2));
      }
      RestoreOutcomes done = await(store.restoreAll(new RestoreImports(second)));
      assertEquals(3, store.restoredDirectly.get(), "no room for all three: the staged way, which restores two");
      int restored = 0;
      for (RestoreOutcomes.Outcome o : done.outcomes()) {
        if (o.session() != null) {
          restored++;
        } else {
          assertEquals(StoreFailure.LIMIT_REACHED, o.failure());
        }
      }
      assertEquals(2, restored);
      assertEquals("5", Resp.text(redis.port(), "ZCARD", prefix + "{" + tenant + "}:ids").trim());
    } finally {
      await(store.close());
    }
  }

  @Test
  void theRestoreConnectionsLogInWithTheStoresPassword() throws Exception {
    TestRedis.Server server = TestRedis.privateServer();
    try {
      server.command("CONFIG SET requirepass s3cret-pw");
      RedisSessionStore store = new RedisSessionStore(vertx, SETTINGS, TestRedis.config("redis://:s3cret-pw@127.0.0.1:"
          + server.port(), TestRedis.uniquePrefix(), Map.of()), true);
      await(store.open());
      try {
        RestoreOutcomes done = await(store.restoreAll(new RestoreImports(List.of(
            ImportSession.restore("t", session("a", 1_000, 2, 0), 2)))));
        assertEquals(2, done.outcomes().get(0).session().version());
        assertEquals(1, store.restoredDirectly.get());
      } finally {
        await(store.close());
      }
    } finally {
      server.stop();
    }
  }

  private static List<String> ids(RedisSessionStore store, String tenant, String id) {
    Object score = Resp.call(redis.port(), "ZSCORE", store.keysForTests().ids(tenant), id);
    return score == null ? List.of() : List.of(id);
  }

  /** A session as PostgreSQL would hold it, with multi-byte text in every part. */
  private static SessionExport session(String id, long createdAt, long version, long ttl) {
    return RestoreExports.multiByte(id, createdAt, version, ttl, 20, 12, false);
  }

  /** The meta fields a restore sets from the export and the byte counts (not the times it sets to now). */
  private static List<String> meta(String prefix, String tenant, String id) {
    Object reply = Resp.call(redis.port(), "HMGET", prefix + "{" + tenant + ":" + id + "}:meta", "state", "ttl", "seq",
        "ver", "expires", "bytes", "kbytes", "pexp");
    List<String> out = new ArrayList<>();
    for (Object o : (List<?>) reply) {
      out.add(String.valueOf(o));
    }
    return out;
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
