package io.sessiond.http;

import static io.sessiond.http.Responses.async;

import io.sessiond.webhook.Webhook;
import io.sessiond.webhook.WebhookException;
import io.sessiond.webhook.Webhooks;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /v1/webhooks}: the caller's tenant's webhooks (register, list, read, delete) and each one's dead
 * letters (docs/events.md). Where webhooks are off (Redis Cluster, change events off, {@code WEBHOOKS_ENABLED=false})
 * every endpoint answers 501 naming the reason.
 */
final class WebhookRoutes {
  private static final int MAX_DEAD_LETTERS = 1_000;
  private final Webhooks webhooks;

  /** @param webhooks the tenant webhooks ({@link Webhooks#unavailable()} says when they are off) */
  WebhookRoutes(Webhooks webhooks) {
    this.webhooks = webhooks;
  }

  void mount(ApiRouter api) {
    api.post("/v1/webhooks", BodyKind.SMALL, async(this::create));
    api.get("/v1/webhooks", async(this::list));
    api.get("/v1/webhooks/:webhookId", async(this::get));
    api.delete("/v1/webhooks/:webhookId", async(this::delete));
    api.get("/v1/webhooks/:webhookId/dead-letters", async(this::deadLetters));
  }

  private Webhooks on() {
    String off = webhooks.unavailable();
    if (off != null) {
      throw new ApiException(501, off);
    }
    return webhooks;
  }

  private Future<?> create(RoutingContext ctx) {
    Webhooks w = on();
    JsonObject body = Requests.jsonObject(ctx);
    return refused(ctx, w.create(Requests.tenant(ctx), body)).onSuccess(created -> {
      ctx.response().putHeader("Location", "/v1/webhooks/" + created.getString("id"));
      Responses.json(ctx, 201, created.encode());
    });
  }

  private Future<?> list(RoutingContext ctx) {
    return refused(ctx, on().list(Requests.tenant(ctx))).onSuccess(all -> {
      JsonArray out = new JsonArray();
      all.forEach(h -> out.add(h.view()));
      Responses.json(ctx, 200, new JsonObject().put("webhooks", out).encode());
    });
  }

  private Future<?> get(RoutingContext ctx) {
    return refused(ctx, on().get(Requests.tenant(ctx), ctx.pathParam("webhookId")))
        .onSuccess(h -> Responses.json(ctx, 200, h.view().encode()));
  }

  private Future<?> delete(RoutingContext ctx) {
    return refused(ctx, on().delete(Requests.tenant(ctx), ctx.pathParam("webhookId"))).onSuccess(v -> Responses.noContent(ctx));
  }

  private Future<?> deadLetters(RoutingContext ctx) {
    String limit = Requests.query(ctx, "limit");
    int max = limit == null ? 100 : (int) Bodies.wholeNumber(parse(limit), "limit", 1, MAX_DEAD_LETTERS);
    return refused(ctx, on().deadLetters(Requests.tenant(ctx), ctx.pathParam("webhookId"), max))
        .onSuccess(letters -> Responses.json(ctx, 200, new JsonObject().put("deadLetters", new JsonArray(letters)).encode()));
  }

  private static Object parse(String limit) {
    try {
      return Long.parseLong(limit);
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("query parameter 'limit' must be a whole number from 1 to " + MAX_DEAD_LETTERS);
    }
  }

  /** A refused webhook request as the API answers it; a Redis failure as 503. */
  private static <T> Future<T> refused(RoutingContext ctx, Future<T> f) {
    return f.recover(e -> {
      if (e instanceof WebhookException w) {
        return Future.failedFuture(switch (w.kind()) {
          case INVALID -> ApiException.badRequest(w.getMessage());
          case NOT_FOUND -> new ApiException(404, w.getMessage());
          case LIMIT -> new ApiException(429, w.getMessage(), "limit-reached");
          case REFUSED -> new ApiException(422, w.getMessage(), "refused-address");
        });
      }
      if (e instanceof ApiException) {
        return Future.failedFuture(e);
      }
      ctx.response().putHeader("Retry-After", "1");
      return Future.failedFuture(new ApiException(503, "the webhook registry did not answer: " + e.getMessage()));
    });
  }
}
