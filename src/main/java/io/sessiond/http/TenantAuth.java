package io.sessiond.http;

import io.sessiond.tenant.RequestRate;
import io.sessiond.tenant.RequestCounts;
import io.sessiond.tenant.TenantDirectory;
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

  TenantAuth(TenantDirectory tenants, RequestRate rateLimiter, RequestCounts counts, AdminAuth admin) {
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
    TenantSpec tenant = tenants.authenticate(header.substring(BEARER.length()).trim());
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
