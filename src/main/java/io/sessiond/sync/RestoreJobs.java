package io.sessiond.sync;


import io.sessiond.metrics.Metrics;
import io.sessiond.sync.Restorer.Progress;
import io.sessiond.sync.SyncRequests.JobRef;
import io.sessiond.sync.SyncRequests.RestoreJob;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs restores: the start-up restore of every tenant, one instance at a time (a Redis lock with
 * expiry, renewed while it runs; the others wait for it and then skip, since it restored for them),
 * and per-tenant restore jobs started over the API, whose progress is kept in Redis (for a day) so
 * any instance can answer for it.
 */
final class RestoreJobs {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreJobs.class);
  static final String STARTUP_LOCK = "restore";
  private static final String DONE_MARKER = "restore-finished";
  private static final long JOB_TTL_MS = 24 * 3600 * 1000L;
  private static final long WAIT_POLL_MS = 200;
  private static final long JOB_PROGRESS_EVERY_MS = 1000;

  private final Vertx vertx;
  private final ChangeFeed redis;
  private final Restorer restorer;
  private final String instance;
  private final long lockMs;
  private volatile Progress startup;
  private volatile boolean startupInProgress;

  RestoreJobs(Vertx vertx, ChangeFeed redis, Restorer restorer, String instance, long lockMs) {
    this.vertx = vertx;
    this.redis = redis;
    this.restorer = restorer;
    this.instance = instance;
    this.lockMs = lockMs;
  }

  boolean startupInProgress() {
    return startupInProgress;
  }

  long startupRestored() {
    Progress p = startup;
    return p == null ? 0 : p.restored.get();
  }

  /** The start-up restore; completes when this instance or another one has restored. */
  Future<Void> startupRestore() {
    startupInProgress = true;
    long since = System.currentTimeMillis();
    return takeOrWait(since).eventually(() -> {
      startupInProgress = false;
      return Future.succeededFuture();
    });
  }

  private Future<Void> takeOrWait(long since) {
    return redis.tryLock(STARTUP_LOCK, instance, lockMs).compose(taken -> {
      if (taken) {
        return restoreHoldingLock();
      }
      return redis.getRecord(DONE_MARKER).compose(done -> {
        String at = done.get("at");
        if (at != null && Long.parseLong(at) >= since) {
          LOG.info("Another instance restored the sessions from PostgreSQL while this one waited");
          return Future.succeededFuture();
        }
        return vertx.timer(WAIT_POLL_MS).compose(t -> takeOrWait(since));
      });
    });
  }

  private Future<Void> restoreHoldingLock() {
    LOG.info("Restoring sessions from PostgreSQL");
    long renewer = vertx.setPeriodic(Math.max(100, lockMs / 3), id -> redis.renewLock(STARTUP_LOCK, instance, lockMs));
    startup = new Progress();
    long started = System.currentTimeMillis();
    return restorer.run(null, startup)
        .onSuccess(p -> Metrics.meters(vertx).sync().restoreFinished(System.currentTimeMillis() - started))
        .compose(p -> redis.putRecord(DONE_MARKER, Map.of("at", Long.toString(System.currentTimeMillis())), JOB_TTL_MS))
        .eventually(() -> {
          vertx.cancelTimer(renewer);
          return redis.unlock(STARTUP_LOCK, instance);
        });
  }

  /** Another restore job of the tenant is running (anywhere in the fleet): one at a time per tenant. */
  static final class JobRunning extends RuntimeException {
    JobRunning(String tenant) {
      super("a restore job is already running for tenant " + tenant + "; poll it, or start another once it ended",
          null, false, false);
    }
  }

  /**
   * Starts a restore of one tenant; the job as it starts. One job per tenant at a time across the
   * fleet: the job holds a lock (renewed while it runs) and a second start fails with {@link JobRunning}.
   */
  Future<RestoreJob> start(String tenant) {
    String id = UUID.randomUUID().toString();
    String lock = "restore-job:" + tenant;
    return redis.tryLock(lock, id, lockMs).compose(taken -> {
      if (!taken) {
        return Future.failedFuture(new JobRunning(tenant));
      }
      Progress p = new Progress();
      RestoreJob first = job(id, tenant, p, RestoreJob.RUNNING, 0, null);
      return save(first).onSuccess(v -> {
        long timer = vertx.setPeriodic(JOB_PROGRESS_EVERY_MS, t -> {
          save(job(id, tenant, p, RestoreJob.RUNNING, 0, null));
          redis.renewLock(lock, id, lockMs);
        });
        restorer.run(tenant, p).onComplete(ar -> {
          vertx.cancelTimer(timer);
          save(job(id, tenant, p, ar.succeeded() ? RestoreJob.SUCCEEDED : RestoreJob.FAILED, System.currentTimeMillis(),
              ar.succeeded() ? null : ar.cause().getMessage()))
              .eventually(() -> redis.unlock(lock, id));
        });
      }).recover(e -> redis.unlock(lock, id).transform(ar -> Future.failedFuture(e))).map(first);
    });
  }

  /** The job, or {@code null} when there is none for this tenant. */
  Future<RestoreJob> get(JobRef ref) {
    return redis.getRecord("job:" + ref.id()).map(f -> {
      if (f.isEmpty() || !ref.tenant().equals(f.get("tenant"))) {
        return null;
      }
      return new RestoreJob(ref.id(), f.get("tenant"), f.get("state"), num(f, "total"), num(f, "restored"),
          num(f, "skipped"), num(f, "failed"), num(f, "startedAt"), num(f, "finishedAt"),
          f.getOrDefault("error", "").isEmpty() ? null : f.get("error"));
    });
  }

  Future<Void> close() {
    return Future.succeededFuture();
  }

  private Future<Void> save(RestoreJob j) {
    Map<String, String> f = new HashMap<>();
    f.put("tenant", j.tenant());
    f.put("state", j.state());
    f.put("total", Long.toString(j.total()));
    f.put("restored", Long.toString(j.restored()));
    f.put("skipped", Long.toString(j.skipped()));
    f.put("failed", Long.toString(j.failed()));
    f.put("startedAt", Long.toString(j.startedAt()));
    f.put("finishedAt", Long.toString(j.finishedAt()));
    f.put("error", j.error() == null ? "" : j.error());
    return redis.putRecord("job:" + j.id(), f, JOB_TTL_MS);
  }

  private static RestoreJob job(String id, String tenant, Progress p, String state, long finishedAt, String error) {
    return new RestoreJob(id, tenant, state, p.total.get(), p.restored.get(), p.skipped.get(), p.failed.get(),
        p.startedAt, finishedAt, error);
  }

  private static long num(Map<String, String> f, String name) {
    String v = f.get(name);
    return v == null || v.isEmpty() ? 0 : Long.parseLong(v);
  }
}
