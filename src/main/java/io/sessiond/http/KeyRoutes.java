package io.sessiond.http;

import static io.sessiond.http.Responses.async;

import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreRequests.QueryKeys;
import io.sessiond.store.StoreRequests.WriteKeys;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/** The typed key store of a session: query, atomic batch write, clear. */
final class KeyRoutes {
  private final StoreClient store;

  KeyRoutes(StoreClient store) {
    this.store = store;
  }

  void mount(ApiRouter api) {
    api.frequent().post("/v1/sessions/:id/keys", BodyKind.KEY_BATCH, async(this::write));
    api.frequent().post("/v1/sessions/:id/keys/query", BodyKind.SMALL, async(this::query));
    api.delete("/v1/sessions/:id/keys", async(this::clear));
  }

  private Future<?> query(RoutingContext ctx) {
    String id = Requests.sessionId(ctx);
    Bodies.KeyQuery q = Bodies.KeyQuery.parse(Requests.jsonObject(ctx));
    return store.call(StoreAddresses.QUERY_KEYS, new QueryKeys(Requests.tenant(ctx), id, q.type(), q.ids()))
        .onSuccess(kv -> Responses.json(ctx, 200, Representations.keyValues(kv.values())));
  }

  private Future<?> write(RoutingContext ctx) {
    String id = Requests.sessionId(ctx);
    WriteKeys req = new WriteKeys(Requests.tenant(ctx), id, KeyBatchReader.read(ctx.body().buffer()), Requests.ifMatch(ctx),
        Requests.fence(ctx));
    return store.call(StoreAddresses.WRITE_KEYS, req).onSuccess(w -> Responses.noContent(ctx, w.version()));
  }

  private Future<?> clear(RoutingContext ctx) {
    return store.call(StoreAddresses.CLEAR_KEYS, SessionRoutes.writeRef(ctx))
        .onSuccess(w -> Responses.noContent(ctx, w.version()));
  }
}
