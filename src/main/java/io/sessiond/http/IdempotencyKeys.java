package io.sessiond.http;

import io.sessiond.store.OnceRequests.Claim;
import io.sessiond.store.OnceRequests.ClaimKey;
import io.sessiond.store.OnceRequests.Once;
import io.sessiond.store.OnceRequests.ReleaseKey;
import io.sessiond.store.OnceRequests.SettleKey;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Idempotency-Key} on POST requests. {@link #reader} validates the header and computes the
 * request's digest (SHA-256 of method, URI and body) for every POST. Appends and transitions hand the
 * key to the store, which records their outcome in the same atomic step as the write. Other POSTs go
 * through {@link #claimed}: the key is claimed in the store (the tenant's scope), the request runs,
 * and its answer (status, ETag, Location, body) is settled under the key before it is sent; a repeat
 * gets that answer back with {@code Idempotent-Replayed: true}. A request that fails with a 4xx
 * changed nothing, so its claim is released; one that fails with a 5xx may have changed something, so
 * its claim is held until it lapses (a retry meanwhile answers 409 with {@code Retry-After}).
 */
final class IdempotencyKeys {
  private static final Logger LOG = LoggerFactory.getLogger(IdempotencyKeys.class);
  static final String HEADER = "Idempotency-Key";
  static final String REPLAYED = "Idempotent-Replayed";
  /** Routing-context keys: the request's {@link Once}, and the claim a {@link #claimed} request holds. */
  private static final String ONCE = "sessiond.once";
  private static final String HELD = "sessiond.once.held";
  /** 1–255 visible ASCII characters: a UUID, a ULID or any client-made token fits. */
  private static final Pattern KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");

  private final StoreClient store;
  private final long pendingMs;

  /** A claim held by a running request, and where to settle or release it. */
  private record Held(StoreClient store, String tenant, Once once) {
  }

  /** @param pendingMs how long a claim whose request has not settled it is held (it lapses after that) */
  IdempotencyKeys(StoreClient store, long pendingMs) {
    this.store = store;
    this.pendingMs = pendingMs;
  }

  /**
   * The handler every POST route runs after its body handler: without the header it does nothing;
   * a malformed key is a 400; otherwise the request's {@link Once} is computed (off the event loop for
   * a large body).
   */
  static Handler<RoutingContext> reader(long ttlSeconds, BulkWork bulk) {
    return ctx -> {
      String key = ctx.request().getHeader(HEADER);
      if (key == null) {
        ctx.next();
        return;
      }
      if (!KEY.matcher(key).matches()) {
        ctx.fail(ApiException.badRequest("header '" + HEADER + "' must be 1-255 visible ASCII characters (a UUID, say);"
            + " it names one request, so that a retry of it is applied only once"));
        return;
      }
      Buffer body = ctx.body() == null ? null : ctx.body().buffer();
      String prefix = ctx.request().method().name() + ' ' + ctx.request().uri() + '\n';
      if (!BulkWork.large(body)) {
        ctx.put(ONCE, new Once(key, digest(prefix, body), ttlSeconds));
        ctx.next();
        return;
      }
      bulk.run(() -> digest(prefix, body)).onComplete(ar -> {
        if (ar.failed()) {
          ctx.fail(ar.cause());
        } else {
          ctx.put(ONCE, new Once(key, ar.result(), ttlSeconds));
          ctx.next();
        }
      });
    };
  }

  /** The request's key and digest; {@code null} when it carries no key. */
  static Once once(RoutingContext ctx) {
    return ctx.get(ONCE);
  }

  /** Marks a response as the recorded outcome of an earlier request with the same key. */
  static void markReplayed(RoutingContext ctx, boolean replayed) {
    if (replayed && !ctx.response().ended()) {
      ctx.response().putHeader(REPLAYED, "true");
    }
  }

  /** Runs {@code handler} at most once per key: claim, run, settle (see the class comment). */
  Handler<RoutingContext> claimed(Handler<RoutingContext> handler) {
    return ctx -> {
      Once once = once(ctx);
      if (once == null) {
        handler.handle(ctx);
        return;
      }
      String tenant = Requests.tenant(ctx);
      store.call(StoreAddresses.CLAIM_KEY, new ClaimKey(tenant, once.key(), once.digest(), pendingMs)).onComplete(ar -> {
        if (ar.failed()) {
          ctx.fail(ar.cause());
        } else {
          answerClaim(ctx, ar.result(), new Held(store, tenant, once), handler);
        }
      });
    };
  }

  private static void answerClaim(RoutingContext ctx, Claim claim, Held held, Handler<RoutingContext> handler) {
    switch (claim.state()) {
      case CLAIMED -> {
        ctx.put(HELD, held);
        handler.handle(ctx);
      }
      case DONE -> replay(ctx, claim.answer());
      case CONFLICT -> ctx.fail(reused(held.once().key()));
      case IN_FLIGHT -> {
        long seconds = Math.max(1, (claim.retryAfterMs() + 999) / 1000);
        if (!ctx.response().ended()) {
          ctx.response().putHeader("Retry-After", Long.toString(seconds));
        }
        ctx.fail(new ApiException(409, "a request with Idempotency-Key '" + held.once().key() + "' is still in progress"
            + " (or its outcome is not known yet); retry after " + seconds + " s to get its answer", "request-in-progress"));
      }
      default -> throw new IllegalStateException("unknown claim state " + claim.state());
    }
  }

  static ApiException reused(String key) {
    return new ApiException(422, "Idempotency-Key '" + key + "' was used before with a different request (method, path"
        + " or body); use a new key for a new request", "idempotency-key-reused");
  }

  /**
   * Ends a successful answer: when the request holds a claim, its answer is settled under the key
   * first (even when the deadline already answered 503: the request did take effect), then sent.
   * {@code body} is {@code null} for an answer without one.
   */
  static void end(RoutingContext ctx, int status, String body, String etag) {
    Held held = ctx.get(HELD);
    if (held == null) {
      send(ctx.response(), body);
      return;
    }
    ctx.remove(HELD);
    HttpServerResponse response = ctx.response();
    JsonObject headers = new JsonObject();
    if (etag != null) {
      headers.put("ETag", etag);
    }
    if (!response.ended() && response.headers().get("Location") != null) {
      headers.put("Location", response.headers().get("Location"));
    }
    if (body != null) {
      headers.put("Content-Type", Responses.JSON);
    }
    String answer = new JsonObject().put("status", status).put("headers", headers).put("body", body).encode();
    Once once = held.once();
    held.store().call(StoreAddresses.SETTLE_KEY, new SettleKey(held.tenant(), once.key(), once.digest(), answer,
        once.ttlSeconds())).onComplete(ar -> {
          if (ar.failed()) {
            LOG.warn("could not record the answer under an Idempotency-Key (a retry within the claim's lapse answers 409,"
                + " after it runs again): {}", ar.cause().getMessage());
          }
          send(response, body);
        });
  }

  /**
   * A request that holds a claim failed with {@code status}. A 4xx changed nothing, so the key is
   * freed for a retry. After a 5xx the outcome is not known (a store timeout, or the deadline's 503
   * while the store may still apply it), so the claim stays: a late success still settles it, and
   * otherwise it lapses.
   */
  static void failed(RoutingContext ctx, int status) {
    Held held = ctx.get(HELD);
    if (held == null || status < 400 || status >= 500) {
      return;
    }
    ctx.remove(HELD);
    Once once = held.once();
    held.store().call(StoreAddresses.RELEASE_KEY, new ReleaseKey(held.tenant(), once.key(), once.digest()))
        .onFailure(e -> LOG.warn("could not release an Idempotency-Key claim (it lapses by itself): {}", e.getMessage()));
  }

  /** {@link #end(RoutingContext, int, String, String)} with a body of bytes. */
  static void endBytes(RoutingContext ctx, int status, Buffer body, String etag) {
    if (ctx.get(HELD) != null) {
      end(ctx, status, body.toString(StandardCharsets.UTF_8), etag);
    } else if (!ctx.response().ended()) {
      ctx.response().end(body);
    }
  }

  private static void send(HttpServerResponse response, String body) {
    if (response.ended()) {
      return;
    }
    if (body == null) {
      response.end();
    } else {
      response.end(body);
    }
  }

  private static void replay(RoutingContext ctx, String answer) {
    HttpServerResponse response = ctx.response();
    if (response.ended()) {
      return;
    }
    JsonObject a = new JsonObject(answer);
    a.getJsonObject("headers").forEach(h -> response.putHeader(h.getKey(), String.valueOf(h.getValue())));
    response.putHeader(REPLAYED, "true").setStatusCode(a.getInteger("status"));
    send(response, a.getString("body"));
  }

  private static String digest(String prefix, Buffer body) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(prefix.getBytes(StandardCharsets.UTF_8));
      if (body != null) {
        sha.update(body.getBytes());
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }
}
