package io.sessiond.http;

import static io.sessiond.http.Responses.async;

import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreRequests.RollbackCreds;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;

/** The kept versions of a session's creds (CREDS_HISTORY), and the rollback to one of them. */
final class CredsHistoryRoutes {
  private static final Set<String> ROLLBACK_FIELDS = Set.of("version");

  private final StoreClient store;
  private final int keep;

  /** @param keep how many creds versions the store keeps (CREDS_HISTORY), reported with the history */
  CredsHistoryRoutes(StoreClient store, int keep) {
    this.store = store;
    this.keep = keep;
  }

  void mount(ApiRouter api) {
    api.get("/v1/sessions/:id/creds/history", async(this::history));
    api.post("/v1/sessions/:id/creds/rollback", BodyKind.SMALL, async(this::rollback));
  }

  private Future<?> history(RoutingContext ctx) {
    String id = Requests.sessionId(ctx);
    return store.call(StoreAddresses.CREDS_HISTORY, SessionRoutes.ref(ctx)).onSuccess(h ->
        Responses.json(ctx, 200, Representations.credsHistory(id, h.version(), keep, h.history()), h.version()));
  }

  private Future<?> rollback(RoutingContext ctx) {
    String id = Requests.sessionId(ctx);
    JsonObject body = Requests.jsonObject(ctx);
    Bodies.onlyFields(body, ROLLBACK_FIELDS, "the rollback");
    if (body.getValue("version") == null) {
      throw ApiException.badRequest("'version' is required: the version of the kept creds to restore, as "
          + "GET /v1/sessions/" + id + "/creds/history lists them");
    }
    long version = Bodies.wholeNumber(body.getValue("version"), "version", 1, Requests.MAX_VERSION);
    RollbackCreds req = new RollbackCreds(Requests.tenant(ctx), id, version, Requests.ifMatch(ctx), Requests.fence(ctx));
    return store.call(StoreAddresses.ROLLBACK_CREDS, req).onSuccess(w -> Responses.noContent(ctx, w.version()));
  }
}
