package io.sessiond.store;

import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.SessionIds;
import io.sessiond.session.StoredMessage;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * The checks an embedded backend makes on a request before touching anything. The HTTP edge
 * validates first; these guard the store's own invariants (a message must be a JSON object text, a
 * key batch must name valid types and ids) so that a caller's bug is a 400, not a corrupt session.
 */
public final class RequestChecks {
  private RequestChecks() {
  }

  public static StoreException invalid(String detail) {
    return new StoreException(StoreFailure.INVALID, detail);
  }

  public static void sessionId(String id) {
    if (!SessionIds.isSessionId(id)) {
      throw invalid("session id must be 1-128 characters of A-Za-z0-9._@:+-");
    }
  }

  public static void blobName(String name) {
    if (!SessionIds.isBlobName(name)) {
      throw invalid("blob name must be 1-128 characters of A-Za-z0-9._-");
    }
  }

  public static void uploadId(String uploadId) {
    if (!SessionIds.isBlobName(uploadId)) {
      throw invalid("upload id must be 1-128 characters of A-Za-z0-9._-");
    }
  }

  /** A chunk index within the limits a blob can have, and its data no longer than a chunk (sealed, maybe). */
  public static void blobChunk(StoreRequests.BlobChunk c) {
    uploadId(c.uploadId());
    if (c.index() < 0 || c.data() == null
        || c.data().length() > StoreRequests.BLOB_CHUNK_BYTES + StoreRequests.BLOB_CHUNK_SEAL_BYTES) {
      throw invalid("a blob chunk needs an index from 0 and at most " + StoreRequests.BLOB_CHUNK_BYTES + " bytes");
    }
  }

  public static void blobCommit(StoreRequests.CommitBlob c) {
    blobName(c.name());
    uploadId(c.uploadId());
    long max = (long) c.chunks() * StoreRequests.BLOB_CHUNK_BYTES;
    if (c.chunks() < 0 || c.size() < 0 || c.size() > max || (c.chunks() > 0 && c.size() <= max - StoreRequests.BLOB_CHUNK_BYTES)) {
      throw invalid("a blob of " + c.size() + " bytes cannot have " + c.chunks() + " chunks");
    }
  }

  public static void ttl(Long ttlSeconds) {
    if (ttlSeconds != null && ttlSeconds < 0) {
      throw invalid("ttlSeconds must be 0 or more");
    }
  }

  /**
   * Sessions one page request may look at, whatever its filter: a listing filtered by a state few
   * sessions have returns a shorter (even empty) page with a cursor after this many, instead of
   * scanning a whole tenant in one request.
   */
  public static final int MAX_SCANNED_PER_PAGE = 2_000;

  public static void pageLimit(int limit) {
    if (limit < 1) {
      throw invalid("limit must be at least 1");
    }
  }

  /** A listing's limit, and its prefix: none, or itself a session id (so its range is ASCII). */
  public static void listing(StoreRequests.ListSessions r) {
    pageLimit(r.limit());
    if (r.prefix() != null && !SessionIds.isSessionId(r.prefix())) {
      throw invalid("prefix must be 1-128 characters of A-Za-z0-9._@:+-");
    }
  }

  public static JsonObject patchObject(String patchJson) {
    Object patch;
    try {
      patch = patchJson == null ? null : Json.decodeValue(patchJson);
    } catch (DecodeException e) {
      throw invalid("the merge patch is not valid JSON");
    }
    if (!(patch instanceof JsonObject object)) {
      throw invalid("a merge patch of session data must be a JSON object");
    }
    return object;
  }

  public static void credsText(String credsJson) {
    if (credsJson == null) {
      throw invalid("creds are required ('null' clears them)");
    }
  }

  public static void keyBatch(Map<String, Map<String, String>> batch) {
    if (batch == null) {
      throw invalid("a key batch is required");
    }
    batch.forEach((type, values) -> {
      keyType(type);
      if (values == null) {
        throw invalid("key type '" + type + "' maps to no object");
      }
      values.keySet().forEach(RequestChecks::keyId);
    });
  }

  public static void keyType(String type) {
    if (!SessionIds.isKeyType(type)) {
      throw invalid("key type must be 1-64 characters of a-z0-9-");
    }
  }

  public static void keyId(String keyId) {
    if (!SessionIds.isKeyId(keyId)) {
      throw invalid("key id must be 1-" + SessionIds.MAX_KEY_ID_LENGTH + " characters");
    }
  }

  public static void messages(List<String> messagesJson) {
    if (messagesJson == null || messagesJson.isEmpty()) {
      throw invalid("at least one message is required");
    }
    for (String json : messagesJson) {
      if (json == null || !json.startsWith("{") || !json.endsWith("}")) {
        throw invalid("each message must be a compact JSON object");
      }
    }
  }

  public static void export(SessionExport export) {
    if (export == null || export.session() == null) {
      throw invalid("the export holds no session");
    }
    Session session = export.session();
    sessionId(session.id());
    if (session.state() == null || session.dataJson() == null) {
      throw invalid("the exported session needs a state and data");
    }
    ttl(session.ttlSeconds());
    if (export.keys() instanceof FramedKeys framed) {
      framed.check(); // without decoding the keys a direct restore copies as they are
    } else {
      keyBatch(export.keys() == null ? Map.of() : export.keys());
      if (export.keys() != null) {
        export.keys().values().forEach(values -> values.values().forEach(value -> {
          if (value == null) {
            throw invalid("an exported key value cannot be null");
          }
        }));
      }
    }
    if (export.messages() instanceof FramedMessages framed) {
      framed.check();
    } else {
      exportedMessages(export.messages() == null ? List.of() : export.messages());
    }
  }

  private static void exportedMessages(List<StoredMessage> messages) {
    long previous = 0;
    for (StoredMessage message : messages) {
      if (message == null || message.json() == null || message.seq() <= previous) {
        throw invalid("exported messages need increasing positive seq numbers, oldest first");
      }
      previous = message.seq();
    }
  }

  /** Creds as stored: the JSON text {@code null} means none. */
  public static String clearable(String credsJson) {
    return credsJson == null || credsJson.equals("null") ? null : credsJson;
  }
}
