package io.sessiond.http;

import io.sessiond.session.SessionIds;
import io.sessiond.store.StoreRequests;
import io.sessiond.tenant.TenantSpec;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Reading a request: path ids, preconditions, query parameters and JSON bodies, each validated with a clear 400. */
final class Requests {
  static final String TENANT = "sessiond.tenant";
  /** Set by a route that reads the request stream itself (and resumes it when its reader is in place). */
  static final String STREAMED_BODY = "sessiond.streamedBody";
  private static final Set<String> RESERVED_IDS = Set.of("status", "import", "restore");
  /**
   * 2^53-1: the largest whole number a double (the Redis scripts' Lua numbers, a JavaScript client)
   * holds exactly, so the largest version or message seq a request may name.
   */
  static final long MAX_VERSION = 9_007_199_254_740_991L;

  private Requests() {
  }

  static String tenant(RoutingContext ctx) {
    TenantSpec t = ctx.get(TENANT);
    return t.id();
  }

  /** The {@code :id} path parameter, validated. */
  static String sessionId(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (!SessionIds.isSessionId(id)) {
      throw ApiException.badRequest("session id must be 1-128 characters of A-Z a-z 0-9 . _ @ : + -");
    }
    return id;
  }

  /** A session id a client may create; the names of collection endpoints are reserved. */
  static String newSessionId(RoutingContext ctx) {
    return checkNewSessionId(sessionId(ctx));
  }

  static String checkNewSessionId(String id) {
    if (RESERVED_IDS.contains(id)) {
      throw ApiException.badRequest("session id '" + id + "' is reserved; choose another");
    }
    return id;
  }

  /**
   * The version named by {@code If-Match}: {@code "5"}, {@code W/"5"} or {@code 5};
   * {@code *} or no header means no precondition.
   */
  static long ifMatch(RoutingContext ctx) {
    String h = ctx.request().getHeader(HttpHeaders.IF_MATCH);
    if (h == null || h.isBlank() || h.trim().equals("*")) {
      return StoreRequests.ANY_VERSION;
    }
    long v = parseEtag(h.trim());
    if (v < 0) {
      throw ApiException.badRequest("If-Match must be a version as returned in ETag, such as \"3\"");
    }
    if (v > MAX_VERSION) {
      throw ApiException.badRequest("If-Match names version " + v + ", beyond the largest version there can be ("
          + MAX_VERSION + ", 2^53-1)");
    }
    return v;
  }

  /**
   * The fencing token named by {@code Fence} ({@link StoreRequests#NO_FENCE} when absent): a whole
   * number from 1 to 2^53-1, as a lease grant returned it.
   */
  static long fence(RoutingContext ctx) {
    String h = ctx.request().getHeader("Fence");
    if (h == null) {
      return StoreRequests.NO_FENCE;
    }
    String t = h.trim();
    if (t.isEmpty() || t.length() > 16 || !t.chars().allMatch(c -> c >= '0' && c <= '9')
        || Long.parseLong(t) < 1 || Long.parseLong(t) > MAX_VERSION) {
      throw ApiException.badRequest("Fence must be a fencing token as a lease grant returned it: a whole number from 1 to "
          + MAX_VERSION);
    }
    return Long.parseLong(t);
  }

  /** The version an entity tag names, or -1 when it is not one of ours. */
  static long parseEtag(String tag) {
    String t = tag.startsWith("W/") ? tag.substring(2) : tag;
    if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
      t = t.substring(1, t.length() - 1);
    }
    if (t.isEmpty() || t.length() > 18 || !t.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    return Long.parseLong(t);
  }

  static String etag(long version) {
    return "\"" + version + "\"";
  }

