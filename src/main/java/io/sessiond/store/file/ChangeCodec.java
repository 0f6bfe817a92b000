package io.sessiond.store.file;

import io.sessiond.store.memory.StoreChange;
import io.sessiond.store.memory.StoredBlob;
import io.sessiond.session.CredsVersion;
import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.SessionState;
import io.sessiond.session.StoredMessage;
import io.sessiond.store.memory.StoreChange.BlobChunkStaged;
import io.sessiond.store.memory.StoreChange.BlobCommitted;
import io.sessiond.store.memory.StoreChange.BlobDeleted;
import io.sessiond.store.memory.StoreChange.BlobUploadDropped;
import io.sessiond.store.memory.StoreChange.Deleted;
import io.sessiond.store.memory.StoreChange.DocumentWritten;
import io.sessiond.store.memory.StoreChange.Imported;
import io.sessiond.store.memory.StoreChange.KeysCleared;
import io.sessiond.store.memory.StoreChange.KeysWritten;
import io.sessiond.store.memory.StoreChange.MessagesAppended;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The file store's record encoding: one compact JSON object per {@link StoreChange}. Data, creds,
 * key values and messages travel as JSON strings holding the stored text, so they come back byte
 * for byte, whatever number formatting or member order they had.
 */
final class ChangeCodec {
  private ChangeCodec() {
  }

  static byte[] encode(StoreChange change) {
    JsonObject json = new JsonObject().put("tenant", change.tenant());
    if (change instanceof DocumentWritten c) {
      json.put("op", "document").put("session", session(c.session()));
    } else if (change instanceof StoreChange.CredsWritten c) {
      json.put("op", "creds").put("session", session(c.session())).put("history", history(c.history()));
    } else if (change instanceof KeysWritten c) {
      json.put("op", "keys").put("session", session(c.session())).put("batch", keys(c.batch()));
    } else if (change instanceof KeysCleared c) {
      json.put("op", "clear-keys").put("session", session(c.session()));
    } else if (change instanceof MessagesAppended c) {
      json.put("op", "append").put("session", session(c.session())).put("messages", messages(c.appended()))
          .put("window", c.windowSize());
    } else if (change instanceof Deleted c) {
      json.put("op", "delete").put("id", c.id());
    } else if (change instanceof Imported c) {
      json.put("op", "import").put("session", session(c.export().session())).put("keys", keys(c.export().keys()))
          .put("messages", messages(c.export().messages())).put("nextSeq", c.nextSeq());
      if (!c.export().credsHistory().isEmpty()) {
        json.put("history", history(c.export().credsHistory()));
      }
      if (!c.blobs().isEmpty()) {
        json.put("blobs", blobs(c.blobs()));
      }
    } else if (change instanceof BlobChunkStaged c) {
      json.put("op", "blob-chunk").put("id", c.id()).put("upload", c.uploadId()).put("index", c.index())
          .put("data", c.data().getBytes());
    } else if (change instanceof BlobCommitted c) {
      json.put("op", "blob-commit").put("session", session(c.session())).put("name", c.name())
          .put("upload", c.uploadId()).put("chunks", c.chunks()).put("size", c.size());
    } else if (change instanceof BlobUploadDropped c) {
      json.put("op", "blob-drop").put("id", c.id()).put("upload", c.uploadId());
    } else if (change instanceof BlobDeleted c) {
      json.put("op", "blob-delete").put("session", session(c.session())).put("name", c.name());
    } else {
      throw new IllegalArgumentException("unknown change " + change.getClass().getSimpleName());
    }
    return json.toBuffer().getBytes();
  }

  /** The change a record holds; {@link IllegalArgumentException} when it is not one. */
  static StoreChange decode(byte[] record) {
    JsonObject json = new JsonObject(Buffer.buffer(record));
    String tenant = json.getString("tenant");
    String op = json.getString("op", "");
    return switch (op) {
      case "document" -> new DocumentWritten(tenant, session(json.getJsonObject("session")));
      case "creds" -> new StoreChange.CredsWritten(tenant, session(json.getJsonObject("session")),
          history(json.getJsonArray("history")));
      case "keys" -> new KeysWritten(tenant, session(json.getJsonObject("session")), keys(json.getJsonObject("batch")));
      case "clear-keys" -> new KeysCleared(tenant, session(json.getJsonObject("session")));
      case "append" -> new MessagesAppended(tenant, session(json.getJsonObject("session")),
          messages(json.getJsonArray("messages")), json.getInteger("window"));
      case "delete" -> new Deleted(tenant, json.getString("id"));
      case "import" -> new Imported(tenant, new SessionExport(session(json.getJsonObject("session")),
          keys(json.getJsonObject("keys")), messages(json.getJsonArray("messages")),
          history(json.getJsonArray("history", new JsonArray()))), json.getLong("nextSeq"),
          blobs(json.getJsonObject("blobs", new JsonObject())));
      case "blob-chunk" -> new BlobChunkStaged(tenant, json.getString("id"), json.getString("upload"),
          json.getInteger("index"), Buffer.buffer(json.getBinary("data")));
      case "blob-commit" -> new BlobCommitted(tenant, session(json.getJsonObject("session")), json.getString("name"),
          json.getString("upload"), json.getInteger("chunks"), json.getLong("size"));
      case "blob-drop" -> new BlobUploadDropped(tenant, json.getString("id"), json.getString("upload"));
      case "blob-delete" -> new BlobDeleted(tenant, session(json.getJsonObject("session")), json.getString("name"));
      default -> throw new IllegalArgumentException("unknown record op '" + op + "'");
    };
  }

