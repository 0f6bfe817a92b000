package io.sessiond.http;

import static io.sessiond.http.Responses.async;

import io.sessiond.session.SessionIds;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreRequests;
import io.sessiond.store.StoreRequests.BlobInfo;
import io.sessiond.store.StoreRequests.BlobList;
import io.sessiond.store.StoreRequests.BlobRef;
import io.sessiond.store.StoreRequests.ReadBlobChunk;
import io.sessiond.store.StoreRequests.SessionRef;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;

/**
 * Binary blobs of a session ({@code PUT/GET/DELETE /v1/sessions/{id}/blobs/{name}}, and the list at
 * {@code GET /v1/sessions/{id}/blobs}), streamed in both directions: an upload is staged chunk by chunk and committed atomically ({@link BlobUploadStream}),
 * a download writes one chunk at a time, waiting for each to be written before reading the next.
 */
final class BlobRoutes {
  private static final String OCTETS = "application/octet-stream";
  private final StoreClient store;
  private final long maxBlobBytes;

  BlobRoutes(StoreClient store, long maxBlobBytes) {
    this.store = store;
    this.maxBlobBytes = maxBlobBytes;
  }

  void mount(ApiRouter api) {
    api.get("/v1/sessions/:id/blobs", async(this::list));
    String path = "/v1/sessions/:id/blobs/:name";
    // BodyKind.NONE: no body handler; the upload reads the request stream itself.
    api.put(path, BodyKind.NONE, async(this::put));
    api.get(path, async(this::get));
    api.delete(path, async(this::delete));
  }

  private Future<?> put(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    ctx.put(Requests.STREAMED_BODY, true);
    request.pause();
    return Future.succeededFuture().compose(v -> upload(ctx, request)).onFailure(t -> closeAfterAnswer(ctx));
  }

  private Future<StoreRequests.BlobWritten> upload(RoutingContext ctx, HttpServerRequest request) {
    String id = Requests.sessionId(ctx);
    String name = blobName(ctx);
    long ifMatch = Requests.ifMatch(ctx);
    long fence = Requests.fence(ctx);
    checkMediaType(request);
    checkLength(request);
    String tenant = Requests.tenant(ctx);
    // Refuse a missing session or a stale If-Match before reading the body, not after 64 MiB.
    return store.call(StoreAddresses.STATUS, new SessionRef(tenant, id))
        .compose(status -> {
          if (ifMatch != StoreRequests.ANY_VERSION && ifMatch != status.version()) {
            return Future.failedFuture(io.sessiond.store.StoreException.staleVersion(ifMatch, status.version()));
          }
          if ("100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
            ctx.response().writeContinue();
          }
          return new BlobUploadStream(request, store, tenant, id, name, ifMatch, fence, maxBlobBytes).run();
        })
        .onSuccess(w -> ctx.response().setStatusCode(w.created() ? 201 : 204)
            .putHeader("ETag", Requests.etag(w.version())).end());
  }

  /** The body may still be arriving when an upload fails: answer, then close rather than read it all. */
  private static void closeAfterAnswer(RoutingContext ctx) {
    if (!ctx.request().isEnded()) {
      ctx.response().putHeader("Connection", "close");
      ctx.response().endHandler(v -> ctx.request().connection().close());
    }
  }

  private void checkMediaType(HttpServerRequest request) {
    String type = request.getHeader("Content-Type");
    String media = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (!media.equals(OCTETS)) {
      throw new ApiException(415, "Content-Type must be " + OCTETS + (type == null ? "" : ", not " + type));
    }
  }

  private void checkLength(HttpServerRequest request) {
    String length = request.getHeader("Content-Length");
    if (length != null) {
      try {
        if (Long.parseLong(length.trim()) > maxBlobBytes) {
          throw new ApiException(413, "the blob is larger than MAX_BLOB_BYTES (" + maxBlobBytes + " bytes)");
        }
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("Content-Length is not a number");
      }
    }
  }

  private Future<?> get(RoutingContext ctx) {
    String id = Requests.sessionId(ctx);
    String name = blobName(ctx);
    String tenant = Requests.tenant(ctx);
    return store.call(StoreAddresses.BLOB_INFO, new BlobRef(tenant, id, name, StoreRequests.ANY_VERSION))
        .compose(info -> {
          HttpServerResponse response = ctx.response().putHeader("ETag", Requests.etag(info.version()));
          if (Requests.notModified(ctx, info.version())) {
            response.setStatusCode(304).end();
            return Future.succeededFuture();
          }
          response.putHeader("Content-Type", OCTETS).putHeader("Content-Length", Long.toString(info.size()));
          streamChunks(ctx, tenant, id, info, 0);
          return Future.succeededFuture();
        });
  }

  /**
   * Writes chunk {@code index} and, once it is written, the next. The status line is already sent,
   * so a failure now (the blob replaced mid-read, the store gone) can only cut the connection: the
   * client sees fewer bytes than Content-Length, never a mix of two blobs.
   */
  private void streamChunks(RoutingContext ctx, String tenant, String id, BlobInfo info, int index) {
    HttpServerResponse response = ctx.response();
    if (index == info.chunks()) {
      response.end();
      return;
    }
    store.call(StoreAddresses.READ_BLOB_CHUNK, new ReadBlobChunk(tenant, id, info.name(), info.generation(), index))
        .compose(chunk -> response.write(chunk.data()))
        .onSuccess(v -> streamChunks(ctx, tenant, id, info, index + 1))
        .onFailure(t -> {
          if (response.headWritten()) {
            response.reset();
          } else {
            response.headers().remove("Content-Length");
            ctx.fail(t);
          }
        });
  }

  /**
   * Every blob of the session in name order. A blob's ETag is the session's version, as its GET
   * answers it, so every entry carries the same one; the list is read atomically with that version.
   */
  private Future<?> list(RoutingContext ctx) {
    SessionRef ref = new SessionRef(Requests.tenant(ctx), Requests.sessionId(ctx));
    return store.call(StoreAddresses.LIST_BLOBS, ref).onSuccess(list -> {
      if (Requests.notModified(ctx, list.version())) {
        Responses.notModified(ctx, list.version());
        return;
      }
      Responses.json(ctx, 200, blobList(list), list.version());
    });
  }

  private static String blobList(BlobList list) {
    JsonArray blobs = new JsonArray();
    for (BlobInfo b : list.blobs()) {
      blobs.add(new JsonObject().put("name", b.name()).put("size", b.size()).put("generation", b.generation())
          .put("etag", Requests.etag(b.version())));
    }
    return new JsonObject().put("version", list.version()).put("blobs", blobs).encode();
  }

  private Future<?> delete(RoutingContext ctx) {
    String id = Requests.sessionId(ctx);
    BlobRef ref = new BlobRef(Requests.tenant(ctx), id, blobName(ctx), Requests.ifMatch(ctx), Requests.fence(ctx));
    return store.call(StoreAddresses.DELETE_BLOB, ref).onSuccess(w -> Responses.noContent(ctx, w.version()));
  }

  private static String blobName(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    if (!SessionIds.isBlobName(name)) {
      throw ApiException.badRequest("blob name must be 1-128 characters of A-Z a-z 0-9 . _ -");
    }
    return name;
  }
}
