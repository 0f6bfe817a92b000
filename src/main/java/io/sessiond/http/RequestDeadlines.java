package io.sessiond.http;

import io.vertx.core.AsyncResult;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * Every API request answers within {@code REQUEST_TIMEOUT_MS}, whatever the store does: a request
 * still unanswered at its deadline gets a 503 problem with {@code Retry-After} (a late answer from the
 * store is then dropped). One periodic sweep per HTTP verticle, not one timer per request: requests in
 * flight are kept in arrival order, which is deadline order, and removed when they end. Blob transfers
 * are exempt (their length depends on the client's bandwidth); idle and header timeouts bound them. So
 * are event streams ({@code GET /v1/events}), which stay open by design.
 * A request made of many bounded store calls (a large import) reports {@link #progress} after each:
 * its deadline then counts from its last progress, so it still answers 503 within the timeout of the
 * store stalling, but is not cut off for being large.
 */
final class RequestDeadlines implements Handler<RoutingContext> {
  private static final String PROGRESS = "sessiond.deadline-progress";
  private final long timeoutMs;
  private final long timeoutNanos;
  /**
   * Requests in flight, oldest deadline first: a list threaded through the requests themselves (a sentinel
   * between its tail and its head), so a request joins, leaves and moves to the end without a map entry, a
   * boxed key or a closure.
   */
  private final InFlight inFlight = new InFlight(null);
  private final long timer;
  private final Vertx vertx;

  /** A request in flight, and its place in {@link #inFlight}; the handler of its end. */
  private final class InFlight implements Handler<AsyncResult<Void>> {
    private final RoutingContext ctx;
    private long deadlineNanos;
    private InFlight previous = this;
    private InFlight next = this;

    InFlight(RoutingContext ctx) {
      this.ctx = ctx;
    }

    /** Joins at the end, with a deadline from now: the latest of all, so the list stays in deadline order. */
    void append() {
      deadlineNanos = System.nanoTime() + timeoutNanos;
      previous = inFlight.previous;
      next = inFlight;
      previous.next = this;
      inFlight.previous = this;
    }

    boolean listed() {
      return next != this;
    }

    void remove() {
      previous.next = next;
      next.previous = previous;
      previous = this;
      next = this;
    }

    /** The request made progress: its deadline counts from now. */
    void progress() {
      if (listed()) {
        remove();
        append();
      }
    }

    @Override
    public void handle(AsyncResult<Void> ended) {
      if (listed()) {
        remove();
      }
    }
  }

  RequestDeadlines(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
    this.timeoutNanos = timeoutMs * 1_000_000;
    // A tenth of the timeout (at least 10 ms, at most 250 ms): a late answer is at most that much later.
    this.timer = vertx.setPeriodic(Math.max(10, Math.min(250, timeoutMs / 10)), id -> expire());
  }

  @Override
  public void handle(RoutingContext ctx) {
    String path = ctx.request().path();
    if (path.contains("/blobs/") || path.equals("/v1/events")) {
      ctx.next();
      return;
    }
    InFlight f = new InFlight(ctx);
    f.append();
    ctx.put(PROGRESS, f);
    ctx.addEndHandler(f);
    ctx.next();
  }

  /** The request made progress (a bounded store call answered): its deadline counts from now. */
  static void progress(RoutingContext ctx) {
    Object f = ctx.get(PROGRESS);
    if (f instanceof RequestDeadlines.InFlight inFlight) {
      inFlight.progress();
    }
  }

  private void expire() {
    long now = System.nanoTime();
    InFlight f;
    while ((f = inFlight.next) != inFlight && f.deadlineNanos - now <= 0) {
      f.remove();
      HttpServerResponse response = f.ctx.response();
      if (!response.ended() && !response.headWritten() && !response.closed()) {
        response.putHeader("Retry-After", "1");
        Problems.send(f.ctx, 503, "the request did not complete within " + timeoutMs + " ms (REQUEST_TIMEOUT_MS)",
            null);
      }
    }
  }

  void close() {
    vertx.cancelTimer(timer);
  }
}
