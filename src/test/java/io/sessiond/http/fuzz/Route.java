package io.sessiond.http.fuzz;

import java.util.ArrayList;
import java.util.List;

/**
 * Every route of the API (docs/openapi.yaml), with what a valid request to it carries: a JSON body
 * template whose slots the generator fills ({@code %K} a member name, {@code %V} a value, {@code %I}
 * a key id, {@code %N} a session id, {@code %S} a state), and the body limit that applies.
 */
enum Route {
  LIST("GET", "/v1/sessions", null, Limit.NONE, 4),
  STATUS_LIST("GET", "/v1/sessions/status", null, Limit.NONE, 3),
  IMPORT("POST", "/v1/sessions/import", "{\"format\":\"sessiond.session.v1\",\"id\":\"%N\",\"data\":{\"%K\":%V},"
      + "\"keys\":{\"pre-key\":{\"%I\":{\"type\":\"Buffer\",\"data\":\"BQ==\"}}},"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"imported\"}],\"ttlSeconds\":3600}", Limit.IMPORT, 6),
  RESTORE("POST", "/v1/sessions/restore", null, Limit.NONE, 0),
  JOB("GET", "/v1/jobs/:jobId", null, Limit.NONE, 1),
  PUT("PUT", "/v1/sessions/:id", "{\"data\":{\"%K\":%V,\"n\":1},\"ttlSeconds\":3600}", Limit.BODY, 8),
  GET("GET", "/v1/sessions/:id", null, Limit.NONE, 3),
  PATCH("PATCH", "/v1/sessions/:id", "{\"%K\":%V}", Limit.BODY, 6),
  DELETE("DELETE", "/v1/sessions/:id", null, Limit.NONE, 2),
  TOUCH("POST", "/v1/sessions/:id/touch", null, Limit.NONE, 3),
  STATUS("GET", "/v1/sessions/:id/status", null, Limit.NONE, 2),
  STATE("POST", "/v1/sessions/:id/state", "{\"state\":\"%S\"}", Limit.BODY, 5),
  CREDS_GET("GET", "/v1/sessions/:id/creds", null, Limit.NONE, 2),
  CREDS_PUT("PUT", "/v1/sessions/:id/creds", "{\"registrationId\":42,\"%K\":%V}", Limit.BODY, 6),
  KEYS_QUERY("POST", "/v1/sessions/:id/keys/query", "{\"type\":\"pre-key\",\"ids\":[\"%I\",\"2\"]}", Limit.BODY, 5),
  KEYS("POST", "/v1/sessions/:id/keys", "{\"pre-key\":{\"%I\":%V,\"2\":{\"type\":\"Buffer\",\"data\":\"Bg==\"}}}",
      Limit.BATCH, 9),
  KEYS_CLEAR("DELETE", "/v1/sessions/:id/keys", null, Limit.NONE, 1),
  APPEND("POST", "/v1/sessions/:id/messages", "[{\"role\":\"user\",\"content\":%V,\"metadata\":{\"%K\":1}},"
      + "{\"role\":\"assistant\",\"content\":\"ok\"}]", Limit.BATCH, 8),
  MESSAGES("GET", "/v1/sessions/:id/messages", null, Limit.NONE, 4),
  EXPORT("GET", "/v1/sessions/:id/export", null, Limit.NONE, 2),
  BLOBS("GET", "/v1/sessions/:id/blobs", null, Limit.NONE, 2),
  BLOB_PUT("PUT", "/v1/sessions/:id/blobs/:name", null, Limit.BLOB, 5),
  BLOB_GET("GET", "/v1/sessions/:id/blobs/:name", null, Limit.NONE, 2),
  BLOB_DELETE("DELETE", "/v1/sessions/:id/blobs/:name", null, Limit.NONE, 1),
  LIVE("GET", "/health/live", null, Limit.NONE, 1),
  READY("GET", "/health/ready", null, Limit.NONE, 1),
  METRICS("GET", "/metrics", null, Limit.NONE, 0),
  OPENAPI("GET", "/openapi.yaml", null, Limit.NONE, 0);

  /** Which configured body limit applies. */
  enum Limit { NONE, BODY, BATCH, IMPORT, BLOB }

  final String method;
  final String template;
  final String body;
  final Limit limit;
  final int weight;

  Route(String method, String template, String body, Limit limit, int weight) {
    this.method = method;
    this.template = template;
    this.body = body;
    this.limit = limit;
    this.weight = weight;
  }

  boolean hasSession() {
    return template.contains(":id");
  }

  boolean hasJsonBody() {
    return body != null;
  }

  boolean needsAuth() {
    return template.startsWith("/v1/");
  }

  /** The methods served on this route's template. */
  List<String> methodsOfTemplate() {
    List<String> methods = new ArrayList<>();
    for (Route r : values()) {
      if (r.template.equals(template)) {
        methods.add(r.method);
      }
    }
    return methods;
  }

  /** Routes drawn by weight: restore jobs, metrics and the document are sent by their own rare draws. */
  static final List<Route> DRAW = draws();

  private static List<Route> draws() {
    List<Route> draw = new ArrayList<>();
    for (Route r : values()) {
      for (int i = 0; i < r.weight; i++) {
        draw.add(r);
      }
    }
    return List.copyOf(draw);
  }
}
