package io.sessiond.sync;

import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreInterceptor;
import io.sessiond.store.StoreOperation;
import io.sessiond.store.StoreRequests;
import io.sessiond.sync.SyncRequests.RestoreSession;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

/**
 * While Redis is being refilled from PostgreSQL ({@link Refill}), a request for a session the refill
 * may not have reached yet first restores that one session from PostgreSQL (through the sync verticle,
 * {@link SyncAddresses#RESTORE_SESSION}), then runs: a read finds it instead of a 404, and a write
 * (a key batch, an append, a PUT) lands on the whole session instead of creating an empty one beside
 * which the refill's import would then be refused. A restore import never replaces what Redis holds
 * as new or newer, so a session written meanwhile is never overwritten. Outside a refill it costs one
 * volatile read. Wraps the interceptor the stores used before (write-through, or none).
 */
public final class RestoreOnDemand implements StoreInterceptor {
  private final Vertx vertx;
  private final Refill refill;
  private final StoreInterceptor inner;
  private final DeliveryOptions options;

  public RestoreOnDemand(Vertx vertx, Refill refill, StoreInterceptor inner, long timeoutMs) {
    this.vertx = vertx;
    this.refill = refill;
    this.inner = inner;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
  }

  @Override
  public <Q, R> Future<R> run(StoreOperation<Q, R> op, Q request, SessionStore store) {
    if (!(request instanceof StoreRequests.SessionRequest r)
        || (request instanceof StoreRequests.ImportSession i && i.isRestore())) {
      return inner.run(op, request, store);
    }
    if (!refill.active()) {
      return inner.run(op, request, store).recover(e -> missing(e) && refill.mayAskNow()
          ? askNow(e).compose(refilling -> refilling ? restoreThenRun(op, request, store, r) : Future.failedFuture(e))
          : Future.failedFuture(e));
    }
    return refill.isReady(r.tenant(), r.id()) ? inner.run(op, request, store) : restoreThenRun(op, request, store, r);
  }

  private static boolean missing(Throwable e) {
    return e instanceof StoreException se && se.failure() == StoreFailure.NOT_FOUND;
  }

  /**
   * A session was not found: Redis may have come back empty since the last epoch check. Asks for a check
   * now, so such a request is answered from PostgreSQL instead of a 404 (the check is skipped, and the
   * 404 stands, when sync cannot answer).
   */
  private Future<Boolean> askNow(Throwable notFound) {
    return vertx.eventBus().<Boolean>request(SyncAddresses.CHECK_EPOCH, "check", options)
        .map(m -> Boolean.TRUE.equals(m.body())).otherwise(false);
  }

  private <Q, R> Future<R> restoreThenRun(StoreOperation<Q, R> op, Q request, SessionStore store,
                                          StoreRequests.SessionRequest r) {
    return vertx.eventBus().<Boolean>request(SyncAddresses.RESTORE_SESSION, new RestoreSession(r.tenant(), r.id()), options)
        .recover(e -> Future.failedFuture(new StoreException(StoreFailure.UNAVAILABLE, "Redis lost its data and is"
            + " being refilled from PostgreSQL; session " + r.id() + " could not be restored from PostgreSQL yet ("
            + e.getMessage() + "); try again")))
        .compose(m -> {
          refill.ready(r.tenant(), r.id(), Boolean.TRUE.equals(m.body()));
          return inner.run(op, request, store);
        });
  }
}
