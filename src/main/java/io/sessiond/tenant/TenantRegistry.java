package io.sessiond.tenant;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A set of tenants, looked up by the digest of a presented API key. Immutable, so
 * every HTTP verticle instance can share one.
 */
public final class TenantRegistry {
  private final Map<String, TenantSpec> byDigest = new HashMap<>();
  private final Map<String, TenantSpec> byId = new HashMap<>();

  public TenantRegistry(List<TenantSpec> tenants) {
    for (TenantSpec t : tenants) {
      byId.put(t.id(), t);
      t.keyDigests().forEach(d -> byDigest.put(d, t));
    }
  }

  /** The tenant owning {@code apiKey}, or {@code null}. */
  public TenantSpec authenticate(String apiKey) {
    return byDigest.get(ApiKeys.digest(apiKey));
  }

  /** A tenant's limits; unlimited for an unknown id. */
  public TenantLimits limits(String tenantId) {
    TenantSpec t = byId.get(tenantId);
    return t == null ? TenantLimits.UNLIMITED : t.limits();
  }

  public int size() {
    return byId.size();
  }

  /** The tenant ids, sorted. */
  public java.util.List<String> ids() {
    return byId.keySet().stream().sorted().toList();
  }
}
