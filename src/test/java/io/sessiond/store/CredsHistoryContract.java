package io.sessiond.store;

import static io.sessiond.store.SessionStoreContract.checking;
import static io.sessiond.store.SessionStoreContract.failsWith;
import static io.sessiond.store.StoreRequests.ANY_VERSION;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sessiond.session.CredsVersion;
import io.sessiond.session.SessionExport;
import io.sessiond.store.StoreRequests.CredsHistory;
import io.sessiond.store.StoreRequests.ImportSession;
import io.sessiond.store.StoreRequests.PutCreds;
import io.sessiond.store.StoreRequests.PutSession;
import io.sessiond.store.StoreRequests.RollbackCreds;
import io.sessiond.store.StoreRequests.SessionRef;
import io.sessiond.store.StoreRequests.Written;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Creds history, written once and run against every backend: the last CREDS_HISTORY creds documents
 * kept newest first, a rollback restoring one byte for byte, history counting towards the byte limit,
 * carried by export and import, and off at 0.
 */
@ExtendWith(VertxExtension.class)
public abstract class CredsHistoryContract {
  /** Creds as a client may send them: members out of order, a Buffer, a number with a trailing zero. */
  static String creds(int n) {
    return "{\"z\":" + n + ",\"noiseKey\":" + SessionStoreContract.BUFFER_JSON + ",\"a\":1.50,\"me\":{\"id\":\"" + n
        + "@s.whatsapp.net\"}}";
  }

  protected Vertx vertx;
  protected SessionStore store;
  protected String tenant;
  protected String id;
  private Context context;

  /** A new, not yet opened store for {@code settings}; called on the test's Vert.x context. */
  protected abstract SessionStore newStore(Vertx vertx, StoreSettings settings);

