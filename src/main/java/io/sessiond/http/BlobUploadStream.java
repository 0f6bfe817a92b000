package io.sessiond.http;

import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreRequests;
import io.sessiond.store.StoreRequests.BlobChunk;
import io.sessiond.store.StoreRequests.BlobUpload;
import io.sessiond.store.StoreRequests.BlobWritten;
import io.sessiond.store.StoreRequests.CommitBlob;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.util.UUID;

/**
 * One streamed blob upload: the request body is cut into {@link StoreRequests#BLOB_CHUNK_BYTES}
 * chunks, each staged in the store while the request is paused (so at most one chunk plus one
 * network read is in memory per upload), then committed in one atomic step. Any failure drops the
 * staged chunks; the old blob stays as it was.
 */
final class BlobUploadStream {
  private final HttpServerRequest request;
  private final StoreClient store;
  private final String tenant;
  private final String id;
  private final String name;
  private final long ifMatch;
  private final long fence;
  private final long maxBytes;
  private final String uploadId = UUID.randomUUID().toString();
  private final Promise<BlobWritten> result = Promise.promise();
  private Buffer pending = Buffer.buffer();
  private int chunks;
  private long size;
  private boolean ended;
  private boolean sending;
  private boolean done;

  BlobUploadStream(HttpServerRequest request, StoreClient store, String tenant, String id, String name, long ifMatch, long fence,
                   long maxBytes) {
    this.request = request;
    this.store = store;
    this.tenant = tenant;
    this.id = id;
    this.name = name;
    this.ifMatch = ifMatch;
    this.fence = fence;
    this.maxBytes = maxBytes;
  }

  /** Reads the (paused) request to its end; the commit's result, or the first failure. */
  Future<BlobWritten> run() {
    request.handler(this::data);
    request.endHandler(v -> {
      ended = true;
      pump();
    });
    request.exceptionHandler(this::fail);
    request.resume();
    return result.future();
  }

  private void data(Buffer b) {
    if (done) {
      return;
    }
    size += b.length();
    if (size > maxBytes) {
      fail(new ApiException(413, "the blob is larger than MAX_BLOB_BYTES (" + maxBytes + " bytes)"));
      return;
    }
    pending.appendBuffer(b);
    pump();
  }

  /** Stages the next full chunk (or, at the end, the last partial one), else commits. One store call at a time. */
  private void pump() {
    if (done || sending) {
      return;
    }
    if (pending.length() >= StoreRequests.BLOB_CHUNK_BYTES || (ended && pending.length() > 0)) {
      int n = Math.min(pending.length(), StoreRequests.BLOB_CHUNK_BYTES);
      Buffer chunk = pending.getBuffer(0, n);
      pending = pending.getBuffer(n, pending.length());
      stage(chunk);
    } else if (ended) {
      commit();
    }
  }

  private void stage(Buffer chunk) {
    sending = true;
    request.pause();
    store.call(StoreAddresses.STAGE_BLOB_CHUNK, new BlobChunk(tenant, id, uploadId, chunks++, chunk))
        .onComplete(ar -> {
          sending = false;
          if (ar.failed()) {
            fail(ar.cause());
            return;
          }
          if (!ended) {
            request.resume();
          }
          pump();
        });
  }

  private void commit() {
    done = true;
    store.call(StoreAddresses.COMMIT_BLOB, new CommitBlob(tenant, id, name, uploadId, chunks, size, ifMatch, fence))
        .onSuccess(result::complete)
        .onFailure(t -> {
          abort();
          result.fail(t);
        });
  }

  private void fail(Throwable t) {
    if (done) {
      return;
    }
    done = true;
    abort();
    result.fail(t);
  }

  private void abort() {
    if (chunks > 0) {
      store.call(StoreAddresses.ABORT_BLOB, new BlobUpload(tenant, id, uploadId, chunks));
    }
  }
}
