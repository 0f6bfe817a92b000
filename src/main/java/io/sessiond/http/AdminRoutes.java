package io.sessiond.http;

import io.sessiond.admin.AdminAddresses;
import io.sessiond.admin.AdminFailure;
import io.sessiond.admin.AdminRequests.Job;
import io.sessiond.admin.AdminRequests.JobRef;
import io.sessiond.admin.AdminRequests.TenantRef;
import io.sessiond.admin.AdminRequests.Usage;
import io.sessiond.admin.Catalog;
import io.sessiond.admin.CatalogCommand;
import io.sessiond.admin.TenantDoc;
import io.sessiond.tenant.ApiKeys;
import io.sessiond.tenant.TenantLimits;
import io.sessiond.tenant.TenantSpec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.Comparator;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The administration API under {@code /v1/admin} (docs/admin.md): tenants, their limits and API keys,
 * their usage, and tenant deletion jobs. Requests reach the admin verticle over the event bus.
 */
final class AdminRoutes {
  private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Set<String> LIMITS = Set.of("maxSessions", "maxBytesPerSession", "requestsPerSecond");
  private static final long MAX_REQUESTS_PER_SECOND = 10_000_000;
  private final Vertx vertx;
  private final DeliveryOptions options;
  private final TenantLimits defaults;

  /** @param defaults the limits of a tenant created without them ({@code TENANT_*}) */
  AdminRoutes(Vertx vertx, long timeoutMs, TenantLimits defaults) {
    this.vertx = vertx;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
    this.defaults = defaults;
  }

  void mount(ApiRouter api) {
    api.post("/v1/admin/tenants", BodyKind.SMALL, Responses.async(this::create));
    api.get("/v1/admin/tenants", Responses.async(this::list));
    api.get("/v1/admin/tenants/:tenant", Responses.async(this::show));
    api.patch("/v1/admin/tenants/:tenant", BodyKind.MERGE_PATCH, Responses.async(this::update));
    api.delete("/v1/admin/tenants/:tenant", Responses.async(this::delete));
    api.post("/v1/admin/tenants/:tenant/keys", BodyKind.NONE, Responses.async(this::issueKey));
    api.delete("/v1/admin/tenants/:tenant/keys/:keyId", Responses.async(this::revokeKey));
    api.get("/v1/admin/tenants/:tenant/usage", Responses.async(this::usage));
    api.get("/v1/admin/jobs/:jobId", Responses.async(this::job));
  }

  private Future<?> create(RoutingContext ctx) {
    JsonObject body = Requests.jsonObject(ctx);
    for (String field : body.fieldNames()) {
      if (!field.equals("id") && !field.equals("limits")) {
        throw ApiException.badRequest("unknown field '" + field + "'; a tenant is {\"id\": ..., \"limits\": {...}}");
      }
    }
    if (!(body.getValue("id") instanceof String id) || !TenantSpec.isTenantId(id)) {
      throw ApiException.badRequest("id must be a string matching [a-z0-9][a-z0-9-]{0,63}");
    }
    ctx.put(AdminAuth.TENANT, id);
    Object l = body.getValue("limits");
    if (l != null && !(l instanceof JsonObject)) {
      throw ApiException.badRequest("limits must be an object of maxSessions, maxBytesPerSession, requestsPerSecond");
    }
    JsonObject limits = l == null ? new JsonObject() : (JsonObject) l;
    checkLimitFields(limits);
    TenantLimits t = new TenantLimits(limit(limits, "maxSessions", defaults.maxSessions(), Long.MAX_VALUE),
        limit(limits, "maxBytesPerSession", defaults.maxBytesPerSession(), Long.MAX_VALUE),
        limit(limits, "requestsPerSecond", defaults.requestsPerSecond(), MAX_REQUESTS_PER_SECOND));
    return this.<TenantDoc>request(AdminAddresses.CHANGE, new CatalogCommand.CreateTenant(id, t)).onSuccess(doc -> {
      ctx.response().putHeader("Location", "/v1/admin/tenants/" + id);
      Responses.json(ctx, 201, tenant(doc).encode());
    });
  }

