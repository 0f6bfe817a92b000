package io.sessiond.store;

import static io.sessiond.store.SessionStoreContract.checking;
import static io.sessiond.store.SessionStoreContract.failsWith;
import static io.sessiond.store.StoreRequests.ANY_VERSION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.session.Session;
import io.sessiond.session.SessionState;
import io.sessiond.store.LeaseRequests.AcquireLease;
import io.sessiond.store.LeaseRequests.LeaseGrant;
import io.sessiond.store.LeaseRequests.LeaseInfo;
import io.sessiond.store.LeaseRequests.ReleaseLease;
import io.sessiond.store.StoreRequests.AppendMessages;
import io.sessiond.store.StoreRequests.BlobChunk;
import io.sessiond.store.StoreRequests.BlobRef;
import io.sessiond.store.StoreRequests.CommitBlob;
import io.sessiond.store.StoreRequests.ImportSession;
import io.sessiond.store.StoreRequests.PatchSession;
import io.sessiond.store.StoreRequests.PutCreds;
import io.sessiond.store.StoreRequests.PutSession;
import io.sessiond.store.StoreRequests.SessionRef;
import io.sessiond.store.StoreRequests.Transition;
import io.sessiond.store.StoreRequests.WriteKeys;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Leases and fencing tokens, written once and run against every backend: grants, renewals, refusals,
 * release, expiry, tokens that only rise, and the fence checked by every kind of write, atomically
 * (a fenced write changes nothing).
 */
@ExtendWith(VertxExtension.class)
public abstract class LeaseContract {
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
  void grant_givesATokenNotBelowTheClock_andRenewalKeepsItWithALaterExpiry(VertxTestContext tc) {
    long before = System.currentTimeMillis();
    run(tc, () -> acquire("worker-a", 30).compose(checking(g -> {
      assertTrue(g.granted());
      assertEquals("worker-a", g.holder());
      assertTrue(g.token() >= before, "token " + g.token() + " below the clock " + before);
      assertTrue(g.expiresAt() >= before + 30_000);
      assertNull(g.lapsedHolder());
    })).compose(first -> acquire("worker-a", 60).compose(checking(renewed -> {
      assertFalse(renewed.granted());
      assertEquals(first.token(), renewed.token());
      assertTrue(renewed.expiresAt() > first.expiresAt());
    }))).compose(g -> store.lease(ref()).compose(checking(info -> {
      assertEquals("worker-a", info.holder());
      assertEquals(g.token(), info.token());
      assertEquals(g.expiresAt(), info.expiresAt());
    }))));
  }

  @Test
  void anotherHolder_isRefusedWhileTheLeaseIsLive(VertxTestContext tc) {
    run(tc, () -> acquire("worker-a", 30)
        .compose(g -> failsWith(StoreFailure.LEASE_HELD, acquire("worker-b", 30)))
        .compose(v -> store.lease(ref()))
        .compose(checking(info -> assertEquals("worker-a", info.holder()))));
  }

  @Test
  void release_freesTheLease_andTheNextGrantHasAHigherToken(VertxTestContext tc) {
    run(tc, () -> acquire("worker-a", 30).compose(a -> store.releaseLease(new ReleaseLease(tenant, id, a.token()))
        .compose(checking(r -> assertEquals("worker-a", r.holder())))
        .compose(r -> store.lease(ref()).compose(checking(info -> assertFalse(info.held()))))
        .compose(v -> failsWith(StoreFailure.FENCED, store.releaseLease(new ReleaseLease(tenant, id, a.token()))))
        .compose(v -> acquire("worker-b", 30))
        .compose(checking(b -> {
          assertTrue(b.granted());
          assertTrue(b.token() > a.token(), b.token() + " after " + a.token());
          assertNull(b.lapsedHolder(), "a released lease did not lapse");
        }))));
  }

  @Test
  void renewalNamingAStaleFence_isRefused(VertxTestContext tc) {
    run(tc, () -> acquire("worker-a", 30).compose(a -> failsWith(StoreFailure.FENCED,
            store.acquireLease(new AcquireLease(tenant, id, "worker-a", 30, a.token() + 1)))
        .compose(v -> store.acquireLease(new AcquireLease(tenant, id, "worker-a", 30, a.token())))
        .compose(checking(renewed -> assertEquals(a.token(), renewed.token())))));
  }

  @Test
  void leaseExpiresByItself_andTheNextHolderTakesOverWithAHigherToken(VertxTestContext tc) {
    run(tc, () -> acquire("worker-a", 1).compose(a -> eventually(5000, () -> store.lease(ref()).map(l -> !l.held()))
        .compose(v -> failsWith(StoreFailure.FENCED, store.touch(new SessionRef(tenant, id, ANY_VERSION, a.token()))))
        .compose(v -> acquire("worker-b", 30))
        .compose(checking(b -> {
          assertTrue(b.token() > a.token());
          assertEquals("worker-a", b.lapsedHolder());
          assertEquals(a.token(), b.lapsedToken());
        }))));
  }

  @Test
  void fence_withoutAnyLease_isRefused(VertxTestContext tc) {
    run(tc, () -> create().compose(s -> failsWith(StoreFailure.FENCED,
        store.putCreds(new PutCreds(tenant, id, "{\"a\":1}", ANY_VERSION, System.currentTimeMillis())))));
  }

