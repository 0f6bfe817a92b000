package io.sessiond.store;

import io.sessiond.metrics.SessiondMeters;
import io.sessiond.tenant.RequestIds;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Owns the process's one store verticle store ({@link InProcessStore}) and serves every
 * {@link StoreAddresses} operation on it over the event bus, answers {@link StoreAddresses#PING},
 * runs the expiry sweeper and the backend's services (the Redis change feed). Deployed once per
 * process, whatever the backend: the memory and file stores must have one writer, and on Redis one
 * sweeper and one change-feed reader per process are enough.
 */
public final class StoreVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(StoreVerticle.class);
  /** The code a reply carries for a failure that is not a {@link StoreFailure}: a bug, answered 500. */
  public static final int INTERNAL_FAILURE = 500;

  private final StoreBackend backend;
  private final StoreInterceptor interceptor;
  private final long sweepIntervalMs;
  private final int maxMessages;
  private final SessiondMeters meters;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final List<StoreService> services = new ArrayList<>();
  private InProcessStore local;
  private SessionStore store;
  private long sweepTimer = -1;
  private boolean sweeping;
  private boolean sweepFailing;

  /**
   * @param interceptor runs around every operation (PostgreSQL write-through, or {@link StoreInterceptor#DIRECT})
   * @param maxMessages the message window's size, to count the messages an append trimmed
   * @param meters      where each operation's latency and outcome, expirations and trims are counted
   */
  public StoreVerticle(StoreBackend backend, StoreInterceptor interceptor, long sweepIntervalMs, int maxMessages,
                       SessiondMeters meters) {
    this.backend = backend;
    this.interceptor = interceptor;
    this.sweepIntervalMs = sweepIntervalMs;
    this.maxMessages = maxMessages;
    this.meters = meters;
  }

  @Override
  public Future<?> start() {
    local = new InProcessStore(backend, interceptor, maxMessages, meters);
    return local.open(vertx).compose(v -> {
      store = local.store();
      StoreAddresses.ALL.forEach(this::serve);
      consumers.add(vertx.eventBus().localConsumer(StoreAddresses.PING, m -> store.ping()
          .onSuccess(ok -> m.reply("pong"))
          .onFailure(t -> m.fail(StoreFailure.UNAVAILABLE.code(), t.getMessage()))));
      sweepTimer = vertx.setPeriodic(sweepIntervalMs, id -> sweep());
      return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
    }).compose(v -> startServices());
  }

  private Future<Void> startServices() {
    Future<Void> chain = Future.succeededFuture();
    for (StoreService s : backend.services(store)) {
      chain = chain.compose(v -> s.start(vertx)).onSuccess(v -> services.add(s));
    }
    return chain;
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    return Future.join(services.stream().map(StoreService::stop).toList())
        .transform(ar -> Future.join(consumers.stream().map(MessageConsumer::unregister).toList()))
        .transform(ar -> local == null ? Future.succeededFuture() : local.close());
  }

  private <Q, R> void serve(StoreOperation<Q, R> op) {
    consumers.add(vertx.eventBus().<Q>localConsumer(op.address(),
        msg -> local.call(op, msg.body()).onSuccess(msg::reply).onFailure(t -> fail(op, msg, t))));
  }

  private void fail(StoreOperation<?, ?> op, Message<?> msg, Throwable t) {
    if (t instanceof StoreException se) {
      msg.fail(se.failure().code(), se.getMessage());
      return;
    }
    String correlationId = UUID.randomUUID().toString();
    MDC.put(RequestIds.MDC_KEY, msg.headers().get(RequestIds.BUS_HEADER));
    try {
      LOG.error("store operation {} failed unexpectedly (correlation id {})", op.address(), correlationId, t);
    } finally {
      MDC.remove(RequestIds.MDC_KEY);
    }
    msg.fail(INTERNAL_FAILURE, correlationId);
  }

  private void sweep() {
    if (sweeping) {
      return;
    }
    sweeping = true;
    store.sweepExpired(System.currentTimeMillis())
        .onSuccess(n -> {
          meters.expired(n);
          if (n > 0) {
            LOG.debug("removed {} expired sessions", n);
          }
        })
        .onComplete(ar -> {
          sweeping = false;
          // Logged once per outage, not once per interval while the store is down.
          if (ar.failed() && !sweepFailing) {
            LOG.warn("expiry sweep failed: {}", ar.cause().getMessage());
          } else if (ar.succeeded() && sweepFailing) {
            LOG.info("expiry sweep works again");
          }
          sweepFailing = ar.failed();
        });
  }
}
