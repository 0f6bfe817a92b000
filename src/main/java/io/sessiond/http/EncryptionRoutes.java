package io.sessiond.http;

import static io.sessiond.http.Responses.async;

import io.sessiond.encryption.SealingStoreClient;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/**
 * Data-key rotation of the caller's tenant: {@code POST /v1/encryption/rotate} makes a new data key
 * current and starts (or resumes) the job that seals every session again under it, 202 with its
 * progress; {@code GET} shows the progress. 409 {@code encryption-off} without a master key.
 */
final class EncryptionRoutes {
  private static final String PATH = "/v1/encryption/rotate";
  private final SealingStoreClient sealing;

  /** @param sealing the edge's sealing store client, or {@code null} when encryption is off */
  EncryptionRoutes(SealingStoreClient sealing) {
    this.sealing = sealing;
  }

  void mount(ApiRouter api) {
    api.post(PATH, BodyKind.NONE, async(this::rotate));
    api.get(PATH, async(this::progress));
  }

  private Future<?> rotate(RoutingContext ctx) {
    return on().startRotation(Requests.tenant(ctx)).onSuccess(job -> {
      ctx.response().putHeader("Location", PATH);
      Responses.json(ctx, 202, job.encode());
    });
  }

  private Future<?> progress(RoutingContext ctx) {
    return on().rotation(Requests.tenant(ctx)).recover(e -> Future.failedFuture(
            e instanceof StoreException se && se.failure() == StoreFailure.NOT_FOUND
                ? new ApiException(404, "no data key rotation has run for this tenant") : e))
        .onSuccess(job -> Responses.json(ctx, 200, job.encode()));
  }

  private SealingStoreClient on() {
    if (sealing == null) {
      throw off();
    }
    return sealing;
  }

  static ApiException off() {
    return new ApiException(409, "encryption at rest is off on this daemon (no ENCRYPTION_KEY)", "encryption-off");
  }
}
