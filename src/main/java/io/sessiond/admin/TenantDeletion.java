package io.sessiond.admin;

import io.sessiond.admin.AdminRequests.Job;
import io.sessiond.encryption.Encryption;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes a deleted tenant's data everywhere, as a job whose progress any replica can show. The tenant
 * is already marked deleted in the catalog (its keys stop working on every replica within the reload
 * interval); the job waits that long plus one request timeout so that requests authenticated before
 * then have ended, then deletes every session through the store (Redis or the file store, and through
 * the change stream or write-through, PostgreSQL), then removes what PostgreSQL still holds for the
 * tenant (sessions Redis no longer had), its rate bucket and its request total. First of all, right
 * after the settling, it destroys the tenant's key material for encryption at rest (its keyring of
 * wrapped data keys, in the store and in PostgreSQL): every sealed value of the tenant left anywhere
 * (a sealed export, a row or a replica not reached yet, a job cut off half way) can no longer be
 * opened, and a tenant created again under the same id gets new keys. Deleting the tenant again
 * starts a new job, which is how a job cut off by a crash is resumed.
 */
final class TenantDeletion {
  private static final Logger LOG = LoggerFactory.getLogger(TenantDeletion.class);
  private static final long PROGRESS_EVERY_MS = 1_000;
  static final String TYPE = "tenant-delete";

  private final Vertx vertx;
  private final JobBook jobs;
  private final TenantData data;
  private final Pool pg;
  private final AdminRedis redis;
  private final RequestTotals totals;
  private final long settleMs;

  TenantDeletion(Vertx vertx, JobBook jobs, TenantData data, Pool pg, AdminRedis redis, RequestTotals totals, long settleMs) {
    this.vertx = vertx;
    this.jobs = jobs;
    this.data = data;
    this.pg = pg;
    this.redis = redis;
    this.totals = totals;
    this.settleMs = settleMs;
  }

  /** Starts the job; the job as it starts. */
  Future<Job> start(String tenant) {
    Job first = new Job(UUID.randomUUID().toString(), TYPE, tenant, Job.RUNNING, "settling", 0,
        System.currentTimeMillis(), 0, null);
    return jobs.save(first).onSuccess(v -> run(first)).map(first);
  }

  private void run(Job job) {
    AtomicLong deleted = new AtomicLong();
    String[] phase = {"settling"};
    long timer = vertx.setPeriodic(PROGRESS_EVERY_MS, t -> jobs.save(with(job, Job.RUNNING, phase[0], deleted.get(), null)));
    vertx.timer(settleMs)
        .compose(t -> {
          phase[0] = "keys";
          return shredKeys(job.tenant());
        })
        .compose(v -> {
          phase[0] = "sessions";
          return data.deleteAll(job.tenant(), deleted::set);
        })
        .compose(n -> {
          phase[0] = "durable";
          return deleteDurable(job.tenant());
        })
        .compose(v -> {
          phase[0] = "counters";
          return deleteCounters(job.tenant());
        })
        .onComplete(ar -> {
          vertx.cancelTimer(timer);
          String error = ar.failed() ? ar.cause().getMessage() : null;
          if (ar.failed()) {
            LOG.warn("Deleting the data of tenant '{}' failed in phase {}: {}", job.tenant(), phase[0], error);
          } else {
            LOG.info("The data of tenant '{}' is deleted: {} sessions", job.tenant(), deleted.get());
          }
          jobs.save(with(job, ar.succeeded() ? Job.SUCCEEDED : Job.FAILED, ar.succeeded() ? "done" : phase[0],
              deleted.get(), error));
        });
  }

  /**
   * The tenant's keyring (and rotation progress): deleted through the store, so every replica, the
   * change stream and write-through see an ordinary delete, and from PostgreSQL at once, so no copy
   * waits there for sync.
   */
  private Future<Void> shredKeys(String tenant) {
    List<String> ids = Encryption.keyMaterialOf(tenant);
    Future<Void> durable = pg == null ? Future.succeededFuture()
        : pg.preparedQuery("DELETE FROM sessions WHERE tenant = $1 AND id = ANY($2)")
            .execute(Tuple.tuple().addString(Encryption.RESERVED_TENANT)
                .addArrayOfString(ids.toArray(new String[0]))).mapEmpty();
    return data.delete(Encryption.RESERVED_TENANT, ids).compose(n -> durable)
        .onSuccess(v -> LOG.info("The data keys of tenant '{}' are destroyed", tenant));
  }

  /** What PostgreSQL keeps of the tenant; keys, messages and blobs go with their sessions (ON DELETE CASCADE). */
  private Future<Void> deleteDurable(String tenant) {
    if (pg == null) {
      return Future.succeededFuture();
    }
    return pg.withTransaction(conn -> conn.preparedQuery("DELETE FROM sessions WHERE tenant = $1").execute(Tuple.of(tenant))
        .compose(r -> conn.preparedQuery("DELETE FROM tenants WHERE id = $1 AND NOT EXISTS "
            + "(SELECT 1 FROM sessions WHERE tenant = $1)").execute(Tuple.of(tenant)))).mapEmpty();
  }

  private Future<Void> deleteCounters(String tenant) {
    Future<Void> bucket = redis == null ? Future.succeededFuture()
        : redis.send(Request.cmd(Command.DEL).arg(redis.rate(tenant))).mapEmpty();
    return bucket.compose(v -> totals.forget(tenant));
  }

  private static Job with(Job j, String state, String phase, long deleted, String error) {
    return new Job(j.id(), j.type(), j.tenant(), state, phase, deleted, j.startedAt(),
        Job.RUNNING.equals(state) ? 0 : System.currentTimeMillis(), error);
  }
}
