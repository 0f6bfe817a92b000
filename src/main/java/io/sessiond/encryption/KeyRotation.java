package io.sessiond.encryption;

import io.sessiond.session.Session;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests.ListSessions;
import io.sessiond.store.StoreRequests.PutSession;
import io.sessiond.store.StoreRequests.SessionRef;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data-key rotation of one tenant, online: a new data key becomes current (new values are sealed
 * with it on every replica within the keyring refresh), then a job walks the tenant's sessions in id
 * order and seals again, with compare-and-set writes, every one that holds a value under an older key
 * ({@link Reseal}). Its progress — the last session id done, counts, state — is kept in the store
 * (session {@code rotation.<tenant>} of the reserved tenant) after every page, so any replica shows
 * it. That record is also the job's lease: its runner saves it at least every third of the lease
 * ({@code ENCRYPTION_ROTATION_LEASE_MS}), and a job whose record was not saved for a whole lease (its
 * replica stopped) is taken over from its cursor by any replica ({@link RotationWatch}, or a
 * {@code POST}). Every save is a compare-and-set: a runner whose job was taken over stops at its next
 * save. One instance per store client, used on its context.
 */
final class KeyRotation {
  private static final Logger LOG = LoggerFactory.getLogger(KeyRotation.class);
  static final String PREFIX = "rotation.";
  private static final int PAGE = 20;
  private static final int JOBS_PAGE = 100;

  private final Vertx vertx;
  private final SealingStoreClient client;
  private final long refreshMs;
  private final long leaseMs;

  KeyRotation(Vertx vertx, SealingStoreClient client, long refreshMs, long leaseMs) {
    this.vertx = vertx;
    this.client = client;
    this.refreshMs = refreshMs;
    this.leaseMs = leaseMs;
  }

  /** One job run by this replica: the document and the store version it was last saved at. */
  private static final class Run {
    final String tenant;
    final JsonObject job;
    long version;
    /** The last save asked for: saves go one after another, each with the version the previous one left. */
    Future<Long> saving;
    long renewer = -1;
    boolean over;

    Run(String tenant, JsonObject job, long version) {
      this.tenant = tenant;
      this.job = job;
      this.version = version;
      this.saving = Future.succeededFuture(version);
    }
  }

  /** The tenant's rotation progress; NOT_FOUND when none ever ran. */
  Future<JsonObject> progress(String tenant) {
    return read(tenant).map(s -> view(new JsonObject(s.dataJson())));
  }

  /**
   * Starts a rotation (or resumes one whose runner stopped); answers its progress. A rotation that is
   * running elsewhere is only reported.
   */
  Future<JsonObject> start(String tenant) {
    return readOrNull(tenant).compose(current -> {
      JsonObject job = current == null ? null : new JsonObject(current.dataJson());
      long now = System.currentTimeMillis();
      if (job != null && "running".equals(job.getString("state"))) {
        return stopped(job) ? resume(tenant, job, current.version()).map(this::view) : Future.succeededFuture(view(job));
      }
      return client.keyring().addKey(client.raw(), tenant).compose(keys -> {
        JsonObject fresh = new JsonObject().put("state", "running").put("key", keys.current())
            .put("afterId", (String) null).put("scanned", 0L).put("resealed", 0L)
            .put("startedAt", now).put("updatedAt", now);
        LOG.info("Data key rotation of tenant {}: {} is current, re-encryption starts", tenant, keys.current());
        // Replicas seal with the new key once they read the keyring again: the walk starts after that.
        return claim(tenant, fresh, current == null ? 0 : current.version(), 2 * refreshMs).map(this::view);
      });
    });
  }

  /**
   * Takes over every rotation, of any tenant, whose lease lapsed (its runner stopped), from the page
   * after {@code afterId}; how many this replica took (another replica may take one first).
   */
  Future<Integer> resumeStopped(String afterId, int taken) {
    ListSessions page = new ListSessions(Keyring.TENANT, null, PREFIX, afterId, JOBS_PAGE);
    return client.raw().call(StoreAddresses.LIST, page).compose(p -> {
      Future<Integer> chain = Future.succeededFuture(taken);
      for (Session s : p.sessions()) {
        JsonObject job = new JsonObject(s.dataJson());
        if ("running".equals(job.getString("state")) && stopped(job)) {
          String tenant = s.id().substring(PREFIX.length());
          chain = chain.compose(n -> resume(tenant, job, s.version()).map(j -> n + 1)
              .recover(e -> raced(e) ? Future.succeededFuture(n) : Future.failedFuture(e)));
        }
      }
      return p.nextAfterId() == null ? chain : chain.compose(n -> resumeStopped(p.nextAfterId(), n));
    });
  }

  private boolean stopped(JsonObject job) {
    return System.currentTimeMillis() - job.getLong("updatedAt", 0L) >= leaseMs;
  }

  private Future<JsonObject> resume(String tenant, JsonObject job, long version) {
    return claim(tenant, job.copy().put("updatedAt", System.currentTimeMillis()), version, 0)
        .onSuccess(j -> LOG.info("Resuming the data key rotation of tenant {} (its runner stopped) after session {}",
            tenant, j.getString("afterId")));
  }