  private Future<?> list(RoutingContext ctx) {
    return this.<Catalog>request(AdminAddresses.CATALOG, new TenantRef(null)).onSuccess(c -> {
      JsonArray tenants = new JsonArray();
      c.tenants().values().stream().filter(d -> !d.deleted()).sorted(Comparator.comparing(TenantDoc::id))
          .forEach(d -> tenants.add(tenant(d)));
      Responses.json(ctx, 200, new JsonObject().put("tenants", tenants).put("catalogVersion", c.version()).encode());
    });
  }

  private Future<?> show(RoutingContext ctx) {
    String id = tenantId(ctx);
    return this.<Catalog>request(AdminAddresses.CATALOG, new TenantRef(id)).map(c -> {
      TenantDoc d = c.tenants().get(id);
      if (d == null || d.deleted()) {
        throw new ApiException(404, "there is no tenant '" + id + "'");
      }
      Responses.json(ctx, 200, tenant(d).encode());
      return d;
    });
  }

  private Future<?> update(RoutingContext ctx) {
    String id = tenantId(ctx);
    JsonObject body = Requests.jsonObject(ctx);
    for (String field : body.fieldNames()) {
      if (!field.equals("limits")) {
        throw ApiException.badRequest("unknown field '" + field + "'; only limits can be changed");
      }
    }
    if (!(body.getValue("limits") instanceof JsonObject limits) || limits.isEmpty()) {
      throw ApiException.badRequest("send {\"limits\": {...}} with one or more of maxSessions, maxBytesPerSession, requestsPerSecond");
    }
    checkLimitFields(limits);
    CatalogCommand.UpdateLimits cmd = new CatalogCommand.UpdateLimits(id,
        optionalLimit(limits, "maxSessions", Long.MAX_VALUE), optionalLimit(limits, "maxBytesPerSession", Long.MAX_VALUE),
        optionalLimit(limits, "requestsPerSecond", MAX_REQUESTS_PER_SECOND));
    return this.<TenantDoc>request(AdminAddresses.CHANGE, cmd).onSuccess(doc -> Responses.json(ctx, 200, tenant(doc).encode()));
  }

  private Future<?> delete(RoutingContext ctx) {
    String id = tenantId(ctx);
    return this.<Job>request(AdminAddresses.DELETE, new TenantRef(id)).onSuccess(job -> {
      ctx.response().putHeader("Location", "/v1/admin/jobs/" + job.id());
      Responses.json(ctx, 202, job(job).encode());
    });
  }

  private Future<?> issueKey(RoutingContext ctx) {
    String id = tenantId(ctx);
    String key = ApiKeys.generate();
    String keyId = "k-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    ctx.put(AdminAuth.KEY_ID, keyId);
    return this.<TenantDoc>request(AdminAddresses.CHANGE, new CatalogCommand.IssueKey(id, keyId, ApiKeys.digest(key)))
        .onSuccess(doc -> {
          long createdAt = doc.keys().stream().filter(k -> k.id().equals(keyId)).findFirst().map(TenantDoc.KeyDoc::createdAt)
              .orElse(System.currentTimeMillis());
          ctx.response().putHeader("Location", "/v1/admin/tenants/" + id + "/keys/" + keyId);
          ctx.response().putHeader("Cache-Control", "no-store");
          // The only time the key is ever shown: only its digest is kept.
          Responses.json(ctx, 201, new JsonObject().put("id", keyId).put("tenant", id).put("key", key)
              .put("createdAt", Instant.ofEpochMilli(createdAt).toString()).encode());
        });
  }

  private Future<?> revokeKey(RoutingContext ctx) {
    String id = tenantId(ctx);
    String keyId = ctx.pathParam("keyId");
    if (!KEY_ID.matcher(keyId).matches()) {
      throw ApiException.badRequest("key id must be 1-64 characters of A-Z a-z 0-9 _ -");
    }
    ctx.put(AdminAuth.KEY_ID, keyId);
    return request(AdminAddresses.CHANGE, new CatalogCommand.RevokeKey(id, keyId)).onSuccess(d -> Responses.noContent(ctx));
  }

