package io.sessiond.sync;

import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.SessionState;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests;
import io.sessiond.store.StoreRequests.BlobChunk;
import io.sessiond.store.StoreRequests.BlobRef;
import io.sessiond.store.StoreRequests.CommitBlob;
import io.sessiond.store.StoreRequests.ImportSession;
import io.sessiond.store.StoreRequests.RestoreImports;
import io.sessiond.store.StoreRequests.RestoreOutcomes;
import io.sessiond.sync.DurableRows.StoredBlobRow;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Cursor;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores into Redis every live session PostgreSQL holds that Redis lacks or holds at an older
 * (createdAt, version). Rows are streamed with a cursor; while the sessions of one batch are imported
 * the next batches are read, at most {@link #BATCHES_IN_FLIGHT} at a time (a few batches in memory,
 * never the whole table), and at most {@link #IMPORTS_IN_FLIGHT} sessions are imported at once, sessions
 * without blobs {@link #IMPORTS_PER_REQUEST} to a store request. Each session is one restore import in the store, which itself refuses to replace a session that is as new
 * or newer there (no read first) and records nothing for sync (PostgreSQL already holds it). A row
 * that cannot be restored is logged and counted, never fatal.
 */
final class Restorer {
  private static final Logger LOG = LoggerFactory.getLogger(Restorer.class);
  private static final long PROGRESS_EVERY_MS = 5000;
  private static final long BATCH_TIMEOUT_MS = 120_000;
  /** Batches read ahead while earlier ones are imported: PostgreSQL and Redis work at the same time. */
  static final int BATCHES_IN_FLIGHT = 3;
  /**
   * Sessions imported at once, whatever the batch size: enough to keep Redis's pipeline full, few
   * enough that no import waits behind thousands of others past the Redis request timeout.
   */
  static final int IMPORTS_IN_FLIGHT = 256;
  /**
   * Sessions without blobs imported in one store request (one event-bus message and reply, its
   * imports pipelined to Redis back to back) rather than one request each.
   */
  static final int IMPORTS_PER_REQUEST = 32;
  private static final String LIVE = " FROM sessions WHERE (expires_at = 0 OR expires_at > $1)";
  private static final String COLUMNS = "SELECT tenant, id, state, data, creds, version, created_at, updated_at,"
      + " activity_at, ttl_seconds, expires_at";

  /** Counters a running restore updates; read by status requests and job records. */
  static final class Progress {
    final long startedAt = System.currentTimeMillis();
    final AtomicLong total = new AtomicLong();
    final AtomicLong restored = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    /** When progress was last logged (only touched on the restoring context). */
    private long loggedAt = startedAt;

    long seen() {
      return restored.get() + skipped.get() + failed.get();
    }
  }

  /** Names the store-wide lock around the restore of one session with blobs ({@link #acrossInstances}). */
  static final String LOCK = "restore-session:";
  /** How long a restore holds that lock unless it renews it (a third of this); a dead holder's lapses after it. */
  static final long LOCK_MS = 30_000;
  /** How often a restore waiting for that lock asks again. */
  static final long LOCK_POLL_MS = 25;

  private final Vertx vertx;
  private final ChangeFeed feed;
  private final String instance;
  private final Pool pool;
  private final StoreClient store;
  private final DurableEpoch epoch;
  private final int batchSize;
  private final DurableRows rows;
  /** Imports waiting for a place among the {@link #IMPORTS_IN_FLIGHT}; touched on the restoring context only. */
  private final Deque<Waiting> waiting = new ArrayDeque<>();
  /** The restores of single sessions under way, by tenant and id ({@link #oneAtATime}); restoring context only. */
  private final Map<String, Future<?>> restoring = new HashMap<>();
  private int importing;

  Restorer(Vertx vertx, ChangeFeed feed, String instance, Pool pool, StoreClient store, DurableEpoch epoch,
           int batchSize, boolean framed) {
    this.vertx = vertx;
    this.feed = feed;
    this.instance = instance;
    this.pool = pool;
    this.epoch = epoch;
    this.store = store;
    this.batchSize = batchSize;
    this.rows = new DurableRows(pool, framed);
  }

  /** Restores the live sessions of {@code tenant} ({@code null}: of every tenant). */
  Future<Progress> run(String tenant, Progress progress) {
    long now = System.currentTimeMillis();
    Tuple args = tenant == null ? Tuple.of(now) : Tuple.of(now, tenant);
    String filter = tenant == null ? "" : " AND tenant = $2";
    // No change read before Redis lost its data may land in PostgreSQL once this has read a session.
    return epoch.advance().compose(e -> pool.preparedQuery("SELECT count(*)" + LIVE + filter).execute(args))
        .compose(rows -> {
          progress.total.set(rows.iterator().next().getLong(0));
          return pool.withTransaction(conn -> conn.prepare(COLUMNS + LIVE + filter + " ORDER BY tenant, id")
              .compose(ps -> {
                Cursor cursor = ps.cursor(args);
                // A failed batch closes the cursor before the transaction rolls back.
                Promise<Void> read = Promise.promise();
                readAhead(cursor, progress, new ArrayDeque<>(), read);
                return read.future()
                    .recover(e -> cursor.close().otherwiseEmpty().transform(ar -> Future.failedFuture(e)));
              }));
        })
        .map(progress)
        .onSuccess(p -> LOG.info("Restore from PostgreSQL{} done: {} sessions restored, {} already current, {} failed, in {} ms",
            tenant == null ? "" : " for tenant " + tenant, p.restored.get(), p.skipped.get(), p.failed.get(),
            System.currentTimeMillis() - p.startedAt));
  }

  /**
   * Restores one session now, for a request that needs it while Redis is being refilled: true when
   * PostgreSQL held it and it was imported; false when PostgreSQL has no live session of that id or
   * Redis already holds it as new or newer. Fails when PostgreSQL cannot be read or the import failed.
   */
  Future<Boolean> restoreSession(String tenant, String id) {
    return oneAtATime(tenant, id, () -> readAndRestore(tenant, id));
  }

  private Future<Boolean> readAndRestore(String tenant, String id) {
    Progress p = new Progress();
    return epoch.advance().compose(e -> pool.preparedQuery(COLUMNS + LIVE + " AND tenant = $2 AND id = $3")
        .execute(Tuple.of(System.currentTimeMillis(), tenant, id)))
        .compose(found -> {
          if (found.size() == 0) {
            return Future.succeededFuture(false);
          }
          Session s = session(tenant, found.iterator().next(), p);
          if (s == null) {
            return Future.failedFuture(new IllegalStateException("its row in PostgreSQL is corrupt"));
          }
          return rows.read(tenant, List.of(s)).compose(all -> all.isEmpty() ? Future.succeededFuture(false)
              : acrossInstances(tenant, all.get(0).export(), all.get(0).blobs(), p).compose(v -> p.failed.get() > 0
                  ? Future.failedFuture(new IllegalStateException("its import into Redis failed (see the log)"))
                  : Future.succeededFuture(p.restored.get() > 0)));
        });
  }

  /**
   * Runs {@code task}, the restore of one session, after every restore of that session this daemon has
   * started before it. A session with blobs is restored in steps (import, then each blob), so two
   * restores of it at once (the requests a client sends at once while Redis is refilled, each restoring
   * its session on demand, or such a request and the refill) would undo each other: the second import
   * replaces the session the first has begun to fill, dropping the blobs it committed. The later one
   * finds the session whole and is refused at once.
   */
  private <T> Future<T> oneAtATime(String tenant, String id, Supplier<Future<T>> task) {
    String key = tenant + '\u0000' + id;
    Future<?> before = restoring.get(key);
    Future<T> mine = before == null ? task.get() : before.transform(ar -> task.get());
    restoring.put(key, mine);
    mine.onComplete(ar -> restoring.remove(key, mine));
    return mine;
  }

  /**
   * Reads the next cursor batch and starts restoring it, then goes on reading unless
   * {@link #BATCHES_IN_FLIGHT} batches are being restored (then it waits for the oldest); completes
   * {@code done} after the last batch. The cursor is read on its own connection; each batch queries its
   * keys and messages on the pool's others. Each step starts the next from a callback rather than
   * returning a future composed on the next step's: a chain of one future per batch (5,000 for a million
   * sessions) completed at the end overflowed the event loop's stack, and the restore never finished.
   */
  private void readAhead(Cursor cursor, Progress progress, Deque<Future<Void>> inFlight, Promise<Void> done) {
    if (inFlight.size() >= BATCHES_IN_FLIGHT) {
      inFlight.remove().onComplete(ar -> {
        if (ar.failed()) {
          done.tryFail(ar.cause());
        } else {
          readAhead(cursor, progress, inFlight, done);
        }
      });
      return;
    }
    cursor.read(batchSize).onComplete(ar -> {
      if (ar.failed()) {
        done.tryFail(ar.cause());
        return;
      }
      // A batch that never completes must fail the restore loudly, not leave readiness false forever.
      inFlight.add(restoreBatch(ar.result(), progress).timeout(BATCH_TIMEOUT_MS, TimeUnit.MILLISECONDS)
          .onSuccess(v -> logProgress(progress)));
      if (cursor.hasMore()) {
        readAhead(cursor, progress, inFlight, done);
      } else {
        Future.all(List.copyOf(inFlight)).compose(v -> cursor.close()).onComplete(done);
      }
    });
  }

  private static void logProgress(Progress p) {
    long now = System.currentTimeMillis();
    if (now - p.loggedAt < PROGRESS_EVERY_MS) {
      return;
    }
    p.loggedAt = now;
    double seconds = Math.max(0.001, (now - p.startedAt) / 1000.0);
    double rate = p.seen() / seconds;
    long left = Math.max(0, p.total.get() - p.seen());
    LOG.info("Restoring from PostgreSQL: {} of {} sessions ({} /s, about {} s left)", p.seen(), p.total.get(),
        Math.round(rate), rate > 0 ? Math.round(left / rate) : -1);
  }

  /** Restores one cursor batch: its rows are in (tenant, id) order, so each tenant's sessions are one run. */
  private Future<Void> restoreBatch(RowSet<Row> batch, Progress progress) {
    List<Future<Void>> runs = new ArrayList<>();
    String tenant = null;
    List<Session> run = new ArrayList<>();
    for (Row row : batch) {
      String rowTenant = row.getString(0);
      if (!rowTenant.equals(tenant)) {
        if (!run.isEmpty()) {
          runs.add(restoreRun(tenant, run, progress));
        }
        tenant = rowTenant;
        run = new ArrayList<>();
      }
      Session session = session(rowTenant, row, progress);
      if (session != null) {
        run.add(session);
      }
    }
    if (!run.isEmpty()) {
      runs.add(restoreRun(tenant, run, progress));
    }
    return Future.all(runs).mapEmpty();
  }

  /** The row's session; {@code null} (counted as failed) when the row is corrupt. */
  private static Session session(String tenant, Row r, Progress progress) {
    try {
      SessionState state = SessionState.parse(r.getString(2));
      if (state == null) {
        throw new IllegalArgumentException("unknown state '" + r.getString(2) + "'");
      }
      return new Session(r.getString(1), state, r.getString(3), r.getString(4), r.getLong(5), r.getLong(6),
          r.getLong(7), r.getLong(8), r.getLong(9), r.getLong(10));
    } catch (RuntimeException e) {
      progress.failed.incrementAndGet();
      LOG.warn("Cannot restore session {} of tenant {}: corrupt row ({}); skipped", r.getString(1), tenant, e.getMessage());
      return null;
    }
  }

  private Future<Void> restoreRun(String tenant, List<Session> sessions, Progress progress) {
    return rows.read(tenant, sessions).compose(all -> {
      List<Future<Void>> imports = new ArrayList<>();
      List<DurableRows.Restorable> together = new ArrayList<>(IMPORTS_PER_REQUEST);
      for (DurableRows.Restorable r : all) {
        if (!r.blobs().isEmpty()) {
          imports.add(bounded(1, () -> oneAtATime(tenant, r.export().session().id(),
              () -> acrossInstances(tenant, r.export(), r.blobs(), progress))));
          continue;
        }
        together.add(r);
        if (together.size() == IMPORTS_PER_REQUEST) {
          imports.add(restoreTogether(tenant, together, progress));
          together = new ArrayList<>(IMPORTS_PER_REQUEST);
        }
      }
      if (!together.isEmpty()) {
        imports.add(restoreTogether(tenant, together, progress));
      }
      return Future.all(imports).mapEmpty();
    });
  }

  /** Sessions without blobs, imported in one store request; each counted as restored, skipped or failed. */
  private Future<Void> restoreTogether(String tenant, List<DurableRows.Restorable> sessions, Progress progress) {
    List<ImportSession> imports = new ArrayList<>(sessions.size());
    for (DurableRows.Restorable r : sessions) {
      imports.add(ImportSession.restore(tenant, r.export(), r.export().session().version()));
    }
    return bounded(sessions.size(), () -> store.call(StoreAddresses.RESTORE_ALL, new RestoreImports(imports))
        .compose(done -> {
          List<Future<Void>> expiries = new ArrayList<>();
          for (int i = 0; i < sessions.size(); i++) {
            Session durable = sessions.get(i).export().session();
            RestoreOutcomes.Outcome o = done.outcomes().get(i);
            if (o.session() != null) {
              progress.restored.incrementAndGet();
              expiries.add(keepExpiry(tenant, durable, o.session()));
            } else if (o.failure() == StoreFailure.VERSION_MISMATCH) {
              progress.skipped.incrementAndGet(); // Redis holds it as new or newer
            } else {
              progress.failed.incrementAndGet();
              LOG.warn("Cannot restore session {} of tenant {}: {}; skipped", durable.id(), tenant, o.detail());
            }
          }
          return Future.join(expiries).<Void>mapEmpty().otherwiseEmpty();
        })
        .recover(e -> {
          progress.failed.addAndGet(sessions.size());
          LOG.warn("Cannot restore {} sessions of tenant {} (from {}): {}; skipped", sessions.size(), tenant,
              sessions.get(0).export().session().id(), e.getMessage());
          return Future.succeededFuture();
        }));
  }

  /**
   * Runs {@code task} (of {@code weight} sessions) once it fits among the {@link #IMPORTS_IN_FLIGHT}
   * sessions being imported, across batches and restores (alone when it is larger).
   */
  private Future<Void> bounded(int weight, Supplier<Future<Void>> task) {
    Promise<Void> done = Promise.promise();
    Runnable start = () -> {
      importing += weight;
      task.get().onComplete(ar -> {
        importing -= weight;
        done.handle(ar);
        while (!waiting.isEmpty() && (importing == 0 || importing + waiting.peek().weight() <= IMPORTS_IN_FLIGHT)) {
          waiting.poll().start().run();
        }
      });
    };
    if (waiting.isEmpty() && (importing == 0 || importing + weight <= IMPORTS_IN_FLIGHT)) {
      start.run();
    } else {
      waiting.add(new Waiting(weight, start));
    }
    return done.future();
  }

  private record Waiting(int weight, Runnable start) {
  }

  /**
   * {@link #importWhole} of a session with blobs under a lock in the store that every instance takes
   * for that session ({@link #LOCK}): {@link #oneAtATime} keeps one daemon's restores of a session apart,
   * this keeps different daemons' apart (two instances asked for the same session at once while Redis
   * is refilled, or one of them and the refill on another). Without it the second import replaced the
   * session the first had imported and was filling, dropping the blobs the first had committed: the
   * first's request then found a blob missing (404) or the session a version short. The later restore
   * waits for the lock, then finds the session whole and is refused at once. A holder that dies stops
   * renewing, and its lock lapses after {@link #LOCK_MS}. Sessions without blobs are one import, whole
   * at once: no lock.
   */
  private Future<Void> acrossInstances(String tenant, SessionExport export, List<StoredBlobRow> blobs,
                                       Progress progress) {
    if (blobs.isEmpty()) {
      return importWhole(tenant, export, blobs, progress);
    }
    String name = LOCK + tenant + ":" + export.session().id();
    String token = instance + ":" + UUID.randomUUID();
    return lock(name, token).compose(v -> {
      long renewer = vertx.setPeriodic(LOCK_MS / 3, id -> feed.renewLock(name, token, LOCK_MS));
      return importWhole(tenant, export, blobs, progress)
          .eventually(() -> {
            vertx.cancelTimer(renewer);
            return feed.unlock(name, token).otherwiseEmpty();
          });
    });
  }

  /** Takes the lock, waiting while another restore holds it (polled: it is held for one session's restore). */
  private Future<Void> lock(String name, String token) {
    return feed.tryLock(name, token, LOCK_MS).compose(taken -> {
      if (taken) {
        return Future.succeededFuture();
      }
      Promise<Void> later = Promise.promise();
      vertx.setTimer(LOCK_POLL_MS, id -> lock(name, token).onComplete(later));
      return later.future();
    });
  }

  /**
   * Imports the session, then commits its blobs one by one (each staged chunk by chunk, then committed
   * in one step, so no half-written blob is ever visible). Every commit bumps the version, so the
   * session is imported at its version minus its blob count and ends at the version PostgreSQL holds.
   * Chunks are staged under the blob's generation, so the sync finds that generation in PostgreSQL
   * already and copies nothing back.
   */
  private Future<Void> importWhole(String tenant, SessionExport export, List<StoredBlobRow> blobs, Progress progress) {
    String id = export.session().id();
    Session s = export.session();
    SessionExport imported = blobs.isEmpty() ? export : new SessionExport(new Session(s.id(), s.state(), s.dataJson(),
        s.credsJson(), Math.max(1, s.version() - blobs.size()), s.createdAt(), s.updatedAt(), s.lastActivityAt(),
        s.ttlSeconds(), s.expiresAt()), export.keys(), export.messages(), export.credsHistory());
    return store.call(StoreAddresses.IMPORT, ImportSession.restore(tenant, imported, s.version()))
        .compose(r -> restoreBlobs(tenant, id, blobs, 0, r.session().version())
            .compose(v -> keepExpiry(tenant, s, r.session())))
        .<Void>map(r -> {
          progress.restored.incrementAndGet();
          return null;
        })
        .recover(e -> {
          if (e instanceof StoreException se && se.failure() == StoreFailure.VERSION_MISMATCH) {
            progress.skipped.incrementAndGet(); // Redis holds it as new or newer
          } else {
            progress.failed.incrementAndGet();
            LOG.warn("Cannot restore session {} of tenant {}: {}; skipped", id, tenant, e.getMessage());
          }
          return Future.succeededFuture();
        });
  }

  /**
   * A restore starts a session's TTL afresh in Redis (as any write does) and records nothing for sync,
   * so PostgreSQL's row gets the new expiry here: otherwise its clean-up of expired rows would delete
   * the durable copy of a session Redis still holds.
   */
  private Future<Void> keepExpiry(String tenant, Session durable, Session restored) {
    if (durable.ttlSeconds() <= 0 || restored.expiresAt() <= durable.expiresAt()) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery("UPDATE sessions SET expires_at = $1, activity_at = $2 WHERE tenant = $3 AND id = $4"
            + " AND created_at = $5 AND version = $6 AND expires_at < $1")
        .execute(Tuple.of(restored.expiresAt(), restored.lastActivityAt(), tenant, durable.id(), durable.createdAt(),
            durable.version()))
        .mapEmpty();
  }

  private Future<Long> restoreBlobs(String tenant, String id, List<StoredBlobRow> blobs, int i, long version) {
    if (i == blobs.size()) {
      return Future.succeededFuture(version);
    }
    StoredBlobRow b = blobs.get(i);
    return stage(tenant, id, b, 0)
        .compose(v -> store.call(StoreAddresses.COMMIT_BLOB, new CommitBlob(tenant, id, b.name(), b.generation(),
            b.chunks(), b.size(), version)))
        // A failed commit leaves its staged chunks to expire (an hour): they are named by the blob's
        // generation, so they may be the committed chunks of another restore of the same session.
        .recover(e -> e instanceof StoreException se && se.failure() == StoreFailure.VERSION_MISMATCH
            ? commitUnlessWrittenMeanwhile(tenant, id, b) : Future.failedFuture(e))
        .transform(ar -> ar.succeeded() ? restoreBlobs(tenant, id, blobs, i + 1, ar.result().version())
            : ar.cause() instanceof StoreException se && se.failure() == StoreFailure.VERSION_MISMATCH
                ? restoreBlobs(tenant, id, blobs, i + 1, version) // the client's own blob of that name is newer
                : Future.failedFuture(ar.cause()));
  }

  /**
   * The session was written between its import and this blob's commit (a client already uses it):
   * the blob is still committed unless the session has one of that name by now (then the client's is
   * newer). Without this, the sync of the client's write would delete the blob from PostgreSQL too.
   */
  private Future<io.sessiond.store.StoreRequests.BlobWritten> commitUnlessWrittenMeanwhile(String tenant, String id,
                                                                                         StoredBlobRow b) {
    return store.call(StoreAddresses.BLOB_INFO, new BlobRef(tenant, id, b.name(), StoreRequests.ANY_VERSION))
        .transform(ar -> {
          if (ar.succeeded()) {
            return Future.failedFuture(new StoreException(StoreFailure.VERSION_MISMATCH, "blob " + b.name()
                + " was written meanwhile"));
          }
          return ar.cause() instanceof StoreException se && se.failure() == StoreFailure.NOT_FOUND
              ? store.call(StoreAddresses.COMMIT_BLOB, new CommitBlob(tenant, id, b.name(), b.generation(), b.chunks(),
                  b.size(), StoreRequests.ANY_VERSION))
              : Future.failedFuture(ar.cause());
        });
  }

  private Future<Void> stage(String tenant, String id, StoredBlobRow b, int chunk) {
    if (chunk == b.chunks()) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery("SELECT data FROM blob_chunks WHERE tenant = $1 AND session_id = $2 AND name = $3"
            + " AND chunk = $4").execute(Tuple.of(tenant, id, b.name(), chunk))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(new IllegalStateException("chunk " + chunk + " of blob " + b.name()
                + " is missing in PostgreSQL"));
          }
          return store.call(StoreAddresses.STAGE_BLOB_CHUNK, new BlobChunk(tenant, id, b.generation(), chunk,
              rows.iterator().next().getBuffer("data")));
        })
        .compose(v -> stage(tenant, id, b, chunk + 1));
  }
}
