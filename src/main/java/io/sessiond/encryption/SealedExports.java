package io.sessiond.encryption;

import io.sessiond.session.StoredMessage;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Opens the values of a sealed export document (format {@code sessiond.session.v1.sealed}) in place:
 * data, creds, kept creds versions, every key value and every message, each with the tenant's keys and bound to the
 * document's session id, so a sealed export imports only as the session, and into the tenant, it was
 * taken from. Anything else in the document is left for the import's own validation.
 */
final class SealedExports {
  private SealedExports() {
  }

  static JsonObject open(TenantSeal seal, JsonObject doc) {
    if (!(doc.getValue("id") instanceof String id)) {
      return doc;
    }
    if (doc.getValue("data") != null) {
      doc.put("data", decode(seal.openData(id, sealed(doc.getValue("data"), "data"))));
    }
    if (doc.getValue("creds") != null) {
      doc.put("creds", decode(seal.openCreds(id, sealed(doc.getValue("creds"), "creds"))));
    }
    if (doc.getValue("credsHistory") instanceof JsonArray history) {
      for (int i = 0; i < history.size(); i++) {
        if (history.getValue(i) instanceof JsonObject h && h.getValue("creds") != null) {
          h.put("creds", decode(seal.openCreds(id, sealed(h.getValue("creds"), "credsHistory[" + i + "].creds"))));
        }
      }
    }
    if (doc.getValue("keys") instanceof JsonObject keys) {
      for (String type : keys.fieldNames()) {
        if (keys.getValue(type) instanceof JsonObject values) {
          for (String keyId : values.fieldNames()) {
            values.put(keyId, decode(seal.openKey(id, type, keyId, sealed(values.getValue(keyId), "keys." + type + "." + keyId))));
          }
        }
      }
    }
    if (doc.getValue("messages") instanceof JsonArray messages) {
      for (int i = 0; i < messages.size(); i++) {
        messages.set(i, message(seal, id, messages.getValue(i), i));
      }
    }
    return doc;
  }

  private static Object message(TenantSeal seal, String id, Object m, int i) {
    if (!(m instanceof JsonObject o) || !(o.getValue("seq") instanceof Number seq) || !(o.getValue("$sealed") instanceof String s)
        || o.size() != 2) {
      throw invalid("messages[" + i + "] is not a sealed message ({\"seq\":n,\"$sealed\":\"…\"})");
    }
    String stored = "{\"seq\":" + seq.longValue() + ",\"$sealed\":" + Json.encode(s) + "}";
    return new JsonObject(seal.openMessage(id, new StoredMessage(seq.longValue(), stored)).json());
  }

  /** The stored text of a sealed value: an object with one member {@code $sealed}. */
  private static String sealed(Object v, String field) {
    if (!(v instanceof JsonObject o) || o.size() != 1 || !(o.getValue("$sealed") instanceof String)) {
      throw invalid("'" + field + "' is not a sealed value ({\"$sealed\":\"…\"})");
    }
    return o.encode();
  }

  private static Object decode(String json) {
    try {
      return Json.decodeValue(json);
    } catch (DecodeException e) {
      throw invalid("a sealed value opened to text that is not JSON");
    }
  }

  private static StoreException invalid(String detail) {
    return new StoreException(StoreFailure.INVALID, "the sealed export: " + detail);
  }
}
