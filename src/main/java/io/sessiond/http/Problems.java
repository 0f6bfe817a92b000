package io.sessiond.http;

import io.sessiond.store.StoreException;
import io.sessiond.tenant.RequestIds;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Turns every failure into an RFC 9457 {@code application/problem+json} answer. This class owns the
 * failure → status table; an unexpected failure is a 500 with a correlation id and a logged stack.
 */
final class Problems {
  private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
  static final String CONTENT_TYPE = "application/problem+json";
  /** Routing-context key: the problem type's slug of the answer sent, for the rejection counter. */
  static final String SENT_TYPE = "sessiond.problem";
  private static final String TYPE_PREFIX = "urn:sessiond:problem:";

  /** Status → (type slug, title). */
  private static final Map<Integer, String[]> KINDS = Map.ofEntries(
      Map.entry(400, new String[] {"bad-request", "Bad Request"}),
      Map.entry(401, new String[] {"unauthorized", "Unauthorized"}),
      Map.entry(403, new String[] {"forbidden", "Forbidden"}),
      Map.entry(404, new String[] {"not-found", "Not Found"}),
      Map.entry(405, new String[] {"method-not-allowed", "Method Not Allowed"}),
      Map.entry(409, new String[] {"illegal-transition", "Conflict"}),
      Map.entry(412, new String[] {"stale-version", "Precondition Failed"}),
      Map.entry(413, new String[] {"too-large", "Content Too Large"}),
      Map.entry(415, new String[] {"unsupported-media-type", "Unsupported Media Type"}),
      Map.entry(422, new String[] {"unprocessable", "Unprocessable Content"}),
      Map.entry(429, new String[] {"rate-limited", "Too Many Requests"}),
      Map.entry(500, new String[] {"internal", "Internal Server Error"}),
      Map.entry(501, new String[] {"not-implemented", "Not Implemented"}),
      Map.entry(503, new String[] {"unavailable", "Service Unavailable"}));

  private Problems() {
  }

  /** The router's failure handler. */
  static void handle(RoutingContext ctx) {
    Throwable t = ctx.failure();
    if (ctx.response().ended()) {
      return;
    }
    if (t instanceof ApiException e) {
      send(ctx, e.status(), e.getMessage(), e.slug());
    } else if (t instanceof StoreException e) {
      sendStore(ctx, e);
    } else if (t instanceof HttpException e) {
      send(ctx, e.getStatusCode(), routerDetail(ctx, e.getStatusCode(), e.getPayload()), null);
    } else if (t == null) {
      // No status at all (-1) is what Vert.x Web leaves when it cannot read the query of a request with a body.
      int status = ctx.statusCode() >= 400 ? ctx.statusCode() : 400;
      send(ctx, status, routerDetail(ctx, status, null), null);
    } else if (ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      // The router refusing a request with a cause (an HTTP/1.1 request without Host): the client's fault.
      send(ctx, ctx.statusCode(), routerDetail(ctx, ctx.statusCode(), t.getMessage()), null);
    } else {
      internal(ctx, t);
    }
  }

  private static void sendStore(RoutingContext ctx, StoreException e) {
    int status = e.failure().status();
    String slug = switch (e.failure()) {
      case LIMIT_REACHED -> "limit-reached";
      case INVALID -> "bad-request";
      case FENCED -> "fenced";
      case LEASE_HELD -> "lease-held";
      case UNREADABLE -> "unreadable-value";
      case KEY_REUSED -> "idempotency-key-reused";
      default -> null;
    };
    if (status == 503) {
      ctx.response().putHeader("Retry-After", "1");
    }
    send(ctx, status, e.getMessage(), slug);
  }

  private static void internal(RoutingContext ctx, Throwable t) {
    String correlationId = UUID.randomUUID().toString();
    MDC.put(RequestIds.MDC_KEY, ctx.get(RequestIds.MDC_KEY));
    try {
      LOG.error("unexpected failure on {} {} (correlation id {})", ctx.request().method(), ctx.normalizedPath(), correlationId, t);
    } finally {
      MDC.remove(RequestIds.MDC_KEY);
    }
    JsonText body = problem(500, "the server failed unexpectedly; quote correlation id " + correlationId,
        null, ctx.request().path()).string("correlationId", correlationId).close();
    ctx.put(SENT_TYPE, KINDS.get(500)[0]);
    write(ctx.response().setStatusCode(500), body.toString());
  }

  /** Answers {@code status} with a problem document; {@code slug} overrides the status's default type. */
  static void send(RoutingContext ctx, int status, String detail, String slug) {
    int code = KINDS.containsKey(status) ? status : (status >= 500 ? 500 : 400);
    IdempotencyKeys.failed(ctx, code);
    ctx.put(SENT_TYPE, slug == null ? KINDS.get(code)[0] : slug);
    write(ctx.response().setStatusCode(code), problem(code, detail, slug, ctx.request().path()).close().toString());
  }

  /**
   * The server's answer to a request its HTTP decoder could not read (a request line or headers over
   * the decoder's limits, a header with a forbidden character): the status Vert.x answers by default
   * (414, 431, else 400), as a problem document, then the connection is closed as Vert.x does (what
   * follows on it cannot be trusted to start a request). The router never sees such a request.
   */
  static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    int status = cause instanceof TooLongHttpLineException ? 414 : cause instanceof TooLongHttpHeaderException ? 431 : 400;
    String[] kind = switch (status) {
      case 414 -> new String[] {"too-large", "URI Too Long", "the request line is longer than the server accepts"};
      case 431 -> new String[] {"too-large", "Request Header Fields Too Large", "the request headers are larger than the server accepts"};
      default -> new String[] {"bad-request", "Bad Request", "the request is not valid HTTP (a malformed request line or header)"};
    };
    String path = request.path() == null ? "/" : request.path();
    String body = new JsonText().open().string("type", TYPE_PREFIX + kind[0]).string("title", kind[1])
        .number("status", status).string("detail", kind[2])
        .string("instance", path.length() > 256 ? path.substring(0, 256) : path).close().toString();
    request.response().setStatusCode(status).putHeader("Content-Type", CONTENT_TYPE).end(body)
        .onComplete(v -> request.connection().close());
  }

  private static JsonText problem(int status, String detail, String slug, String instance) {
    String[] kind = KINDS.get(status);
    return new JsonText().open()
        .string("type", TYPE_PREFIX + (slug == null ? kind[0] : slug))
        .string("title", kind[1])
        .number("status", status)
        .string("detail", detail)
        .string("instance", instance);
  }

  private static void write(HttpServerResponse response, String body) {
    response.putHeader("Content-Type", CONTENT_TYPE).end(body);
  }

  private static String routerDetail(RoutingContext ctx, int status, String payload) {
    return switch (status) {
      case 404 -> "no resource at " + ctx.request().path();
      case 405 -> ctx.request().method() + " is not allowed on " + ctx.request().path();
      case 413 -> "the request body is larger than this endpoint accepts";
      case 400 -> payload != null ? payload : "the request is malformed";
      default -> payload != null ? payload : "the request failed with status " + status;
    };
  }
}
