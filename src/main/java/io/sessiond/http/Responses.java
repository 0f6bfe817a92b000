package io.sessiond.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;

/** Writing answers, and running a handler's future so that every failure reaches the failure handler. */
final class Responses {
  static final String JSON = "application/json";
  /**
   * Header names and values written on every answer, as Netty ASCII strings: their hash is computed
   * once and they are copied to the wire without re-encoding.
   */
  static final CharSequence CONTENT_TYPE = HttpHeaders.CONTENT_TYPE;
  static final CharSequence JSON_TYPE = HttpHeaders.createOptimized(JSON);
  static final CharSequence ETAG = HttpHeaders.ETAG;

  private Responses() {
  }

  /**
   * Answers, unless the request was answered already (its deadline passed: {@link RequestDeadlines});
   * a request that holds an {@code Idempotency-Key} claim records the answer under it either way.
   */
  static void json(RoutingContext ctx, int status, String body) {
    json(ctx, status, body, null);
  }

  static void json(RoutingContext ctx, int status, String body, long version) {
    json(ctx, status, body, Requests.etag(version));
  }

  private static void json(RoutingContext ctx, int status, String body, String etag) {
    if (!ctx.response().ended()) {
      if (etag != null) {
        ctx.response().putHeader(ETAG, etag);
      }
      ctx.response().setStatusCode(status).putHeader(CONTENT_TYPE, JSON_TYPE);
    }
    IdempotencyKeys.end(ctx, status, body, etag);
  }

  /** {@link #json(RoutingContext, int, String, long)} with the body's bytes written already ({@link SessionBody}). */
  static void json(RoutingContext ctx, int status, Buffer body, long version) {
    String etag = Requests.etag(version);
    if (!ctx.response().ended()) {
      ctx.response().putHeader(ETAG, etag).setStatusCode(status).putHeader(CONTENT_TYPE, JSON_TYPE);
    }
    IdempotencyKeys.endBytes(ctx, status, body, etag);
  }

  static void noContent(RoutingContext ctx) {
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(204);
    }
    IdempotencyKeys.end(ctx, 204, null, null);
  }

  static void notModified(RoutingContext ctx, long version) {
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(304).putHeader(ETAG, Requests.etag(version)).end();
    }
  }

  static void noContent(RoutingContext ctx, long version) {
    String etag = Requests.etag(version);
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(204).putHeader(ETAG, etag);
    }
    IdempotencyKeys.end(ctx, 204, null, etag);
  }

  /**
   * A route handler from a function that reads the request and starts the work: validation errors
   * thrown while reading, and failures of the future, both end in the failure handler.
   */
  static Handler<RoutingContext> async(Function<RoutingContext, Future<?>> action) {
    return ctx -> {
      Future<?> f;
      try {
        f = action.apply(ctx);
      } catch (RuntimeException e) {
        ctx.fail(e);
        return;
      }
      f.onFailure(ctx::fail);
    };
  }
}
