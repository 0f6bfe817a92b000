package io.sessiond.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

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
  private final Map<Long, InFlight> inFlight = new LinkedHashMap<>();
  private final long timer;
  private final Vertx vertx;
  private long next;

  private record InFlight(RoutingContext ctx, long deadlineNanos) {
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
    if (ctx.request().path().contains("/blobs/") || ctx.request().path().equals("/v1/events")) {
      ctx.next();
      return;
    }
    long[] id = {next++};
    inFlight.put(id[0], new InFlight(ctx, System.nanoTime() + timeoutNanos));
    ctx.put(PROGRESS, (Runnable) () -> {
      // Re-inserted last: its new deadline is the latest of all, so arrival order stays deadline order.
      if (inFlight.remove(id[0]) != null) {
        id[0] = next++;
        inFlight.put(id[0], new InFlight(ctx, System.nanoTime() + timeoutNanos));
      }
    });
    ctx.addEndHandler(ar -> inFlight.remove(id[0]));
    ctx.next();
  }

  /** The request made progress (a bounded store call answered): its deadline counts from now. */
  static void progress(RoutingContext ctx) {
    Runnable progress = ctx.get(PROGRESS);
    if (progress != null) {
      progress.run();
    }
  }

  private void expire() {
    long now = System.nanoTime();
    Iterator<InFlight> it = inFlight.values().iterator();
    while (it.hasNext()) {
      InFlight f = it.next();
      if (f.deadlineNanos() - now > 0) {
        return;
      }
      it.remove();
      HttpServerResponse response = f.ctx().response();
      if (!response.ended() && !response.headWritten() && !response.closed()) {
        response.putHeader("Retry-After", "1");
        Problems.send(f.ctx(), 503, "the request did not complete within " + timeoutMs + " ms (REQUEST_TIMEOUT_MS)",
            null);
      }
    }
  }

  void close() {
    vertx.cancelTimer(timer);
  }
}
