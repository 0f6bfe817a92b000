package io.sessiond.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;

/**
 * How other verticles call the store: a request over the event bus, with failures turned back
 * into {@link StoreException}s by their failure code (never by their text). A client made with
 * {@link #local} calls a {@link LocalStore} on the caller's own event loop instead, with the same
 * operations, records and failures (see docs/decisions.md, "The Redis store runs on each HTTP event loop").
 */
public final class StoreClient {
  private final Vertx vertx;
  private final DeliveryOptions options;
  private final long timeoutMs;
  private final LocalStore local;

  public StoreClient(Vertx vertx, long timeoutMs) {
    this(vertx, timeoutMs, null);
  }

  private StoreClient(Vertx vertx, long timeoutMs, LocalStore local) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
    this.local = local;
  }

  /**
   * A client that runs every operation on {@code store}, which must have been opened on the context
   * this client is called from. Each backend call has its own timeout (the Redis store's), so no
   * request timer is needed here.
   */
  public static StoreClient local(Vertx vertx, long timeoutMs, LocalStore store) {
    return new StoreClient(vertx, timeoutMs, store);
  }

  public <Q, R> Future<R> call(StoreOperation<Q, R> op, Q request) {
    if (local != null) {
      return local.call(op, request);
    }
    return vertx.eventBus().<R>request(op.address(), request, options)
        .map(Message::body)
        .recover(this::translate);
  }

  private <R> Future<R> translate(Throwable t) {
    if (t instanceof ReplyException re) {
      return Future.failedFuture(switch (re.failureType()) {
        case TIMEOUT -> new StoreException(StoreFailure.UNAVAILABLE,
            "the store did not answer within " + timeoutMs + " ms");
        case NO_HANDLERS -> new StoreException(StoreFailure.UNAVAILABLE, "the store is not running");
        case RECIPIENT_FAILURE, ERROR -> fromRecipient(re);
      });
    }
    return Future.failedFuture(t);
  }

  private static Throwable fromRecipient(ReplyException re) {
    StoreFailure f = StoreFailure.ofCode(re.failureCode());
    return f == null ? new IllegalStateException(re.getMessage()) : new StoreException(f, re.getMessage());
  }
}
