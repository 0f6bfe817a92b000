package io.sessiond.http;

import io.sessiond.config.HttpConfig;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Registers the API's routes with the body handling each needs (content type check, then a body
 * limit enforced before the body is read whole), and remembers them: for the {@code Allow} header
 * of a 405, and so tests can compare them with docs/openapi.yaml.
 */
final class ApiRouter {
  /** A registered route: method and path template with {@code :param} segments. */
  record Endpoint(HttpMethod method, String path) {
    Pattern pattern() {
      return Pattern.compile(path.replaceAll(":[A-Za-z]+", "[^/]+"));
    }
  }

  /**
   * Route orders: Vert.x Web tries the routes in order and matches every route with a path
   * parameter by a regular expression (~0.4 µs each), so the endpoints that carry most of the
   * traffic are tried first ({@link #frequent()}). Only routes of one method whose paths overlap
   * must keep their relative order (GET {@code /v1/sessions/status} before GET
   * {@code /v1/sessions/:id}): both are frequent.
   */
  private static final int FREQUENT_ORDERS = 1_000;
  private static final int OTHER_ORDERS = 2_000;

  private final Router router;
  private final Map<BodyKind, Handler<RoutingContext>> bodyHandlers;
  private final List<Endpoint> endpoints;
  private final List<Endpoint> unlisted;
  /** The next order of a frequent route and of any other, shared with {@link #frequent()}'s view. */
  private final int[] nextOrders;
  private final boolean frequent;
  private final Handler<RoutingContext> idempotencyKeys;
  private final IdempotencyKeys claims;
  private final BulkWork bulk;

  ApiRouter(Router router, HttpConfig config, IdempotencyKeys claims, BulkWork bulk) {
    this.claims = claims;
    this.bulk = bulk;
    this.router = router;
    this.bodyHandlers = new EnumMap<>(BodyKind.class);
    this.endpoints = new ArrayList<>();
    this.unlisted = new ArrayList<>();
    this.nextOrders = new int[] {FREQUENT_ORDERS, OTHER_ORDERS};
    this.frequent = false;
    this.idempotencyKeys = IdempotencyKeys.reader(config.idempotencyTtlSeconds(), bulk);
    bodyHandlers.put(BodyKind.SMALL, new LargeBodyHandler(config.maxBodyBytes(), bulk));
    bodyHandlers.put(BodyKind.MERGE_PATCH, new LargeBodyHandler(config.maxBodyBytes(), bulk));
    bodyHandlers.put(BodyKind.KEY_BATCH, new LargeBodyHandler(config.maxKeyBatchBytes(), bulk));
    bodyHandlers.put(BodyKind.IMPORT, new LargeBodyHandler(config.maxImportBytes(), bulk));
  }

  private ApiRouter(ApiRouter of) {
    this.router = of.router;
    this.bodyHandlers = of.bodyHandlers;
    this.endpoints = of.endpoints;
    this.unlisted = of.unlisted;
    this.nextOrders = of.nextOrders;
    this.frequent = true;
    this.idempotencyKeys = of.idempotencyKeys;
    this.claims = of.claims;
    this.bulk = of.bulk;
  }

  /** Where the routes read large bodies. */
  BulkWork bulk() {
    return bulk;
  }

  /** The same API whose routes are tried before every route not registered through this view. */
  ApiRouter frequent() {
    return new ApiRouter(this);
  }

  void get(String path, Handler<RoutingContext> handler) {
    add(HttpMethod.GET, path, BodyKind.NONE, handler);
  }

  void delete(String path, Handler<RoutingContext> handler) {
    add(HttpMethod.DELETE, path, BodyKind.NONE, handler);
  }

  void put(String path, BodyKind body, Handler<RoutingContext> handler) {
    add(HttpMethod.PUT, path, body, handler);
  }

  void post(String path, BodyKind body, Handler<RoutingContext> handler) {
    add(HttpMethod.POST, path, body, handler);
  }

  /**
   * A POST that is not one atomic store step, made at most once per {@code Idempotency-Key} by
   * claiming the key first ({@link IdempotencyKeys#claimed}).
   */
  void postOnce(String path, BodyKind body, Handler<RoutingContext> handler) {
    add(HttpMethod.POST, path, body, claims.claimed(handler));
  }

  void patch(String path, BodyKind body, Handler<RoutingContext> handler) {
    add(HttpMethod.PATCH, path, body, handler);
  }

  private void add(HttpMethod method, String path, BodyKind body, Handler<RoutingContext> handler) {
    endpoints.add(new Endpoint(method, path));
    Route route = router.route(method, path).order(nextOrders[frequent ? 0 : 1]++);
    if (body != BodyKind.NONE) {
      route.handler(Requests.requireJson(body == BodyKind.MERGE_PATCH)).handler(bodyHandlers.get(body));
      // Key batches and imports are read by streaming parsers of their own, not into a tree.
      if (body != BodyKind.KEY_BATCH && body != BodyKind.IMPORT) {
        route.handler(ctx -> Requests.parseLargeBodyOffTheLoop(ctx, bulk));
      }
    }
    if (method == HttpMethod.POST) {
      route.handler(idempotencyKeys);
    }
    route.handler(handler);
  }

  /** A route mounted outside the API (no authentication, not in {@link #endpoints()}), known only for {@code Allow}. */
  void unlisted(HttpMethod method, String path) {
    unlisted.add(new Endpoint(method, path));
  }

  List<Endpoint> endpoints() {
    return List.copyOf(endpoints);
  }

  /** The methods registered for a concrete request path, for the {@code Allow} header of a 405. */
  String allowed(String requestPath) {
    TreeSet<String> methods = new TreeSet<>();
    for (Endpoint e : Stream.concat(endpoints.stream(), unlisted.stream()).toList()) {
      if (e.pattern().matcher(requestPath).matches()) {
        methods.add(e.method().name());
      }
    }
    return String.join(", ", methods);
  }
}