  /** Whether the request's If-None-Match names {@code version} (or {@code *}). */
  static boolean notModified(RoutingContext ctx, long version) {
    String h = ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH);
    if (h == null) {
      return false;
    }
    for (String tag : h.split(",")) {
      String t = tag.trim();
      if (t.equals("*") || parseEtag(t) == version) {
        return true;
      }
    }
    return false;
  }

  static int intQuery(RoutingContext ctx, String name, int fallback, int min, int max) {
    return (int) longQuery(ctx, name, fallback, min, max);
  }

  static long longQuery(RoutingContext ctx, String name, long fallback, long min, long max) {
    String v = query(ctx, name);
    if (v == null) {
      return fallback;
    }
    try {
      long n = Long.parseLong(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw ApiException.badRequest("query parameter '" + name + "' must be a whole number from " + min + " to " + max);
  }

  static String query(RoutingContext ctx, String name) {
    List<String> all = ctx.queryParam(name);
    if (all.size() > 1) {
      throw ApiException.badRequest("query parameter '" + name + "' is given more than once");
    }
    return all.isEmpty() || all.get(0).isEmpty() ? null : all.get(0);
  }

  /** The body as a JSON object; 400 when it is empty, not JSON, or not an object. */
  static JsonObject jsonObject(RoutingContext ctx) {
    Object value = jsonValue(ctx);
    if (value instanceof JsonObject o) {
      return o;
    }
    throw ApiException.badRequest("the request body must be a JSON object");
  }

  /**
   * The body as any JSON value (JsonObject, JsonArray, String, Number, Boolean or null), every name,
   * string and number in it storable by every store ({@link StorableJson}).
   */
  static Object jsonValue(RoutingContext ctx) {
    Object parsed = ctx.get(PARSED_BODY);
    if (parsed != null) {
      if (parsed instanceof ParseFailure f) {
        throw f.failure();
      }
      return parsed == NULL_BODY ? null : parsed;
    }
    return decode(ctx.body().buffer());
  }

  private static final String PARSED_BODY = "sessiond.parsed-body";
  private static final Object NULL_BODY = new Object();

  private record ParseFailure(RuntimeException failure) {
  }

  /**
   * A route step after the body handler: a large JSON body is parsed (and checked, {@link StorableJson})
   * on the bulk pool ({@link BulkWork}), and the route goes on on its event loop with the tree ready for
   * {@link #jsonValue}. A small body is parsed where it is used, which costs less than the hand-off.
   */
  static void parseLargeBodyOffTheLoop(RoutingContext ctx, BulkWork bulk) {
    Buffer body = ctx.body().buffer();
    if (!BulkWork.large(body)) {
      ctx.next();
      return;
    }
    bulk.<Object>run(() -> {
      try {
        Object value = decode(body);
        return value == null ? NULL_BODY : value;
      } catch (RuntimeException e) {
        return new ParseFailure(e);
      }
    }).onComplete(ar -> {
      ctx.put(PARSED_BODY, ar.succeeded() ? ar.result() : new ParseFailure(new IllegalStateException(ar.cause())));
      ctx.next();
    });
  }

  private static Object decode(Buffer body) {
    if (body == null || body.length() == 0) {
      throw ApiException.badRequest("the request body is empty; a JSON document is required");
    }
    try {
      return StorableJson.decode(body);
    } catch (DecodeException | IllegalStateException e) {
      throw ApiException.badRequest("the request body is not valid JSON");
    }
  }

  /**
   * A handler that refuses bodies that are not JSON with 415; merge patch allowed when asked. It is
   * a {@link PlatformHandler} only so that Vert.x lets it run before the body handler on the same
   * route: the media type is checked before any byte of the body is read, at the cost of one route
   * match instead of two.
   */
  static Handler<RoutingContext> requireJson(boolean mergePatch) {
    return new MediaTypeCheck(mergePatch);
  }

  private record MediaTypeCheck(boolean mergePatch) implements PlatformHandler {
    @Override
    public void handle(RoutingContext ctx) {
      String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
      String media = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
      if (media.equals("application/json") || (mergePatch && media.equals("application/merge-patch+json"))) {
        ctx.next();
        return;
      }
      String allowed = mergePatch ? "application/json or application/merge-patch+json" : "application/json";
      ctx.fail(new ApiException(415, "Content-Type must be " + allowed + (type == null ? "" : ", not " + type)));
    }
  }
}
