package io.sessiond.http;

import static io.sessiond.http.Responses.async;

import io.sessiond.store.LeaseRequests;
import io.sessiond.store.LeaseRequests.AcquireLease;
import io.sessiond.store.LeaseRequests.LeaseGrant;
import io.sessiond.store.LeaseRequests.LeaseInfo;
import io.sessiond.store.LeaseRequests.ReleaseLease;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreRequests;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;

/** A session's ownership lease: grant or renew, read, release (docs/leases.md). */
final class LeaseRoutes {
  private static final Set<String> FIELDS = Set.of("holder", "ttlSeconds");

  private final StoreClient store;

  LeaseRoutes(StoreClient store) {
    this.store = store;
  }

  void mount(ApiRouter api) {
    api.post("/v1/sessions/:id/lease", BodyKind.SMALL, async(this::acquire));
    api.get("/v1/sessions/:id/lease", async(this::get));
    api.delete("/v1/sessions/:id/lease", async(this::release));
  }

  private Future<?> acquire(RoutingContext ctx) {
    String id = Requests.sessionId(ctx);
    JsonObject body = Requests.jsonObject(ctx);
    Bodies.onlyFields(body, FIELDS, "the lease request");
    Object holder = body.getValue("holder");
    if (!(holder instanceof String h) || !LeaseRequests.isHolder(h)) {
      throw ApiException.badRequest("'holder' must be a string of 1-" + LeaseRequests.MAX_HOLDER_LENGTH
          + " printable ASCII characters without spaces, naming the process that takes the lease");
    }
    Object ttl = body.getValue("ttlSeconds");
    if (ttl == null) {
      throw ApiException.badRequest("'ttlSeconds' is required: how long the lease lasts unless renewed");
    }
    long ttlSeconds = Bodies.wholeNumber(ttl, "ttlSeconds", 1, LeaseRequests.MAX_TTL_SECONDS);
    AcquireLease req = new AcquireLease(Requests.tenant(ctx), id, h, ttlSeconds, Requests.fence(ctx));
    return store.call(StoreAddresses.ACQUIRE_LEASE, req)
        .onSuccess(g -> Responses.json(ctx, g.granted() ? 201 : 200, grant(g, ttlSeconds)));
  }

  private Future<?> get(RoutingContext ctx) {
    return store.call(StoreAddresses.GET_LEASE, SessionRoutes.ref(ctx)).onSuccess(l -> Responses.json(ctx, 200, info(l)));
  }

  private Future<?> release(RoutingContext ctx) {
    String id = Requests.sessionId(ctx);
    long token = Requests.fence(ctx);
    if (token == StoreRequests.NO_FENCE) {
      throw ApiException.badRequest("a release must name the lease's token in the Fence header");
    }
    return store.call(StoreAddresses.RELEASE_LEASE, new ReleaseLease(Requests.tenant(ctx), id, token))
        .onSuccess(r -> Responses.noContent(ctx));
  }

  private static String grant(LeaseGrant g, long ttlSeconds) {
    return new JsonText().open()
        .bool("held", true)
        .string("holder", g.holder())
        .number("token", g.token())
        .number("ttlSeconds", ttlSeconds)
        .time("expiresAt", g.expiresAt(), false)
        .bool("renewed", !g.granted())
        .close().toString();
  }

  private static String info(LeaseInfo l) {
    if (!l.held()) {
      return new JsonText().open().bool("held", false).close().toString();
    }
    return new JsonText().open()
        .bool("held", true)
        .string("holder", l.holder())
        .number("token", l.token())
        .time("grantedAt", l.grantedAt(), true)
        .time("expiresAt", l.expiresAt(), false)
        .close().toString();
  }
}
