package io.sessiond.admin;

import io.sessiond.tenant.TenantLimits;
import io.sessiond.tenant.TenantSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One tenant as the catalog keeps it: limits, API keys (digests only), the digests revoked (so that a
 * revoked key declared in {@code TENANTS} is not added back at the next start) and whether it was
 * deleted (a tombstone, for the same reason). Stored as one JSON document per tenant.
 */
public record TenantDoc(String id, TenantLimits limits, long createdAt, List<KeyDoc> keys, Set<String> revoked,
                        boolean deleted) {

  /** One API key: an id to name it by (never secret), its SHA-256 and when it was issued. */
  public record KeyDoc(String id, String sha256, long createdAt) {
  }

  public TenantDoc {
    keys = List.copyOf(keys);
    revoked = Set.copyOf(revoked);
  }

  /** The tenant as the HTTP edge authenticates it; {@code null} for a deleted tenant. */
  TenantSpec spec() {
    return deleted ? null : new TenantSpec(id, keys.stream().map(KeyDoc::sha256).toList(), limits);
  }

  TenantDoc withKeys(List<KeyDoc> k, Set<String> r) {
    return new TenantDoc(id, limits, createdAt, k, r, deleted);
  }

  TenantDoc withLimits(TenantLimits l) {
    return new TenantDoc(id, l, createdAt, keys, revoked, deleted);
  }

  String encode() {
    JsonArray k = new JsonArray();
    keys.forEach(d -> k.add(new JsonObject().put("id", d.id()).put("sha256", d.sha256()).put("createdAt", d.createdAt())));
    return new JsonObject().put("id", id)
        .put("limits", limitsJson(limits))
        .put("createdAt", createdAt).put("keys", k).put("revoked", new JsonArray(List.copyOf(new TreeSet<>(revoked))))
        .put("deleted", deleted).encode();
  }

  static TenantDoc decode(String json) {
    JsonObject o = new JsonObject(json);
    JsonObject l = o.getJsonObject("limits");
    List<KeyDoc> keys = o.getJsonArray("keys").stream().map(JsonObject.class::cast)
        .map(k -> new KeyDoc(k.getString("id"), k.getString("sha256"), k.getLong("createdAt"))).toList();
    Set<String> revoked = new TreeSet<>();
    o.getJsonArray("revoked", new JsonArray()).forEach(d -> revoked.add((String) d));
    return new TenantDoc(o.getString("id"), new TenantLimits(l.getLong("maxSessions"), l.getLong("maxBytesPerSession"),
        l.getLong("requestsPerSecond")), o.getLong("createdAt"), keys, revoked, o.getBoolean("deleted", false));
  }

  static JsonObject limitsJson(TenantLimits limits) {
    return new JsonObject().put("maxSessions", limits.maxSessions())
        .put("maxBytesPerSession", limits.maxBytesPerSession()).put("requestsPerSecond", limits.requestsPerSecond());
  }
}
