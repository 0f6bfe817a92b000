package io.sessiond.http;

import io.sessiond.metrics.SessiondMeters;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * {@code GET /metrics}: the Prometheus scrape, behind {@code Authorization: Bearer <METRICS_TOKEN>}
 * when a token is configured. The metrics name every tenant with its session and key counts, so a
 * port that the public can reach should require the token (or not serve them: {@code MANAGEMENT_PORT}).
 */
final class MetricsRoute {
  static final String PATH = "/metrics";
  private static final String BEARER = "bearer ";

  private MetricsRoute() {
  }

  /** Mounts the scrape on {@code router}; {@code token} {@code null} serves it to anyone. */
  static void mount(Router router, SessiondMeters meters, String token) {
    var route = router.get(PATH);
    if (token != null) {
      byte[] expected = sha256(token);
      route.handler(ctx -> authorize(ctx, expected));
    }
    route.handler(PrometheusScrapingHandler.create(meters.registry()));
  }

  private static void authorize(RoutingContext ctx, byte[] expected) {
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    boolean bearer = header != null && header.length() > BEARER.length()
        && header.regionMatches(true, 0, BEARER, 0, BEARER.length());
    // Digests of equal length compared in constant time: the comparison reveals neither prefix nor length.
    if (bearer && MessageDigest.isEqual(expected, sha256(header.substring(BEARER.length()).trim()))) {
      ctx.next();
      return;
    }
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"metrics\"");
    Problems.send(ctx, 401, bearer ? "the metrics token is not valid"
        : "send the metrics token as 'Authorization: Bearer <METRICS_TOKEN>'", null);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
