package io.sessiond.http;

import io.sessiond.tenant.ApiKeys;
import io.sessiond.tenant.TenantDirectory;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every {@code /v1/admin} request: the bearer key must be the administration key (compared by digest,
 * in constant time). No key or an unknown key is 401; a tenant's key is 403 (it is known, and may not
 * administer); with no administration key configured every request is 403. Each request, allowed or
 * not, writes one line to the audit log ({@value #AUDIT_LOGGER}) when it is answered: action, tenant,
 * key id, status, client address and request id; never a key or a body.
 */
final class AdminAuth {
  static final String AUDIT_LOGGER = "sessiond.audit";
  /** Routing-context keys a route sets for the audit line. */
  static final String TENANT = "sessiond.audit.tenant";
  static final String KEY_ID = "sessiond.audit.key";
  private static final Logger AUDIT = LoggerFactory.getLogger(AUDIT_LOGGER);
  private static final String BEARER = "bearer ";
  private final byte[] adminDigest;
  private final TenantDirectory tenants;

  /** @param adminDigest the administration key's SHA-256 (hex), or {@code null} when administration is off */
  AdminAuth(String adminDigest, TenantDirectory tenants) {
    this.adminDigest = adminDigest == null ? null : adminDigest.getBytes(StandardCharsets.US_ASCII);
    this.tenants = tenants;
  }

  static boolean isAdminPath(String path) {
    return path.startsWith("/v1/admin/") || path.equals("/v1/admin");
  }

  void handle(RoutingContext ctx) {
    ctx.addEndHandler(v -> audit(ctx));
    if (adminDigest == null) {
      ctx.fail(new ApiException(403, "administration is off on this daemon: start it with ADMIN_API_KEY or ADMIN_API_KEY_FILE"));
      return;
    }
    int given = ctx.request().headers().getAll(HttpHeaders.AUTHORIZATION).size();
    if (given > 1) {
      ctx.fail(ApiException.badRequest("send one Authorization header; this request has " + given));
      return;
    }
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      unauthorized(ctx, "send the administration key as 'Authorization: Bearer <key>'");
      return;
    }
    String key = header.substring(BEARER.length()).trim();
    if (MessageDigest.isEqual(adminDigest, ApiKeys.digest(key).getBytes(StandardCharsets.US_ASCII))) {
      ctx.next();
    } else if (tenants.authenticate(key) != null) {
      ctx.fail(new ApiException(403, "a tenant's API key cannot administer tenants; use the administration key"));
    } else {
      unauthorized(ctx, "the key is not the administration key");
    }
  }

  private static void unauthorized(RoutingContext ctx, String detail) {
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"sessiond-admin\"");
    ctx.fail(new ApiException(401, detail));
  }

  /** What a request does, named from its method and path, so that refused requests are named too. */
  static String action(HttpMethod method, String path) {
    String[] p = path.split("/");
    int n = p.length; // "", "v1", "admin", ...
    boolean tenants = n > 3 && p[3].equals("tenants");
    if (tenants && n == 4) {
      return method == HttpMethod.POST ? "tenant.create" : method == HttpMethod.GET ? "tenant.list" : "other";
    }
    if (tenants && n == 5) {
      return method == HttpMethod.GET ? "tenant.get" : method == HttpMethod.PATCH ? "tenant.update"
          : method == HttpMethod.DELETE ? "tenant.delete" : "other";
    }
    if (tenants && n == 6 && p[5].equals("keys") && method == HttpMethod.POST) {
      return "key.issue";
    }
    if (tenants && n == 7 && p[5].equals("keys") && method == HttpMethod.DELETE) {
      return "key.revoke";
    }
    if (tenants && n == 6 && p[5].equals("usage") && method == HttpMethod.GET) {
      return "tenant.usage";
    }
    if (n == 5 && p[3].equals("jobs") && method == HttpMethod.GET) {
      return "job.get";
    }
    return "other";
  }

  private static void audit(RoutingContext ctx) {
    String action = action(ctx.request().method(), ctx.request().path());
    String[] p = ctx.request().path().split("/");
    String tenant = ctx.get(TENANT) != null ? ctx.get(TENANT) : p.length > 4 && p[3].equals("tenants") ? p[4] : null;
    String keyId = ctx.get(KEY_ID);
    AUDIT.info("admin action={} tenant={} key={} status={} method={} path={} client={} requestId={}",
        action == null ? "unknown" : action, tenant == null ? "-" : tenant, keyId == null ? "-" : keyId,
        ctx.response().getStatusCode(), ctx.request().method(), ctx.normalizedPath(),
        ctx.request().remoteAddress() == null ? "-" : ctx.request().remoteAddress().hostAddress(),
        ctx.get(io.sessiond.tenant.RequestIds.MDC_KEY) == null ? "-" : ctx.get(io.sessiond.tenant.RequestIds.MDC_KEY));
  }
}
