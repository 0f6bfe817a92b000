package io.sessiond.encryption;

import io.sessiond.session.MergePatch;
import io.sessiond.session.Session;
import io.sessiond.store.RequestChecks;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests;
import io.sessiond.store.StoreRequests.PatchSession;
import io.sessiond.store.StoreRequests.SessionRef;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * A JSON merge patch of sealed data: the store cannot read what it would patch, so the patch is
 * applied here to the opened data, and the store is sent a patch that replaces the sealed value as a
 * whole, conditional on the version read (compare-and-set). A concurrent write makes it read and
 * apply again, a bounded number of times, unless the client named its own {@code If-Match}.
 */
final class SealedPatch {
  private static final int ATTEMPTS = 8;
  private final SealingStoreClient client;

  SealedPatch(SealingStoreClient client) {
    this.client = client;
  }

  Future<Session> patch(PatchSession r) {
    JsonObject patch = RequestChecks.patchObject(r.patchJson());
    return attempt(r, patch, ATTEMPTS);
  }

  private Future<Session> attempt(PatchSession r, JsonObject patch, int attemptsLeft) {
    return client.raw().call(StoreAddresses.GET, new SessionRef(r.tenant(), r.id())).compose(current -> {
      if (r.ifMatch() != StoreRequests.ANY_VERSION && r.ifMatch() != current.version()) {
        return Future.failedFuture(StoreException.staleVersion(r.ifMatch(), current.version()));
      }
      return client.withKeys(r.tenant(), seal -> {
        String merged = MergePatch.apply(new JsonObject(seal.openData(r.id(), current.dataJson())), patch).encode();
        return new PatchSession(r.tenant(), r.id(), replacing(current.dataJson(), seal.sealData(r.id(), merged)),
            current.version(), r.fence());
      });
    }).compose(sealed -> client.raw().call(StoreAddresses.PATCH, sealed)).recover(e -> {
      boolean raced = e instanceof StoreException se && se.failure() == StoreFailure.VERSION_MISMATCH;
      if (raced && r.ifMatch() == StoreRequests.ANY_VERSION && attemptsLeft > 1) {
        return attempt(r, patch, attemptsLeft - 1);
      }
      return Future.failedFuture(e);
    }).compose(s -> client.withKeys(r.tenant(), seal -> SealingStoreClient.openSession(seal, s)));
  }

  /** A merge patch that turns the stored object {@code old} into exactly {@code replacement}. */
  private static String replacing(String old, String replacement) {
    JsonObject patch = new JsonObject();
    new JsonObject(old).fieldNames().forEach(patch::putNull);
    new JsonObject(replacement).forEach(e -> patch.put(e.getKey(), e.getValue()));
    return patch.encode();
  }
}
