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
 * it, and a job whose runner stopped (its progress not renewed for {@value #LEASE_MS} ms) is resumed
 * from there by the next {@code POST}. One instance per store client, used on its context.
 */
final class KeyRotation {
  private static final Logger LOG = LoggerFactory.getLogger(KeyRotation.class);
  static final String PREFIX = "rotation.";
  static final long LEASE_MS = 30_000;
  private static final int PAGE = 20;

  private final Vertx vertx;
  private final SealingStoreClient client;
  private final long refreshMs;

  KeyRotation(Vertx vertx, SealingStoreClient client, long refreshMs) {
    this.vertx = vertx;
    this.client = client;
    this.refreshMs = refreshMs;
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
    return read(tenant).<Session>map(s -> s).recover(e -> Keyring.notFound(e) ? Future.succeededFuture(null) : Future.failedFuture(e))
        .compose(current -> {
          JsonObject job = current == null ? null : new JsonObject(current.dataJson());
          long now = System.currentTimeMillis();
          if (job != null && "running".equals(job.getString("state"))) {
            if (now - job.getLong("updatedAt", 0L) < LEASE_MS) {
              return Future.succeededFuture(view(job));
            }
            LOG.info("Resuming the data key rotation of tenant {} after session {}", tenant, job.getString("afterId"));
            return claim(tenant, job.put("updatedAt", now), current.version()).map(this::view);
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

  private Future<JsonObject> claim(String tenant, JsonObject job, long ifMatch) {
    return claim(tenant, job, ifMatch, 0);
  }

  /** Writes the job (compare-and-set) and runs it from its last session on this context. */
  private Future<JsonObject> claim(String tenant, JsonObject job, long ifMatch, long delayMs) {
    return save(tenant, job, ifMatch).map(version -> {
      Runnable run = () -> walk(tenant, job, version);
      if (delayMs > 0) {
        vertx.setTimer(delayMs, t -> run.run());
      } else {
        vertx.runOnContext(v -> run.run());
      }
      return job;
    });
  }

  /** One page of sessions, then the progress, then the next page; ends when a page has no next. */
  private void walk(String tenant, JsonObject job, long version) {
    ListSessions page = new ListSessions(tenant, null, null, job.getString("afterId"), PAGE);
    client.raw().call(StoreAddresses.LIST, page).compose(p -> {
      Reseal reseal = new Reseal(client, tenant);
      Future<Long> resealed = Future.succeededFuture(0L);
      for (Session s : p.sessions()) {
        resealed = resealed.compose(n -> reseal.session(s.id()).map(changed -> changed ? n + 1 : n));
      }
      return resealed.compose(n -> {
        job.put("afterId", p.nextAfterId()).put("scanned", job.getLong("scanned") + p.sessions().size())
            .put("resealed", job.getLong("resealed") + n).put("updatedAt", System.currentTimeMillis());
        if (p.nextAfterId() == null) {
          job.put("state", "done").put("finishedAt", System.currentTimeMillis());
        }
        return save(tenant, job, version);
      });
    }).onSuccess(next -> {
      if ("done".equals(job.getString("state"))) {
        LOG.info("Data key rotation of tenant {} done: {} sessions scanned, {} sealed again", tenant,
            job.getLong("scanned"), job.getLong("resealed"));
      } else {
        walk(tenant, job, next);
      }
    }).onFailure(e -> failed(tenant, job, version, e));
  }

  private void failed(String tenant, JsonObject job, long version, Throwable e) {
    if (e instanceof StoreException se && se.failure() == StoreFailure.VERSION_MISMATCH) {
      LOG.info("Data key rotation of tenant {}: another runner took the job over", tenant);
      return;
    }
    // Left "running": the next POST after the lease resumes it from the last page saved.
    LOG.warn("Data key rotation of tenant {} stopped after session {}: {}", tenant, job.getString("afterId"), e.getMessage());
    job.put("lastError", String.valueOf(e.getMessage()));
    save(tenant, job, version);
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
