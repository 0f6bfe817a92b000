package io.sessiond.sync;

import io.sessiond.session.SessionExport;
import io.sessiond.store.SessionStore;
import io.sessiond.store.OnceRequests.AppendOnce;
import io.sessiond.store.OnceRequests.Once;
import io.sessiond.store.OnceRequests.Outcome;
import io.sessiond.store.OnceRequests.ReleaseKey;
import io.sessiond.store.OnceRequests.TransitionOnce;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreInterceptor;
import io.sessiond.store.StoreOperation;
import io.sessiond.store.StoreRequests;
import io.sessiond.store.StoreRequests.ImportSession;
import io.sessiond.store.StoreRequests.SessionRef;
import io.sessiond.sync.SyncRequests.Persist;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code SYNC_MODE=write-through}: a write is answered only once the session's new state is
 * committed in PostgreSQL. It runs in the store, around each write: it exports the session before and
 * after (on the store's own connection), and hands the after-image to the sync verticle as one
 * complete change record ({@link Persist}), waiting for the commit; sync writes it without calling the
 * store back. When PostgreSQL refuses, it puts the before-image back in Redis
 * (If-Match on the version it wrote, so a later write by someone else is never undone) and the
 * request fails with UNAVAILABLE (503): no half-applied state stays. The compensation is itself a
 * write, so the session's version moves on by one. A deletion is the exception: its outcome is known
 * in advance, so PostgreSQL deletes first and Redis after (see {@link #delete}). Blob commits and
 * deletes pass straight through: they reach PostgreSQL write-behind, through the change stream, which
 * also carries every other write's change (so blob rows are left to it: an after-image names no blob
 * data). Restore imports pass straight through too: they bring back what PostgreSQL holds. Each
 * commit holds PostgreSQL's epoch row as write-behind's transactions do ({@link DurableEpoch}), under
 * Redis's epoch as this daemon knew it before the write: a write read from a Redis that then lost its
 * data either commits before a restore reads PostgreSQL (the restore waits for it) or is refused (503,
 * undone where Redis still holds it).
 */
public final class WriteThrough implements StoreInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(WriteThrough.class);
  private static final Set<StoreOperation<?, ?>> WRITES = Set.of(StoreAddresses.PUT, StoreAddresses.PATCH,
      StoreAddresses.DELETE, StoreAddresses.TOUCH, StoreAddresses.TRANSITION, StoreAddresses.PUT_CREDS,
      StoreAddresses.WRITE_KEYS, StoreAddresses.CLEAR_KEYS, StoreAddresses.APPEND_MESSAGES, StoreAddresses.IMPORT,
      StoreAddresses.APPEND_ONCE, StoreAddresses.TRANSITION_ONCE, StoreAddresses.ROLLBACK_CREDS);

  /** Tries of a deletion without If-Match that keeps losing the race against other writes. */
  private static final int DELETE_ATTEMPTS = 3;

  private final Vertx vertx;
  private final DeliveryOptions options;
  private final Refill refill;

  /**
   * @param refill this daemon's view of Redis's epoch: each write's commit is fenced by the epoch known
   *               before the write ({@link DurableEpoch})
   */
  public WriteThrough(Vertx vertx, long timeoutMs, Refill refill) {
    this.vertx = vertx;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
    this.refill = refill;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <Q, R> Future<R> run(StoreOperation<Q, R> op, Q request, SessionStore store) {
    SessionRef ref = WRITES.contains(op) ? target(request) : null;
    if (ref == null) {
      return op.invoke().apply(store, request);
    }
    // Known before the write: a commit of state read from a Redis that has since lost its data is
    // refused once a restore has read PostgreSQL (the epoch known later could be the new one already).
    String epoch = refill.epoch();
    if (op == StoreAddresses.DELETE) {
      return (Future<R>) delete(store, (SessionRef) request, DELETE_ATTEMPTS, epoch);
    }
    return image(store, ref).compose(before -> op.invoke().apply(store, request).compose(result -> {
      if (result instanceof Outcome<?> o && o.replayed()) {
        return Future.succeededFuture(result); // a recorded outcome: nothing changed, nothing to persist
      }
      return image(store, ref).compose(after -> persist(ref, before, after, epoch)
          .map(result)
          .recover(e -> WriteThrough.<R>undo(store, ref, before, after, e)
              .transform(ar -> forgetOnce(store, request).transform(v -> (Future<R>) ar))));
    }));
  }

  /**
   * An append or transition made once per Idempotency-Key recorded its outcome with the write; once
   * the write is undone that record goes too, so a retry runs again instead of replaying it.
   */
  private static Future<Void> forgetOnce(SessionStore store, Object request) {
    Once once = request instanceof AppendOnce a ? a.once() : request instanceof TransitionOnce t ? t.once() : null;
    if (once == null) {
      return Future.succeededFuture();
    }
    SessionRef ref = target(request);
    return store.releaseKey(new ReleaseKey(ref.tenant(), ref.id(), once.key(), once.digest()))
        .onFailure(e -> LOG.error("Session {} of tenant {}: the record of an undone write under an Idempotency-Key"
            + " could not be removed ({}); a retry with that key gets the undone outcome", ref.id(), ref.tenant(),
            e.getMessage()));
  }

  /**
   * A deletion's outcome is known before it is applied, so it goes to PostgreSQL first: PostgreSQL
   * deletes the session as read (createdAt, version), then Redis deletes it with If-Match on that
   * version. PostgreSQL refusing leaves Redis untouched, blobs included (an undo by re-import could not
   * bring those back). Should Redis then refuse (a write came in between, or Redis failed), PostgreSQL
   * gets back what Redis holds; a request without If-Match that lost such a race is tried again.
   */
  private Future<Void> delete(SessionStore store, SessionRef request, int attempts, String epoch) {
    SessionRef ref = new SessionRef(request.tenant(), request.id());
    return image(store, ref).compose(before -> {
      if (before == null || (request.ifMatch() >= 0 && request.ifMatch() != before.session().version())) {
        return store.delete(request); // 404 or 412, and nothing to persist
      }
      long version = before.session().version();
      return persist(ref, before, null, epoch)
          .recover(e -> Future.failedFuture(new StoreException(StoreFailure.UNAVAILABLE,
              "PostgreSQL did not take the deletion (" + e.getMessage() + "); it was not applied")))
          .compose(v -> store.delete(new SessionRef(ref.tenant(), ref.id(), version, request.fence()))
              .recover(e -> image(store, ref)
                  .compose(now -> now == null ? Future.succeededFuture() : persist(ref, null, now, epoch))
                  .transform(ar -> {
                    if (ar.failed()) {
                      LOG.error("Session {} of tenant {} was deleted in PostgreSQL, not in Redis, and putting it back in"
                          + " PostgreSQL failed: {}; its next write puts it back", ref.id(), ref.tenant(),
                          ar.cause().getMessage());
                    }
                    boolean raced = e instanceof StoreException se && se.failure() == StoreFailure.VERSION_MISMATCH;
                    return raced && request.ifMatch() < 0 && attempts > 1 ? delete(store, request, attempts - 1, epoch)
                        : Future.<Void>failedFuture(e);
                  })));
    });
  }

  /** The session a write names; {@code null} for a restore import, which brings back what PostgreSQL holds. */
  private static SessionRef target(Object request) {
    if (request instanceof ImportSession i && i.isRestore()) {
      return null;
    }
    return request instanceof StoreRequests.SessionRequest r ? new SessionRef(r.tenant(), r.id()) : null;
  }

  /** The whole session now; {@code null} when there is none. */
  private static Future<SessionExport> image(SessionStore store, SessionRef ref) {
    return store.export(ref).recover(e -> e instanceof StoreException se && se.failure() == StoreFailure.NOT_FOUND
        ? Future.succeededFuture(null) : Future.failedFuture(e));
  }

  private Future<Void> persist(SessionRef ref, SessionExport before, SessionExport after, String epoch) {
    if (after == null && before == null) {
      return Future.succeededFuture();
    }
    Persist p = after != null ? new Persist(ref.tenant(), ref.id(), after, 0, 0, epoch)
        : new Persist(ref.tenant(), ref.id(), null, before.session().createdAt(), before.session().version(), epoch);
    return vertx.eventBus().request(SyncAddresses.PERSIST, p, options).mapEmpty();
  }

  private static <R> Future<R> undo(SessionStore store, SessionRef ref, SessionExport before, SessionExport after,
                                    Throwable cause) {
    Future<?> undone;
    if (after == null) {
      undone = store.importSession(new ImportSession(ref.tenant(), before, 0));
    } else if (before == null) {
      undone = store.delete(new SessionRef(ref.tenant(), ref.id(), after.session().version()));
    } else {
      // keepBlobs: an export carries no blobs, and blob writes are not undone (they pass through).
      undone = store.importSession(new ImportSession(ref.tenant(), before, after.session().version(), true));
    }
    return undone.transform(ar -> {
      if (ar.failed()) {
        LOG.error("PostgreSQL refused a write-through and undoing it in Redis failed too for session {} of tenant {}: {}",
            ref.id(), ref.tenant(), ar.cause().getMessage());
      }
      return Future.failedFuture(new StoreException(StoreFailure.UNAVAILABLE, "PostgreSQL did not take the change ("
          + cause.getMessage() + "); it was not applied"));
    });
  }
}