  @Test
  void leaseOnAMissingSession_fencesTheWriteThatCreatesIt(VertxTestContext tc) {
    run(tc, () -> acquire("worker-a", 30).compose(a -> failsWith(StoreFailure.FENCED,
            store.put(new PutSession(tenant, id, "{}", null, null, null, ANY_VERSION, a.token() + 1)))
        .compose(v -> failsWith(StoreFailure.NOT_FOUND, store.get(ref())))
        .compose(v -> store.put(new PutSession(tenant, id, "{}", null, null, null, ANY_VERSION, a.token())))
        .compose(checking(r -> assertTrue(r.created())))));
  }

  /**
   * Worker A's lease is taken over by B; every kind of write with A's token is refused and changes
   * nothing; the same writes with B's token go through.
   */
  @Test
  void everyKindOfWrite_withAStaleToken_isRefusedAndChangesNothing_withTheLiveOne_applies(VertxTestContext tc) {
    run(tc, () -> create().compose(s -> writeKeys("k1", ANY_VERSION, StoreRequests.NO_FENCE).map(s))
        .compose(s -> acquire("worker-a", 30).compose(a -> store.releaseLease(new ReleaseLease(tenant, id, a.token()))
            .compose(r -> acquire("worker-b", 30))
            .compose(b -> store.get(ref())
                .compose(before -> allWrites(a.token(), w -> failsWith(StoreFailure.FENCED, w))
                    .compose(v -> store.get(ref()))
                    .compose(checking(after -> {
                      assertEquals(before.version(), after.version());
                      assertEquals(before.dataJson(), after.dataJson());
                      assertEquals(before.credsJson(), after.credsJson());
                    })))
                .compose(v -> allWrites(b.token(), w -> w.mapEmpty()))))));
  }

  /** Each kind of write once, in an order that works when they apply (the delete last). */
  private Future<Void> allWrites(long fence, Function<Future<?>, Future<Void>> each) {
    String upload = "up-" + SessionStoreContract.random();
    List<Supplier<Future<?>>> writes = new ArrayList<>();
    writes.add(() -> store.put(new PutSession(tenant, id, "{\"v\":1}", null, null, null, ANY_VERSION, fence)));
    writes.add(() -> store.patch(new PatchSession(tenant, id, "{\"p\":1}", ANY_VERSION, fence)));
    writes.add(() -> store.touch(new SessionRef(tenant, id, ANY_VERSION, fence)));
    writes.add(() -> store.transition(new Transition(tenant, id, SessionState.REGISTERING, ANY_VERSION, fence)));
    writes.add(() -> store.putCreds(new PutCreds(tenant, id, "{\"c\":" + fence + "}", ANY_VERSION, fence)));
    writes.add(() -> writeKeys("k2", ANY_VERSION, fence));
    writes.add(() -> store.clearKeys(new SessionRef(tenant, id, ANY_VERSION, fence)));
    writes.add(() -> store.appendMessages(new AppendMessages(tenant, id,
        List.of(SessionStoreContract.message("m" + fence)), ANY_VERSION, fence)));
    writes.add(() -> store.stageBlobChunk(new BlobChunk(tenant, id, upload, 0, Buffer.buffer("blob")))
        .compose(v -> store.commitBlob(new CommitBlob(tenant, id, "b", upload, 1, 4, ANY_VERSION, fence))));
    writes.add(() -> store.deleteBlob(new BlobRef(tenant, id, "b", ANY_VERSION, fence)));
    writes.add(() -> store.export(ref()).compose(e -> store.importSession(
        new ImportSession(tenant, e, ANY_VERSION, false, 0, fence))));
    writes.add(() -> store.delete(new SessionRef(tenant, id, ANY_VERSION, fence)));
    Future<Void> chain = Future.succeededFuture();
    for (Supplier<Future<?>> w : writes) {
      chain = chain.compose(v -> each.apply(w.get()));
    }
    return chain;
  }

  @Test
  void badHolderOrTtl_isInvalid(VertxTestContext tc) {
    run(tc, () -> failsWith(StoreFailure.INVALID, acquire("", 30))
        .compose(v -> failsWith(StoreFailure.INVALID, acquire("has space", 30)))
        .compose(v -> failsWith(StoreFailure.INVALID, acquire("x".repeat(129), 30)))
        .compose(v -> failsWith(StoreFailure.INVALID, acquire("worker-a", 0)))
        .compose(v -> failsWith(StoreFailure.INVALID, acquire("worker-a", LeaseRequests.MAX_TTL_SECONDS + 1)))
        .compose(v -> store.lease(ref()))
        .compose(checking(info -> assertEquals(LeaseInfo.FREE, info))));
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private Future<LeaseGrant> acquire(String holder, long ttlSeconds) {
    return store.acquireLease(new AcquireLease(tenant, id, holder, ttlSeconds, StoreRequests.NO_FENCE));
  }

  private Future<Session> create() {
    return store.put(new PutSession(tenant, id, "{}", null, null, null, ANY_VERSION)).map(r -> r.session());
  }

  private Future<?> writeKeys(String keyId, long ifMatch, long fence) {
    return store.writeKeys(new WriteKeys(tenant, id, Map.of("pre-key", Map.of(keyId, "\"v\"")), ifMatch, fence));
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

  private Future<Void> eventually(long timeoutMillis, Supplier<Future<Boolean>> condition) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    return condition.get().compose(holds -> {
      if (holds) {
        return Future.succeededFuture();
      }
      if (System.currentTimeMillis() > deadline) {
        return Future.failedFuture(new AssertionError("condition still false at the deadline"));
      }
      return vertx.timer(50).compose(t -> eventually(deadline - System.currentTimeMillis(), condition));
    });
  }
}
