package io.sessiond.http;

import io.sessiond.sync.SyncAddresses;
import io.sessiond.sync.SyncFailure;
import io.sessiond.sync.SyncRequests.JobRef;
import io.sessiond.sync.SyncRequests.RestoreJob;
import io.sessiond.sync.SyncRequests.StartRestore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Restore jobs: {@code POST /v1/sessions/restore} starts a restore of the caller's tenant from
 * PostgreSQL (202 with the job's Location), {@code GET /v1/jobs/{id}} shows its progress and outcome.
 * Jobs are kept in Redis for a day, so any instance answers for them.
 */
final class JobRoutes {
  private final Vertx vertx;
  private final DeliveryOptions options;

  JobRoutes(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
  }

  void mount(ApiRouter api) {
    api.postOnce("/v1/sessions/restore", BodyKind.NONE, Responses.async(this::start));
    api.get("/v1/jobs/:jobId", Responses.async(this::show));
  }

  private Future<?> start(RoutingContext ctx) {
    return this.<RestoreJob>request(SyncAddresses.RESTORE, new StartRestore(Requests.tenant(ctx))).onSuccess(job -> {
      ctx.response().putHeader("Location", "/v1/jobs/" + job.id());
      Responses.json(ctx, 202, json(job).encode());
    });
  }

  private Future<?> show(RoutingContext ctx) {
    JobRef ref = new JobRef(Requests.tenant(ctx), ctx.pathParam("jobId"));
    return this.<RestoreJob>request(SyncAddresses.JOB, ref).onSuccess(job -> Responses.json(ctx, 200, json(job).encode()));
  }

  private <T> Future<T> request(String address, Object body) {
    return vertx.eventBus().<T>request(address, body, options).map(Message::body).recover(e -> {
      if (e instanceof ReplyException re) {
        if (re.failureType() == ReplyFailure.NO_HANDLERS) {
          return Future.failedFuture(new ApiException(503, "restoring needs PostgreSQL sync, which is off on this instance (SYNC_MODE=off or no PG_URL)"));
        }
        if (re.failureType() == ReplyFailure.RECIPIENT_FAILURE && re.failureCode() == SyncFailure.JOB_RUNNING.code()) {
          return Future.failedFuture(new ApiException(409, re.getMessage(), "job-running"));
        }
        if (re.failureType() == ReplyFailure.RECIPIENT_FAILURE && re.failureCode() == SyncFailure.JOB_NOT_FOUND.code()) {
          return Future.failedFuture(new ApiException(404, "there is no job " + ((JobRef) body).id() + " for this tenant"));
        }
        return Future.failedFuture(new ApiException(503, "PostgreSQL sync cannot answer now: " + re.getMessage()));
      }
      return Future.failedFuture(e);
    });
  }

  static JsonObject json(RestoreJob j) {
    JsonObject o = new JsonObject().put("id", j.id()).put("type", "restore").put("state", j.state())
        .put("total", j.total()).put("restored", j.restored()).put("skipped", j.skipped()).put("failed", j.failed())
        .put("startedAt", java.time.Instant.ofEpochMilli(j.startedAt()).toString());
    if (j.finishedAt() > 0) {
      o.put("finishedAt", java.time.Instant.ofEpochMilli(j.finishedAt()).toString());
    }
    if (j.error() != null) {
      o.put("error", j.error());
    }
    return o;
  }
}