  private Future<?> usage(RoutingContext ctx) {
    return this.<Usage>request(AdminAddresses.USAGE, new TenantRef(tenantId(ctx))).onSuccess(u ->
        Responses.json(ctx, 200, new JsonObject().put("tenant", u.tenant()).put("sessions", u.sessions())
            .put("bytes", u.bytes()).put("requests", u.requests()).put("complete", u.complete()).encode()));
  }

  private Future<?> job(RoutingContext ctx) {
    String id = ctx.pathParam("jobId");
    if (!KEY_ID.matcher(id).matches()) {
      throw ApiException.badRequest("job id must be 1-64 characters of A-Z a-z 0-9 _ -");
    }
    return this.<Job>request(AdminAddresses.JOB, new JobRef(id)).onSuccess(j -> Responses.json(ctx, 200, job(j).encode()));
  }

  private static String tenantId(RoutingContext ctx) {
    String id = ctx.pathParam("tenant");
    if (!TenantSpec.isTenantId(id)) {
      throw ApiException.badRequest("tenant id must match [a-z0-9][a-z0-9-]{0,63}");
    }
    return id;
  }

  private static void checkLimitFields(JsonObject limits) {
    for (String f : limits.fieldNames()) {
      if (!LIMITS.contains(f)) {
        throw ApiException.badRequest("unknown limit '" + f + "'; limits are maxSessions, maxBytesPerSession, requestsPerSecond");
      }
    }
  }

  private static long limit(JsonObject limits, String field, long fallback, long max) {
    Long v = optionalLimit(limits, field, max);
    return v == null ? fallback : v;
  }

  /** A limit given as a whole number from 0 (unlimited) to {@code max}, or {@code null} when absent. */
  private static Long optionalLimit(JsonObject limits, String field, long max) {
    if (!limits.containsKey(field)) {
      return null;
    }
    Object v = limits.getValue(field);
    if ((v instanceof Integer || v instanceof Long) && ((Number) v).longValue() >= 0 && ((Number) v).longValue() <= max) {
      return ((Number) v).longValue();
    }
    throw ApiException.badRequest("limits." + field + " must be a whole number from 0 (unlimited) to " + max);
  }

  static JsonObject tenant(TenantDoc d) {
    JsonArray keys = new JsonArray();
    d.keys().forEach(k -> keys.add(new JsonObject().put("id", k.id())
        .put("createdAt", Instant.ofEpochMilli(k.createdAt()).toString())));
    return new JsonObject().put("id", d.id())
        .put("limits", new JsonObject().put("maxSessions", d.limits().maxSessions())
            .put("maxBytesPerSession", d.limits().maxBytesPerSession())
            .put("requestsPerSecond", d.limits().requestsPerSecond()))
        .put("createdAt", Instant.ofEpochMilli(d.createdAt()).toString()).put("keys", keys);
  }

  static JsonObject job(Job j) {
    JsonObject o = new JsonObject().put("id", j.id()).put("type", j.type()).put("tenant", j.tenant()).put("state", j.state())
        .put("phase", j.phase()).put("deletedSessions", j.deletedSessions())
        .put("startedAt", Instant.ofEpochMilli(j.startedAt()).toString());
    if (j.finishedAt() > 0) {
      o.put("finishedAt", Instant.ofEpochMilli(j.finishedAt()).toString());
    }
    if (j.error() != null) {
      o.put("error", j.error());
    }
    return o;
  }

  private <T> Future<T> request(String address, Object body) {
    return vertx.eventBus().<T>request(address, body, options).map(Message::body).recover(e -> {
      if (e instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        AdminFailure f = AdminFailure.ofCode(re.failureCode());
        if (f != null) {
          if (f == AdminFailure.UNAVAILABLE) {
            return Future.failedFuture(new ApiException(503, re.getMessage()));
          }
          return Future.failedFuture(new ApiException(f.status(), re.getMessage(), f.slug()));
        }
      }
      if (e instanceof ReplyException re && re.failureType() == ReplyFailure.TIMEOUT) {
        return Future.failedFuture(new ApiException(503, "the tenant catalog did not answer in time; try again"));
      }
      return Future.failedFuture(new ApiException(503, "the tenant catalog cannot answer now: " + e.getMessage()));
    });
  }
}
