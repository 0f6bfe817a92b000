package io.sessiond.sync;

/** Every event-bus address the sync verticle serves; the one place these strings are written. */
public final class SyncAddresses {
  private static final String PREFIX = "sessiond.sync.";

  /** Request (any body) → reply {@link SyncStatus}: restore progress, backlog, lag, whether PostgreSQL answers. */
  public static final String STATUS = PREFIX + "status";
  /** Request {@link SyncRequests.StartRestore} → reply {@link SyncRequests.RestoreJob} (the job just started). */
  public static final String RESTORE = PREFIX + "restore";
  /** Request {@link SyncRequests.JobRef} → reply {@link SyncRequests.RestoreJob}; fails {@link SyncFailure#JOB_NOT_FOUND} when unknown. */
  public static final String JOB = PREFIX + "job";

  /** Request {@link SyncRequests.Persist} → empty reply once committed in PostgreSQL; fails {@link SyncFailure#POSTGRES_UNAVAILABLE} otherwise. */
  public static final String PERSIST = PREFIX + "persist";

  /**
   * Request {@link SyncRequests.RestoreSession} → reply {@code Boolean} (whether PostgreSQL held it and
   * it was imported): while Redis is refilled, a session a request needs is restored first.
   */
  public static final String RESTORE_SESSION = PREFIX + "restore-session";

  /**
   * Request {@link SyncRequests.StartRestore} → reply {@code Long} (sessions imported) once every live
   * session PostgreSQL holds for that tenant is in the store (those the store holds as new or newer
   * are left alone); for small tenants only, as the reply waits for the whole restore.
   */
  public static final String RESTORE_TENANT_NOW = PREFIX + "restore-tenant-now";

  /**
   * Request (any body) → reply {@code Boolean}: checks now whether Redis came back empty (a request
   * found no session); whether a refill runs.
   */
  public static final String CHECK_EPOCH = PREFIX + "check-epoch";

  /**
   * Request {@link SyncRequests.QuarantineQuery} → reply {@link SyncRequests.QuarantineState}: whether
   * PostgreSQL refuses the session's changes, and since when.
   */
  public static final String QUARANTINE = PREFIX + "quarantine";

  /**
   * Request {@link BusChangeFeed.FeedCall} → the call's result: one call of the store's
   * {@link ChangeFeed}, served by the store verticle beside its store ({@link ChangeFeedService}).
   */
  public static final String FEED = PREFIX + "feed";

  private SyncAddresses() {
  }
}
