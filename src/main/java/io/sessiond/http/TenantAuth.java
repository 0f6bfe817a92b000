package io.sessiond.http;

import io.sessiond.tenant.RequestRate;
import io.sessiond.tenant.RequestCounts;
import io.sessiond.tenant.TenantDirectory;
import io.sessiond.tenant.TenantRegistry;
import io.sessiond.tenant.TenantSpec;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Every {@code /v1} request: the bearer key names the tenant (the URL never does), then the
 * tenant's request rate is checked and the request counted for its usage. {@code /v1/admin} requests
 * go to {@link AdminAuth} instead (one route for both, so the HTTP meters keep each route's template).
 */
final class TenantAuth implements Handler<RoutingContext> {
  private static final String BEARER = "bearer ";
  private final TenantDirectory tenants;
  private final RequestRate rateLimiter;
  private final RequestCounts counts;
  private final AdminAuth admin;
  private final ConnectionGuard connections;

  /** The Authorization header a connection's last request authenticated with, under which tenant directory. */
  record Authenticated(TenantRegistry registry, String header, TenantSpec tenant) {
  }

  TenantAuth(TenantDirectory tenants, RequestRate rateLimiter, RequestCounts counts, AdminAuth admin,
             ConnectionGuard connections) {
    this.connections = connections;
    this.tenants = tenants;
    this.rateLimiter = rateLimiter;
    this.counts = counts;
    this.admin = admin;
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (AdminAuth.isAdminPath(ctx.request().path())) {
      admin.handle(ctx);
      return;
    }
    // Two keys would leave which tenant acts to whichever one a proxy or the server happens to read first.
    int given = ctx.request().headers().getAll(HttpHeaders.AUTHORIZATION).size();
    if (given > 1) {
      ctx.fail(ApiException.badRequest("send one Authorization header; this request has " + given));
      return;
    }
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      unauthorized(ctx, "send the tenant's API key as 'Authorization: Bearer <key>'");
      return;
    }
    TenantSpec tenant = authenticate(ctx, header);
    if (tenant == null) {
      unauthorized(ctx, "the API key is not known");
      return;
    }
    io.vertx.core.Future<Boolean> allowed = rateLimiter.acquire(tenant);
    if (allowed.isComplete()) {
      admit(ctx, tenant, allowed.result());
    } else {
      // The body must wait for the body handler, which runs only once the request is let through.
      ctx.request().pause();
      allowed.onComplete(ar -> {
        admit(ctx, tenant, ar.succeeded() && ar.result());
        // A route reading the stream itself (a blob upload) resumes it once its reader is in place.
        if (!Boolean.TRUE.equals(ctx.get(Requests.STREAMED_BODY))) {
          ctx.request().resume();
        }
      });
    }
  }

  /**
   * The tenant of a bearer {@code header}. A connection's requests nearly always carry the same key, so the
   * tenant its last request authenticated is kept with the connection and taken again while the header and the
   * tenant directory are the same: the key's SHA-256 digest is not computed on every request. A different
   * header, or a directory replaced since (a tenant created, a key revoked), is looked up afresh. Headers are
   * compared in constant time: a proxy's connection carries the requests of many clients.
   */
  private TenantSpec authenticate(RoutingContext ctx, String header) {
    TenantRegistry registry = tenants.current();
    ConnectionGuard.State connection = connections.of(ctx.request().connection());
    Authenticated last = connection == null ? null : connection.authenticated;
    if (last != null && last.registry() == registry && sameText(last.header(), header)) {
      return last.tenant();
    }
    TenantSpec tenant = registry.authenticate(header.substring(BEARER.length()).trim());
    if (connection != null && tenant != null) {
      connection.authenticated = new Authenticated(registry, header, tenant);
    }
    return tenant;
  }

  /** Whether {@code a} and {@code b} are equal, in a time that depends on their lengths only. */
  static boolean sameText(String a, String b) {
    int n = Math.max(a.length(), b.length());
    int diff = a.length() ^ b.length();
    for (int i = 0; i < n; i++) {
      diff |= (i < a.length() ? a.charAt(i) : 0) ^ (i < b.length() ? b.charAt(i) : 0);
    }
    return diff == 0;
  }

  private void admit(RoutingContext ctx, TenantSpec tenant, boolean allowed) {
    if (!allowed) {
      ctx.response().putHeader("Retry-After", "1");
      ctx.fail(new ApiException(429, "tenant '" + tenant.id() + "' is over its limit of "
          + tenant.limits().requestsPerSecond() + " requests per second"));
      return;
    }
    counts.count(tenant.id());
    ctx.put(Requests.TENANT, tenant);
    ctx.next();
  }

  private static void unauthorized(RoutingContext ctx, String detail) {
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"sessiond\"");
    ctx.fail(new ApiException(401, detail));
  }
}
