package io.sessiond.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;

/**
 * A {@link StoreClient} that sends each operation to the store verticle over the event bus, with
 * failures turned back into {@link StoreException}s by their failure code (never by their text).
 */
final class BusStoreClient implements StoreClient {
  private final Vertx vertx;
  private final DeliveryOptions options;
  private final long timeoutMs;

  BusStoreClient(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
  }

  @Override
  public <Q, R> Future<R> call(StoreOperation<Q, R> op, Q request) {
    return vertx.eventBus().<R>request(op.address(), request, options)
        .map(Message::body)
        .recover(this::translate);
  }

  @Override
  public Future<Void> ping() {
    return vertx.eventBus().request(StoreAddresses.PING, "ping", options).<Void>mapEmpty().recover(this::translate);
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
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
