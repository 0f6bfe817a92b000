package io.sessiond.admin;

import io.sessiond.admin.AdminRequests.Job;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where administration jobs are kept for a day, so any replica answers for them: a Redis hash per job
 * ({@code <prefix>{admin}:job:<id>}), or the process for an embedded store.
 */
interface JobBook {
  long TTL_MS = 24 * 3600 * 1000L;

  Future<Void> save(Job job);

  /** The job, or {@code null}. */
  Future<Job> get(String id);

  static JobBook local() {
    Map<String, Job> jobs = new ConcurrentHashMap<>();
    return new JobBook() {
      public Future<Void> save(Job job) {
        jobs.put(job.id(), job);
        return Future.succeededFuture();
      }

      public Future<Job> get(String id) {
        return Future.succeededFuture(jobs.get(id));
      }
    };
  }

  static JobBook redis(AdminRedis redis) {
    return new JobBook() {
      public Future<Void> save(Job j) {
        String key = redis.admin() + ":job:" + j.id();
        Request set = Request.cmd(Command.HSET).arg(key).arg("type").arg(j.type()).arg("tenant").arg(j.tenant())
            .arg("state").arg(j.state()).arg("phase").arg(j.phase()).arg("deleted").arg(j.deletedSessions())
            .arg("startedAt").arg(j.startedAt()).arg("finishedAt").arg(j.finishedAt())
            .arg("error").arg(j.error() == null ? "" : j.error());
        return redis.send(set).compose(r -> redis.send(Request.cmd(Command.PEXPIRE).arg(key).arg(TTL_MS))).mapEmpty();
      }

      public Future<Job> get(String id) {
        return redis.send(Request.cmd(Command.HGETALL).arg(redis.admin() + ":job:" + id)).map(r -> {
          Map<String, String> f = AdminRedis.fields(r);
          if (f.isEmpty()) {
            return null;
          }
          String error = f.getOrDefault("error", "");
          return new Job(id, f.get("type"), f.get("tenant"), f.get("state"), f.get("phase"),
              Long.parseLong(f.get("deleted")), Long.parseLong(f.get("startedAt")), Long.parseLong(f.get("finishedAt")),
              error.isEmpty() ? null : error);
        });
      }
    };
  }
}
