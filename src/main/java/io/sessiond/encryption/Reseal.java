package io.sessiond.encryption;

import io.sessiond.session.SessionExport;
import io.sessiond.session.StoredMessage;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests.BlobChunk;
import io.sessiond.store.StoreRequests.BlobInfo;
import io.sessiond.store.StoreRequests.BlobUpload;
import io.sessiond.store.StoreRequests.CommitBlob;
import io.sessiond.store.StoreRequests.ImportSession;
import io.sessiond.store.StoreRequests.ReadBlobChunk;
import io.sessiond.store.StoreRequests.SessionRef;
import io.vertx.core.Future;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Seals one session again under the tenant's current data key, while clients keep writing to it.
 * Values: the session is exported as stored, opened, sealed and imported back with {@code If-Match}
 * = the exported version (blobs kept), so a concurrent write makes it start over instead of being
 * lost. Blobs: each blob under an older key is copied chunk by chunk into a new upload and committed
 * over itself with {@code If-Match}, the same way. A session with nothing under an older key is not
 * written at all.
 */
final class Reseal {
  private static final int ATTEMPTS = 50;
  private final SealingStoreClient client;
  private final String tenant;

  Reseal(SealingStoreClient client, String tenant) {
    this.client = client;
    this.tenant = tenant;
  }

  /** Whether anything of the session was sealed again; a session deleted meanwhile is skipped. */
  Future<Boolean> session(String id) {
    return values(id, ATTEMPTS).compose(changed -> blobs(id, ATTEMPTS).map(b -> changed || b))
        .recover(e -> Keyring.notFound(e) ? Future.succeededFuture(false) : Future.failedFuture(e));
  }

  private Future<Boolean> values(String id, int attempts) {
    return client.raw().call(StoreAddresses.EXPORT, new SessionRef(tenant, id)).compose(stored ->
        client.withKeys(tenant, seal -> stale(seal.currentKeyId(), stored)
            ? new ImportSession(tenant, SealingStoreClient.sealExport(seal, SealingStoreClient.openExport(seal, stored)),
                stored.session().version(), true)
            : null))
        .compose(imp -> imp == null ? Future.succeededFuture(false)
            : client.raw().call(StoreAddresses.IMPORT, imp).map(true))
        .recover(e -> raced(e) && attempts > 1 ? values(id, attempts - 1) : Future.failedFuture(e));
  }

  /** Reseals the first blob under an older key, then looks again, until none is left. */
  private Future<Boolean> blobs(String id, int attempts) {
    return client.raw().call(StoreAddresses.LIST_BLOBS, new SessionRef(tenant, id)).compose(list ->
        client.keyring().keys(client.raw(), tenant).compose(keys -> firstStale(id, list.blobs(), 0, keys.current())
            .compose(blob -> blob == null ? Future.succeededFuture(false)
                : blob(id, blob, list.version()).map(true).recover(e -> raced(e) && attempts > 1
                    ? Future.succeededFuture(true) : Future.failedFuture(e))
                .compose(v -> attempts > 1 ? blobs(id, attempts - 1).map(true)
                    : Future.failedFuture("session " + id + " keeps changing its blobs")))));
  }

  private Future<BlobInfo> firstStale(String id, java.util.List<BlobInfo> blobs, int i, String current) {
    if (i == blobs.size()) {
      return Future.succeededFuture(null);
    }
    BlobInfo b = blobs.get(i);
    if (b.chunks() == 0) {
      return firstStale(id, blobs, i + 1, current);
    }
    return client.raw().call(StoreAddresses.READ_BLOB_CHUNK, new ReadBlobChunk(tenant, id, b.name(), b.generation(), 0))
        .compose(d -> Objects.equals(TenantSeal.keyIdOfChunk(d.data()), current)
            ? firstStale(id, blobs, i + 1, current) : Future.succeededFuture(b));
  }

  private Future<Void> blob(String id, BlobInfo b, long version) {
    String upload = UUID.randomUUID().toString();
    Future<Void> staged = Future.succeededFuture();
    for (int i = 0; i < b.chunks(); i++) {
      int index = i;
      staged = staged.compose(v -> client.raw().call(StoreAddresses.READ_BLOB_CHUNK,
              new ReadBlobChunk(tenant, id, b.name(), b.generation(), index))
          .compose(d -> client.withKeys(tenant, seal -> new BlobChunk(tenant, id, upload, index,
              seal.sealChunk(id, upload, index, seal.openChunk(id, b.generation(), index, d.data())))))
          .compose(chunk -> client.raw().call(StoreAddresses.STAGE_BLOB_CHUNK, chunk)));
    }
    return staged.compose(v -> client.raw().call(StoreAddresses.COMMIT_BLOB,
            new CommitBlob(tenant, id, b.name(), upload, b.chunks(), b.size(), version)))
        .<Void>mapEmpty()
        .recover(e -> client.raw().call(StoreAddresses.ABORT_BLOB, new BlobUpload(tenant, id, upload, b.chunks()))
            .transform(ar -> Future.failedFuture(e)));
  }

  /** Whether any value of the stored session is in plain form or under another key than {@code current}. */
  static boolean stale(String current, SessionExport e) {
    if (!current.equals(TenantSeal.keyIdOf(e.session().dataJson()))) {
      return true;
    }
    if (e.session().credsJson() != null && !current.equals(TenantSeal.keyIdOf(e.session().credsJson()))) {
      return true;
    }
    for (Map<String, String> values : e.keys().values()) {
      for (String v : values.values()) {
        if (!current.equals(TenantSeal.keyIdOf(v))) {
          return true;
        }
      }
    }
    for (io.sessiond.session.CredsVersion v : e.credsHistory()) {
      if (!current.equals(TenantSeal.keyIdOf(v.credsJson()))) {
        return true;
      }
    }
    for (StoredMessage m : e.messages()) {
      if (!current.equals(TenantSeal.keyIdOfMessage(m))) {
        return true;
      }
    }
    return false;
  }

  private static boolean raced(Throwable e) {
    return e instanceof StoreException se && se.failure() == StoreFailure.VERSION_MISMATCH;
  }
}