  private static JsonObject session(Session s) {
    return new JsonObject()
        .put("id", s.id()).put("state", s.state().wire()).put("data", s.dataJson()).put("creds", s.credsJson())
        .put("version", s.version()).put("createdAt", s.createdAt()).put("updatedAt", s.updatedAt())
        .put("lastActivityAt", s.lastActivityAt()).put("ttlSeconds", s.ttlSeconds()).put("expiresAt", s.expiresAt());
  }

  private static Session session(JsonObject j) {
    SessionState state = SessionState.parse(j.getString("state"));
    if (state == null) {
      throw new IllegalArgumentException("record names no known state");
    }
    return new Session(j.getString("id"), state, j.getString("data"), j.getString("creds"), j.getLong("version"),
        j.getLong("createdAt"), j.getLong("updatedAt"), j.getLong("lastActivityAt"), j.getLong("ttlSeconds"),
        j.getLong("expiresAt"));
  }

  /** type → keyId → value; a {@code null} value (a deletion in a batch) is kept as JSON null. */
  private static JsonObject keys(Map<String, Map<String, String>> keys) {
    JsonObject json = new JsonObject();
    keys.forEach((type, values) -> {
      JsonObject ofType = new JsonObject();
      values.forEach(ofType::put);
      json.put(type, ofType);
    });
    return json;
  }

  private static Map<String, Map<String, String>> keys(JsonObject json) {
    Map<String, Map<String, String>> keys = new TreeMap<>();
    for (String type : json.fieldNames()) {
      JsonObject ofType = json.getJsonObject(type);
      Map<String, String> values = new LinkedHashMap<>();
      for (String keyId : ofType.fieldNames()) {
        values.put(keyId, ofType.getString(keyId));
      }
      keys.put(type, Collections.unmodifiableMap(values));
    }
    return keys;
  }

  /** name → {generation, size, chunks: [base64...]}. */
  private static JsonObject blobs(Map<String, StoredBlob> blobs) {
    JsonObject json = new JsonObject();
    blobs.forEach((name, blob) -> {
      JsonArray chunks = new JsonArray();
      blob.chunks().forEach(chunk -> chunks.add(chunk.getBytes()));
      json.put(name, new JsonObject().put("generation", blob.generation()).put("size", blob.size()).put("chunks", chunks));
    });
    return json;
  }

  private static Map<String, StoredBlob> blobs(JsonObject json) {
    Map<String, StoredBlob> blobs = new TreeMap<>();
    for (String name : json.fieldNames()) {
      JsonObject blob = json.getJsonObject(name);
      JsonArray chunks = blob.getJsonArray("chunks");
      List<Buffer> data = new ArrayList<>(chunks.size());
      for (int i = 0; i < chunks.size(); i++) {
        data.add(Buffer.buffer(chunks.getBinary(i)));
      }
      blobs.put(name, new StoredBlob(blob.getString("generation"), blob.getLong("size"), data));
    }
    return blobs;
  }

  /** Kept creds versions as [version, writtenAt, creds text], newest first. */
  private static JsonArray history(List<CredsVersion> history) {
    JsonArray json = new JsonArray();
    history.forEach(v -> json.add(new JsonArray().add(v.version()).add(v.writtenAt()).add(v.credsJson())));
    return json;
  }

  private static List<CredsVersion> history(JsonArray json) {
    List<CredsVersion> history = new ArrayList<>(json.size());
    for (int i = 0; i < json.size(); i++) {
      JsonArray v = json.getJsonArray(i);
      history.add(new CredsVersion(v.getLong(0), v.getLong(1), v.getString(2)));
    }
    return List.copyOf(history);
  }

  private static JsonArray messages(List<StoredMessage> messages) {
    JsonArray json = new JsonArray();
    messages.forEach(m -> json.add(new JsonArray().add(m.seq()).add(m.json())));
    return json;
  }

  private static List<StoredMessage> messages(JsonArray json) {
    List<StoredMessage> messages = new ArrayList<>(json.size());
    for (int i = 0; i < json.size(); i++) {
      JsonArray pair = json.getJsonArray(i);
      messages.add(new StoredMessage(pair.getLong(0), pair.getString(1)));
    }
    return List.copyOf(messages);
  }
}