  @BeforeEach
  void openStore(Vertx vertx, VertxTestContext tc) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.tenant = "t-" + SessionStoreContract.random();
    this.id = "s-" + SessionStoreContract.random();
    context.runOnContext(v -> {
      store = newStore(vertx, SessionStoreContract.settings());
      store.open().onComplete(tc.succeedingThenComplete());
    });
  }

  @AfterEach
  void closeStore(VertxTestContext tc) {
    context.runOnContext(v -> store.close().onComplete(tc.succeedingThenComplete()));
  }

  @Test
  void everyCredsWrite_isKept_newestFirst_onlyTheLastFive(VertxTestContext tc) {
    run(tc, () -> store.put(new PutSession(tenant, id, "{}", creds(1), null, null, ANY_VERSION))
        .compose(r -> writeCreds(2, 7))
        .compose(v -> store.put(new PutSession(tenant, id, "{\"d\":1}", null, null, null, ANY_VERSION)))
        .compose(v -> store.credsHistory(ref()))
        .compose(checking(h -> {
          assertEquals(8, h.version(), "create, six creds writes, one put without creds");
          assertEquals(List.of(7L, 6L, 5L, 4L, 3L), h.history().stream().map(CredsVersion::version).toList());
          assertEquals(creds(7), h.history().get(0).credsJson());
          assertEquals(creds(3), h.history().get(4).credsJson());
        })));
  }

  @Test
  void rollback_restoresTheKeptCredsByteForByte_asANewWrite(VertxTestContext tc) {
    run(tc, () -> store.put(new PutSession(tenant, id, "{}", creds(1), null, null, ANY_VERSION))
        .compose(r -> writeCreds(2, 4))
        .compose(v -> store.rollbackCreds(new RollbackCreds(tenant, id, 2, ANY_VERSION, StoreRequests.NO_FENCE)))
        .compose(checking(w -> assertEquals(5, w.version())))
        .compose(w -> store.get(ref()))
        .compose(checking(s -> assertEquals(creds(2), s.credsJson())))
        .compose(s -> store.credsHistory(ref()))
        .compose(checking(h -> {
          assertEquals(List.of(5L, 4L, 3L, 2L, 1L), h.history().stream().map(CredsVersion::version).toList());
          assertEquals(creds(2), h.history().get(0).credsJson());
        }))
        .compose(h -> failsWith(StoreFailure.NOT_FOUND,
            store.rollbackCreds(new RollbackCreds(tenant, id, 99, ANY_VERSION, StoreRequests.NO_FENCE))))
        .compose(v -> failsWith(StoreFailure.VERSION_MISMATCH,
            store.rollbackCreds(new RollbackCreds(tenant, id, 1, 4, StoreRequests.NO_FENCE))))
        .compose(v -> failsWith(StoreFailure.FENCED,
            store.rollbackCreds(new RollbackCreds(tenant, id, 1, ANY_VERSION, System.currentTimeMillis()))))
        .compose(v -> store.get(ref()))
        .compose(checking(s -> assertEquals(5, s.version(), "refused rollbacks changed nothing"))));
  }

  @Test
  void clearingCreds_keepsNoVersion_andTheHistoryStays(VertxTestContext tc) {
    run(tc, () -> store.put(new PutSession(tenant, id, "{}", creds(1), null, null, ANY_VERSION))
        .compose(r -> store.putCreds(new PutCreds(tenant, id, "null", ANY_VERSION)))
        .compose(w -> store.credsHistory(ref()))
        .compose(checking(h -> assertEquals(List.of(1L), h.history().stream().map(CredsVersion::version).toList())))
        .compose(h -> store.rollbackCreds(new RollbackCreds(tenant, id, 1, ANY_VERSION, StoreRequests.NO_FENCE)))
        .compose(w -> store.get(ref()))
        .compose(checking(s -> assertEquals(creds(1), s.credsJson()))));
  }

  @Test
  void historyCounts_towardsTheByteLimit(VertxTestContext tc) {
    // 1024 bytes for small- tenants: creds of ~300 bytes fit alone, but not with three kept versions.
    tenant = SessionStoreContract.SMALL_TENANT_PREFIX + SessionStoreContract.random();
    String big = "{\"pad\":\"" + "x".repeat(290) + "\"}";
    String big2 = "{\"pad\":\"" + "y".repeat(290) + "\"}";
    run(tc, () -> store.put(new PutSession(tenant, id, "{}", big, null, null, ANY_VERSION))
        .compose(r -> store.putCreds(new PutCreds(tenant, id, big2, ANY_VERSION)))
        .compose(w -> failsWith(StoreFailure.TOO_LARGE, store.putCreds(new PutCreds(tenant, id, big, ANY_VERSION))))
        .compose(v -> store.get(ref()))
        .compose(checking(s -> assertEquals(big2, s.credsJson()))));
  }

  @Test
  void exportAndImport_carryTheHistory(VertxTestContext tc) {
    String copy = id + "-copy";
    run(tc, () -> store.put(new PutSession(tenant, id, "{}", creds(1), null, null, ANY_VERSION))
        .compose(r -> writeCreds(2, 3))
        .compose(v -> store.export(ref()))
        .compose(e -> {
          SessionExport renamed = new SessionExport(new io.sessiond.session.Session(copy, e.session().state(),
              e.session().dataJson(), e.session().credsJson(), e.session().version(), e.session().createdAt(),
              e.session().updatedAt(), e.session().lastActivityAt(), e.session().ttlSeconds(), e.session().expiresAt()),
              e.keys(), e.messages(), e.credsHistory());
          return store.importSession(new ImportSession(tenant, renamed, ANY_VERSION)).map(e.credsHistory());
        })
        .compose(exported -> store.credsHistory(new SessionRef(tenant, copy)).compose(checking(h -> {
          assertEquals(3, exported.size());
          assertEquals(exported, h.history());
        }))));
  }

  @Test
  void zeroKept_meansNoHistory(VertxTestContext tc) {
    run(tc, () -> store.close().compose(v -> {
      StoreSettings s = SessionStoreContract.settings();
      store = newStore(vertx, new StoreSettings(s.defaultTtlSeconds(), s.maxMessages(), s.limits(), 0));
      return store.open();
    }).compose(v -> store.put(new PutSession(tenant, id, "{}", creds(1), null, null, ANY_VERSION)))
        .compose(r -> writeCreds(2, 3))
        .compose(v -> store.credsHistory(ref()))
        .compose(checking(h -> assertEquals(List.of(), h.history())))
        .compose(h -> failsWith(StoreFailure.NOT_FOUND,
            store.rollbackCreds(new RollbackCreds(tenant, id, 1, ANY_VERSION, StoreRequests.NO_FENCE)))));
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private Future<Written> writeCreds(int from, int to) {
    Future<Written> chain = Future.succeededFuture();
    for (int n = from; n <= to; n++) {
      int v = n;
      chain = chain.compose(w -> store.putCreds(new PutCreds(tenant, id, creds(v), ANY_VERSION)));
    }
    return chain;
  }

  private SessionRef ref() {
    return new SessionRef(tenant, id);
  }

  private void run(VertxTestContext tc, Supplier<Future<?>> body) {
    context.runOnContext(v -> {
      Future<?> outcome;
      try {
        outcome = body.get();
      } catch (Throwable t) {
        outcome = Future.failedFuture(t);
      }
      outcome.onComplete(tc.succeedingThenComplete());
    });
  }
}
