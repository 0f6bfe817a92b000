package io.sessiond.http;

import static io.sessiond.http.Responses.async;

import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreRequests.QueryKeys;
import io.sessiond.store.StoreRequests.WriteKeys;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/** The typed key store of a session: query, atomic batch write, clear. */
final class KeyRoutes {
  private final StoreClient store;
  private final int maxKeysPerBatch;

  KeyRoutes(StoreClient store, int maxKeysPerBatch) {
    this.store = store;
    this.maxKeysPerBatch = maxKeysPerBatch;
  }

  void mount(ApiRouter api) {
    BulkWork bulk = api.bulk();
    api.frequent().post("/v1/sessions/:id/keys", BodyKind.KEY_BATCH, async(ctx -> write(ctx, bulk)));
    api.frequent().post("/v1/sessions/:id/keys/query", BodyKind.SMALL, async(this::query));
    api.delete("/v1/sessions/:id/keys", async(this::clear));
  }

  private Future<?> query(RoutingContext ctx) {
    String id = Requests.sessionId(ctx);
    Bodies.KeyQuery q = Bodies.KeyQuery.parse(Requests.jsonObject(ctx));
    return store.call(StoreAddresses.QUERY_KEYS, new QueryKeys(Requests.tenant(ctx), id, q.type(), q.ids()))
        .onSuccess(kv -> Responses.json(ctx, 200, Representations.keyValues(kv.values())));
  }

  /** A batch larger than {@link BulkWork#THRESHOLD} is read on the bulk pool. */
  private Future<?> write(RoutingContext ctx, BulkWork bulk) {
    String id = Requests.sessionId(ctx);
    String tenant = Requests.tenant(ctx);
    long ifMatch = Requests.ifMatch(ctx);
    long fence = Requests.fence(ctx);
    Buffer body = ctx.body().buffer();
    Future<Map<String, Map<String, String>>> batch = BulkWork.large(body)
        ? bulk.run(() -> KeyBatchReader.read(body, maxKeysPerBatch))
        : Future.succeededFuture(KeyBatchReader.read(body, maxKeysPerBatch));
    return batch.compose(b -> store.call(StoreAddresses.WRITE_KEYS, new WriteKeys(tenant, id, b, ifMatch, fence)))
        .onSuccess(w -> Responses.noContent(ctx, w.version()));
  }

  private Future<?> clear(RoutingContext ctx) {
    return store.call(StoreAddresses.CLEAR_KEYS, SessionRoutes.writeRef(ctx))
        .onSuccess(w -> Responses.noContent(ctx, w.version()));
  }
}
