package io.sessiond.tenant;

import java.util.List;

/**
 * The tenants this instance serves now: a {@link TenantRegistry} replaced whole whenever the tenant
 * catalog changes (an administrator created a tenant or revoked a key), so a request reads one
 * consistent snapshot and no lock. Shared by every verticle of an instance.
 */
public final class TenantDirectory {
  private volatile TenantRegistry current;

  public TenantDirectory(List<TenantSpec> tenants) {
    this.current = new TenantRegistry(tenants);
  }

  /** Serves {@code tenants} from now on. */
  public void replace(List<TenantSpec> tenants) {
    current = new TenantRegistry(tenants);
  }

  /** The tenants served now: a snapshot, replaced (never changed) when the catalog changes. */
  public TenantRegistry current() {
    return current;
  }

  /** The tenant owning {@code apiKey}, or {@code null}. */
  public TenantSpec authenticate(String apiKey) {
    return current.authenticate(apiKey);
  }

  /** A tenant's limits; unlimited for an unknown id. */
  public TenantLimits limits(String tenantId) {
    return current.limits(tenantId);
  }

  /** The ids of the tenants served now. */
  public List<String> ids() {
    return current.ids();
  }
}
