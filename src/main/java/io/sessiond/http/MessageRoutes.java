package io.sessiond.http;

import static io.sessiond.http.Responses.async;

import io.sessiond.store.OnceRequests.AppendOnce;
import io.sessiond.store.OnceRequests.Once;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreRequests.AppendMessages;
import io.sessiond.store.StoreRequests.ReadMessages;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** A session's rolling message window: append one or many, read a page. */
final class MessageRoutes {
  static final int DEFAULT_PAGE = 50;
  static final int MAX_PAGE = 1000;

  private final StoreClient store;

  MessageRoutes(StoreClient store) {
    this.store = store;
  }

  void mount(ApiRouter api) {
    BulkWork bulk = api.bulk();
    api.frequent().post("/v1/sessions/:id/messages", BodyKind.KEY_BATCH, async(ctx -> append(ctx, bulk)));
    api.get("/v1/sessions/:id/messages", async(this::read));
  }

  /** A body larger than {@link BulkWork#THRESHOLD} is parsed and its messages encoded on the bulk pool. */
  private Future<?> append(RoutingContext ctx, BulkWork bulk) {
    String id = Requests.sessionId(ctx);
    long now = System.currentTimeMillis();
    return bulk.forBody(ctx, () -> Bodies.messages(Requests.jsonValue(ctx), now))
        .compose(messages -> append(ctx, new AppendMessages(Requests.tenant(ctx), id, messages, Requests.ifMatch(ctx),
            Requests.fence(ctx))));
  }

  private Future<?> append(RoutingContext ctx, AppendMessages append) {
    Once once = IdempotencyKeys.once(ctx);
    if (once != null) {
      // The store records the outcome under the key in the same atomic step as the append.
      return store.call(StoreAddresses.APPEND_ONCE, new AppendOnce(append, once)).onSuccess(o -> {
        IdempotencyKeys.markReplayed(ctx, o.replayed());
        Responses.json(ctx, 201, Representations.appended(o.result()), o.result().version());
      });
    }
    return store.call(StoreAddresses.APPEND_MESSAGES, append)
        .onSuccess(r -> Responses.json(ctx, 201, Representations.appended(r), r.version()));
  }

  private Future<?> read(RoutingContext ctx) {
    String id = Requests.sessionId(ctx);
    int limit = Requests.intQuery(ctx, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
    long before = Requests.longQuery(ctx, "before", 0, 1, Requests.MAX_VERSION);
    String order = Requests.query(ctx, "order");
    if (order != null && !order.equals("asc") && !order.equals("desc")) {
      throw ApiException.badRequest("query parameter 'order' must be asc or desc");
    }
    ReadMessages req = new ReadMessages(Requests.tenant(ctx), id, before, limit, "asc".equals(order));
    return store.call(StoreAddresses.READ_MESSAGES, req)
        .onSuccess(p -> Responses.json(ctx, 200, Representations.messagePage(p)));
  }
}
