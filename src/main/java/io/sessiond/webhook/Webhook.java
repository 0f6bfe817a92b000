package io.sessiond.webhook;

import io.sessiond.store.EventType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

/**
 * A tenant's registration of a URL for its change events.
 *
 * @param id        the webhook's id (random, URL-safe)
 * @param tenant    whose events it receives
 * @param url       where they are POSTed (http or https)
 * @param types     which event types it receives (every type when all are named)
 * @param secret    the key of each delivery's HMAC-SHA256 signature
 * @param createdAt when it was registered, epoch ms
 */
public record Webhook(String id, String tenant, String url, Set<EventType> types, String secret, long createdAt) {

  /** Whether it receives events of this type. */
  public boolean wants(EventType type) {
    return types.contains(type);
  }

  /** As stored: every field, the secret included. */
  String stored(SecretSeal seal) {
    return view().put("tenant", tenant).put("secret", seal.seal(tenant, id, secret)).encode();
  }

  static Webhook parse(String json, SecretSeal seal) {
    JsonObject o = new JsonObject(json);
    Set<EventType> types = EnumSet.noneOf(EventType.class);
    for (Object t : o.getJsonArray("types")) {
      EventType type = EventType.fromWire(t.toString());
      if (type != null) {
        types.add(type);
      }
    }
    String secret = o.getString("secret");
    if (secret != null && secret.startsWith(SecretSeal.SEALED)) {
      secret = seal.open(o.getString("tenant"), o.getString("id"), secret);
    }
    return new Webhook(o.getString("id"), o.getString("tenant"), o.getString("url"), types, secret,
        Instant.parse(o.getString("createdAt")).toEpochMilli());
  }

  /** As the API shows it: never the secret. */
  public JsonObject view() {
    JsonArray t = new JsonArray();
    types.forEach(type -> t.add(type.wire()));
    return new JsonObject().put("id", id).put("url", url).put("types", t)
        .put("createdAt", Instant.ofEpochMilli(createdAt).toString());
  }
}
