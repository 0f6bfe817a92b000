package io.sessiond.admin;

import io.sessiond.tenant.TenantLimits;
import io.sessiond.tenant.TenantSpec;
import java.util.List;

/** A change of the tenant catalog, as the administration API asks for it. Applied by {@link CatalogModel}. */
public sealed interface CatalogCommand {
  /** What the audit log names the action. */
  String action();

  /** The tenant it concerns, or {@code null} (seeding). */
  String tenant();

  record CreateTenant(String tenant, TenantLimits limits) implements CatalogCommand {
    public String action() {
      return "tenant.create";
    }
  }

  /** Limits to change; {@code null} fields keep their value. */
  record UpdateLimits(String tenant, Long maxSessions, Long maxBytesPerSession, Long requestsPerSecond)
      implements CatalogCommand {
    public String action() {
      return "tenant.update";
    }
  }

  /** Marks the tenant deleted and drops its keys; its data is removed by a deletion job. */
  record DeleteTenant(String tenant) implements CatalogCommand {
    public String action() {
      return "tenant.delete";
    }
  }

  record IssueKey(String tenant, String keyId, String sha256) implements CatalogCommand {
    public String action() {
      return "key.issue";
    }
  }

  record RevokeKey(String tenant, String keyId) implements CatalogCommand {
    public String action() {
      return "key.revoke";
    }
  }

  /** The tenants declared in configuration ({@code TENANTS}, {@code conf/tenants.json}). */
  record Seed(List<TenantSpec> tenants) implements CatalogCommand {
    public String action() {
      return "catalog.seed";
    }

    public String tenant() {
      return null;
    }
  }
}
