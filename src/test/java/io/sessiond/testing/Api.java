package io.sessiond.testing;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

/** HTTP calls to a test daemon as one tenant, with its bearer key. */
public final class Api {
  private final WebClient client;
  private final String key;

  Api(WebClient client, String key) {
    this.client = client;
    this.key = key;
  }

  public HttpRequest<Buffer> request(HttpMethod method, String path) {
    HttpRequest<Buffer> r = client.request(method, path);
    if (key != null) {
      r.putHeader("Authorization", "Bearer " + key);
    }
    return r;
  }

  public Future<HttpResponse<Buffer>> get(String path) {
    return request(HttpMethod.GET, path).send();
  }

  public Future<HttpResponse<Buffer>> delete(String path) {
    return request(HttpMethod.DELETE, path).send();
  }

  public Future<HttpResponse<Buffer>> send(HttpMethod method, String path, Object json) {
    HttpRequest<Buffer> r = request(method, path).putHeader("Content-Type", "application/json");
    return r.sendBuffer(Buffer.buffer(json instanceof JsonObject o ? o.encode() : io.vertx.core.json.Json.encode(json)));
  }

  public Future<HttpResponse<Buffer>> put(String path, Object json) {
    return send(HttpMethod.PUT, path, json);
  }

  public Future<HttpResponse<Buffer>> post(String path, Object json) {
    return send(HttpMethod.POST, path, json);
  }

  public Future<HttpResponse<Buffer>> patch(String path, Object json) {
    return send(HttpMethod.PATCH, path, json);
  }

  /** Creates a session with the given data; fails the future unless the daemon answers 201. */
  public Future<HttpResponse<Buffer>> create(String id, JsonObject body) {
    return put("/v1/sessions/" + id, body).compose(r -> r.statusCode() == 201 ? Future.succeededFuture(r)
        : Future.failedFuture("creating " + id + " answered " + r.statusCode() + ": " + r.bodyAsString()));
  }
}
