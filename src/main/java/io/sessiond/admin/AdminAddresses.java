package io.sessiond.admin;

/** The event-bus addresses the admin verticle serves; the bodies are the records in {@link AdminRequests}. */
public final class AdminAddresses {
  /** {@link CatalogCommand} → {@link TenantDoc} after the change ({@code null} for a seed). */
  public static final String CHANGE = "sessiond.admin.change";
  /** anything → {@link Catalog} as this replica serves it. */
  public static final String CATALOG = "sessiond.admin.catalog";
  /** {@link AdminRequests.TenantRef} → {@link AdminRequests.Usage}. */
  public static final String USAGE = "sessiond.admin.usage";
  /** {@link AdminRequests.TenantRef} → {@link AdminRequests.Job}: marks the tenant deleted and starts removing its data. */
  public static final String DELETE = "sessiond.admin.delete";
  /** {@link AdminRequests.JobRef} → {@link AdminRequests.Job}. */
  public static final String JOB = "sessiond.admin.job";

  private AdminAddresses() {
  }
}
