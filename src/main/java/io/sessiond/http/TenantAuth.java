package io.sessiond.http;

import io.sessiond.tenant.RateLimiter;
import io.sessiond.tenant.TenantRegistry;
import io.sessiond.tenant.TenantSpec;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Every {@code /v1} request: the bearer key names the tenant (the URL never does), then the
 * tenant's request rate is checked.
 */
final class TenantAuth implements Handler<RoutingContext> {
  private static final String BEARER = "bearer ";
  private final TenantRegistry tenants;
  private final RateLimiter rateLimiter;

  TenantAuth(TenantRegistry tenants, RateLimiter rateLimiter) {
    this.tenants = tenants;
    this.rateLimiter = rateLimiter;
  }

  @Override
  public void handle(RoutingContext ctx) {
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
    if (!rateLimiter.tryAcquire(tenant, System.nanoTime())) {
      ctx.response().putHeader("Retry-After", "1");
      ctx.fail(new ApiException(429, "tenant '" + tenant.id() + "' is over its limit of "
          + tenant.limits().requestsPerSecond() + " requests per second"));
      return;
    }
    ctx.put(Requests.TENANT, tenant);
    ctx.next();
  }

  private static void unauthorized(RoutingContext ctx, String detail) {
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"sessiond\"");
    ctx.fail(new ApiException(401, detail));
  }
}
