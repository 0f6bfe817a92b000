package io.sessiond.store;

import io.sessiond.metrics.SessiondMeters;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Locale;

/**
 * One {@link SessionStore} and what runs around each of its operations: the interceptor
 * (PostgreSQL write-through) and the operation meters. The store verticle serves one over the event
 * bus; with {@link StoreAccess#inProcess} each HTTP verticle also runs one on its own event loop and
 * calls it directly. Not thread-safe: it is called on the context that opened it.
 */
final class InProcessStore implements StoreClient {
  private final StoreBackend backend;
  private final StoreInterceptor interceptor;
  private final int maxMessages;
  private final SessiondMeters meters;
  private SessionStore store;

  /**
   * @param interceptor runs every operation in place of a direct call ({@link StoreInterceptor#DIRECT} for none)
   * @param maxMessages the message window's size, to count the messages an append trimmed
   * @param meters      where each operation's latency and outcome, and trims, are counted
   */
  InProcessStore(StoreBackend backend, StoreInterceptor interceptor, int maxMessages, SessiondMeters meters) {
    this.backend = backend;
    this.interceptor = interceptor;
    this.maxMessages = maxMessages;
    this.meters = meters;
  }

  /** Creates the backend on the calling context and opens it. */
  Future<Void> open(Vertx vertx) {
    store = backend.create(vertx);
    return store.open();
  }

  @Override
  public Future<Void> close() {
    return store == null ? Future.succeededFuture() : store.close();
  }

  @Override
  public Future<Void> ping() {
    return store.ping();
  }

  SessionStore store() {
    return store;
  }

  /**
   * Runs one operation. Failures are {@link StoreException}s, or anything else for a bug (which the
   * caller answers as an internal failure).
   */
  @Override
  public <Q, R> Future<R> call(StoreOperation<Q, R> op, Q request) {
    long start = System.nanoTime();
    Future<R> result;
    try {
      result = interceptor.run(op, request, store);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    return result.onComplete(ar -> {
      meters.storeOperation(op.action(), outcome(ar.cause()), System.nanoTime() - start);
      if (ar.result() instanceof StoreRequests.AppendResult appended) {
        meters.trimmed(trimmed(appended));
      }
    });
  }

  private static String outcome(Throwable failure) {
    if (failure == null) {
      return "ok";
    }
    return failure instanceof StoreException se ? se.failure().name().toLowerCase(Locale.ROOT) : "internal";
  }

  /**
   * Messages an append dropped from the window. Sequence numbers start at 1 and only trimming removes
   * messages, so {@code lastSeq - messageCount} have been trimmed in all, and
   * {@code firstSeq - 1 - maxMessages} (when positive) of them before this append.
   */
  private long trimmed(StoreRequests.AppendResult r) {
    long before = Math.max(0, r.firstSeq() - 1 - maxMessages);
    long appended = r.lastSeq() - r.firstSeq() + 1;
    return Math.min(appended, Math.max(0, r.lastSeq() - r.messageCount() - before));
  }
}
