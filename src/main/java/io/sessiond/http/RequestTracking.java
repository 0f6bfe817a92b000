package io.sessiond.http;

import io.sessiond.metrics.SessiondMeters;
import io.sessiond.tenant.RequestIds;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * The first handler of every request: gives it a request id ({@code X-Request-Id} when acceptable,
 * else a new one), answers it in the same header, binds it to the request's context so the event
 * bus carries it to the store, and counts an answer that is a problem document by its type.
 */
final class RequestTracking implements Handler<RoutingContext> {
  private static final CharSequence REQUEST_ID = HttpHeaders.createOptimized(RequestIds.HTTP_HEADER);

  private final SessiondMeters meters;

  RequestTracking(SessiondMeters meters) {
    this.meters = meters;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String id = RequestIds.accept(ctx.request().getHeader(REQUEST_ID));
    ctx.put(RequestIds.MDC_KEY, id);
    RequestIds.bind(id);
    ctx.response().putHeader(REQUEST_ID, id);
    ctx.addHeadersEndHandler(v -> {
      String problem = ctx.get(Problems.SENT_TYPE);
      if (problem != null) {
        meters.rejected(problem);
      }
    });
    ctx.next();
  }
}
