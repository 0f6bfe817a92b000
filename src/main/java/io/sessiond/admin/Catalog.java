package io.sessiond.admin;

import io.sessiond.tenant.TenantSpec;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The tenant catalog as read at one version: every tenant document by id, deleted ones included.
 *
 * @param version the catalog's change counter; it grows with every change, which is what replicas poll
 */
public record Catalog(long version, Map<String, TenantDoc> tenants) {
  public static final Catalog EMPTY = new Catalog(0, Map.of());

  public Catalog {
    tenants = Map.copyOf(tenants);
  }

  /** The tenants to serve: every tenant not deleted. */
  public List<TenantSpec> specs() {
    return tenants.values().stream().map(TenantDoc::spec).filter(Objects::nonNull).toList();
  }

  /** The live tenant with this id, or {@code null}. */
  TenantDoc live(String id) {
    TenantDoc d = tenants.get(id);
    return d == null || d.deleted() ? null : d;
  }

  /** The live tenant holding a key with this digest, or {@code null}. */
  String ownerOf(String digest) {
    for (TenantDoc d : tenants.values()) {
      if (!d.deleted() && d.keys().stream().anyMatch(k -> k.sha256().equals(digest))) {
        return d.id();
      }
    }
    return null;
  }
}