  /** Writes the job (compare-and-set), then runs it from its last session on this context, renewing its lease. */
  private Future<JsonObject> claim(String tenant, JsonObject job, long ifMatch, long delayMs) {
    return save(tenant, job, ifMatch).map(version -> {
      Run run = new Run(tenant, job, version);
      run.renewer = vertx.setPeriodic(Math.max(100, leaseMs / 3), t -> saveInOrder(run)
          .onFailure(e -> LOG.debug("Renewing the data key rotation of tenant {} failed: {}", tenant, e.getMessage())));
      if (delayMs > 0) {
        vertx.setTimer(delayMs, t -> walk(run));
      } else {
        vertx.runOnContext(v -> walk(run));
      }
      return job;
    });
  }

  /** One page of sessions, then the progress, then the next page; ends when a page has no next. */
  private void walk(Run run) {
    if (run.over) {
      return;
    }
    JsonObject job = run.job;
    ListSessions page = new ListSessions(run.tenant, null, null, job.getString("afterId"), PAGE);
    client.raw().call(StoreAddresses.LIST, page).compose(p -> {
      Reseal reseal = new Reseal(client, run.tenant);
      Future<Long> resealed = Future.succeededFuture(0L);
      for (Session s : p.sessions()) {
        resealed = resealed.compose(n -> reseal.session(s.id()).map(changed -> changed ? n + 1 : n));
      }
      return resealed.compose(n -> {
        job.put("afterId", p.nextAfterId()).put("scanned", job.getLong("scanned") + p.sessions().size())
            .put("resealed", job.getLong("resealed") + n);
        if (p.nextAfterId() == null) {
          job.put("state", "done").put("finishedAt", System.currentTimeMillis());
        }
        return saveInOrder(run);
      });
    }).onSuccess(next -> {
      if ("done".equals(job.getString("state"))) {
        end(run);
        LOG.info("Data key rotation of tenant {} done: {} sessions scanned, {} sealed again", run.tenant,
            job.getLong("scanned"), job.getLong("resealed"));
      } else {
        walk(run);
      }
    }).onFailure(e -> failed(run, e));
  }

  private void failed(Run run, Throwable e) {
    if (raced(e)) {
      LOG.info("Data key rotation of tenant {}: another runner took the job over", run.tenant);
      end(run);
      return;
    }
    // Left "running" with its lease no longer renewed: a replica takes it over from the last page saved.
    LOG.warn("Data key rotation of tenant {} stopped after session {}: {}", run.tenant, run.job.getString("afterId"),
        e.getMessage());
    run.job.put("lastError", String.valueOf(e.getMessage()));
    saveInOrder(run).onComplete(ar -> end(run));
  }

  private void end(Run run) {
    run.over = true;
    vertx.cancelTimer(run.renewer);
  }

  /** Saves the job (its lease renewed) after the saves asked before; a job taken over stays so. */
  private Future<Long> saveInOrder(Run run) {
    Future<Long> next = run.saving.transform(previous -> {
      if (previous.failed() && raced(previous.cause())) {
        return Future.failedFuture(previous.cause());
      }
      run.job.put("updatedAt", System.currentTimeMillis());
      return save(run.tenant, run.job, run.version).onSuccess(v -> run.version = v);
    });
    run.saving = next;
    return next.onFailure(e -> {
      if (raced(e)) {
        end(run);
      }
    });
  }

  private static boolean raced(Throwable e) {
    return e instanceof StoreException se && se.failure() == StoreFailure.VERSION_MISMATCH;
  }

  private Future<Session> readOrNull(String tenant) {
    return read(tenant).<Session>map(s -> s)
        .recover(e -> Keyring.notFound(e) ? Future.succeededFuture(null) : Future.failedFuture(e));
  }

  private Future<Long> save(String tenant, JsonObject job, long ifMatch) {
    PutSession put = new PutSession(Keyring.TENANT, PREFIX + tenant, job.encode(), null, null, ifMatch == 0 ? 0L : null, ifMatch);
    return client.raw().call(StoreAddresses.PUT, put).map(r -> r.session().version());
  }

  private Future<Session> read(String tenant) {
    return client.raw().call(StoreAddresses.GET, new SessionRef(Keyring.TENANT, PREFIX + tenant));
  }

  /** The job as clients see it (the cursor stays internal). */
  private JsonObject view(JsonObject job) {
    JsonObject out = new JsonObject().put("state", job.getString("state")).put("key", job.getString("key"))
        .put("sessionsScanned", job.getLong("scanned")).put("sessionsResealed", job.getLong("resealed"))
        .put("startedAt", java.time.Instant.ofEpochMilli(job.getLong("startedAt")).toString())
        .put("updatedAt", java.time.Instant.ofEpochMilli(job.getLong("updatedAt")).toString());
    if (job.getLong("finishedAt") != null) {
      out.put("finishedAt", java.time.Instant.ofEpochMilli(job.getLong("finishedAt")).toString());
    }
    if (job.getString("lastError") != null) {
      out.put("lastError", job.getString("lastError"));
    }
    return out;
  }

}
