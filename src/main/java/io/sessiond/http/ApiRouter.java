package io.sessiond.http;

import io.sessiond.config.HttpConfig;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
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

  private final Router router;
  private final Map<BodyKind, BodyHandler> bodyHandlers = new EnumMap<>(BodyKind.class);
  private final List<Endpoint> endpoints = new ArrayList<>();
  private final List<Endpoint> unlisted = new ArrayList<>();

  ApiRouter(Router router, HttpConfig config) {
    this.router = router;
    bodyHandlers.put(BodyKind.SMALL, bodyHandler(config.maxBodyBytes()));
    bodyHandlers.put(BodyKind.MERGE_PATCH, bodyHandler(config.maxBodyBytes()));
    bodyHandlers.put(BodyKind.KEY_BATCH, bodyHandler(config.maxKeyBatchBytes()));
    bodyHandlers.put(BodyKind.IMPORT, bodyHandler(config.maxImportBytes()));
  }

  private static BodyHandler bodyHandler(long limit) {
    return BodyHandler.create(false).setBodyLimit(limit).setHandleFileUploads(false);
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

  void patch(String path, BodyKind body, Handler<RoutingContext> handler) {
    add(HttpMethod.PATCH, path, body, handler);
  }

  private void add(HttpMethod method, String path, BodyKind body, Handler<RoutingContext> handler) {
    endpoints.add(new Endpoint(method, path));
    Route route = router.route(method, path);
    if (body != BodyKind.NONE) {
      route.handler(Requests.requireJson(body == BodyKind.MERGE_PATCH)).handler(bodyHandlers.get(body));
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
