package io.sessiond.admin;

/** The records of {@link AdminAddresses}. */
public final class AdminRequests {
  private AdminRequests() {
  }

  public record TenantRef(String tenant) {
  }

  public record JobRef(String id) {
  }

  /**
   * What a tenant uses now.
   *
   * @param sessions sessions counted (all of them unless {@code complete} is false)
   * @param bytes    bytes of those sessions as the byte limit counts them
   * @param requests API requests the tenant made, across replicas, since the catalog first counted it
   * @param complete false when the count stopped at its bound
   */
  public record Usage(String tenant, long sessions, long bytes, long requests, boolean complete) {
  }

  /** A tenant deletion job: where it is, and how much it removed. */
  public record Job(String id, String type, String tenant, String state, String phase, long deletedSessions,
                    long startedAt, long finishedAt, String error) {
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
  }
}
