package io.sessiond.sync;

/** The request and reply records of {@link SyncAddresses}. */
public final class SyncRequests {
  private SyncRequests() {
  }

  /**
   * Write-through: put one session's current state into PostgreSQL now; {@code export} is
   * {@code null} when the session was deleted at ({@code deletedCreatedAt}, {@code deletedVersion}).
   * {@code epoch} is Redis's epoch as the daemon knew it before the write ({@code null}: not known
   * yet): the commit is refused unless PostgreSQL still takes changes of that epoch.
   */
  public record Persist(String tenant, String id, io.sessiond.session.SessionExport export, long deletedCreatedAt,
                        long deletedVersion, String epoch) {
  }

  /** Start a restore of one tenant's sessions from PostgreSQL. */
  public record StartRestore(String tenant) {
  }

  /** Names one job of one tenant. */
  public record JobRef(String tenant, String id) {
  }

  /**
   * A restore job's progress and outcome.
   *
   * @param state      running, succeeded or failed
   * @param total      live sessions found in PostgreSQL when the job started
   * @param restored   sessions written into Redis
   * @param skipped    sessions Redis already held at the same or a newer version
   * @param failed     rows that could not be restored (reported in the log, skipped)
   * @param error      why the job failed, or {@code null}
   */
  public record RestoreJob(String id, String tenant, String state, long total, long restored, long skipped, long failed,
                           long startedAt, long finishedAt, String error) {
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
  }

  /** Is this session quarantined? */
  public record QuarantineQuery(String tenant, String id) {
  }

  /**
   * A session's quarantine: {@code detailJson} ({@code error}, {@code since}, {@code attempts},
   * {@code nextRetryAt}) or {@code null} when PostgreSQL takes its changes.
   */
  public record QuarantineState(String detailJson) {
  }

  /** Restore one session from PostgreSQL now (Redis is being refilled and a request needs it). */
  public record RestoreSession(String tenant, String id) {
  }
}
