package io.sessiond.sync;

import io.sessiond.metrics.Metrics;
import io.sessiond.session.SessionExport;
import io.sessiond.store.ChangeLog;
import io.sessiond.store.ChangeLog.Change;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests.SessionRef;
import io.sessiond.sync.PostgresSessionWriter.Deletion;
import io.sessiond.sync.PostgresSessionWriter.Upsert;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Write-behind: every {@code SESSION_SYNC_INTERVAL_MS}, on the event loop and without blocking reads,
 * takes over changes a crashed instance left pending (XAUTOCLAIM), retries its own pending ones,
 * then reads new ones; for each batch it reads the sessions' current state from the store (so an
 * entry only names a session), writes them into PostgreSQL in one transaction, and acknowledges and
 * deletes the entries only after the commit. When PostgreSQL is down the entries stay pending here
 * and are retried on every tick; writes to Redis go on.
 */
final class SyncWorker {
  private static final Logger LOG = LoggerFactory.getLogger(SyncWorker.class);
  /** Full batches read in one tick before yielding to the next tick. */
  private static final int MAX_BATCHES_PER_TICK = 50;

  private final Vertx vertx;
  private final ChangeLog log;
  private final PostgresSessionWriter writer;
  private final StoreClient store;
  private final BlobReader blobs;
  private final String consumer;
  private final int batchSize;
  private final long claimIdleMs;
  private boolean busy;
  private volatile boolean postgresUp = true;
  private volatile long lagMs;
  private volatile long oldestWaiting;
  private boolean failing;

  SyncWorker(Vertx vertx, ChangeLog log, PostgresSessionWriter writer, StoreClient store, BlobReader blobs,
             String consumer, int batchSize, long claimIdleMs) {
    this.vertx = vertx;
    this.log = log;
    this.writer = writer;
    this.store = store;
    this.blobs = blobs;
    this.consumer = consumer;
    this.batchSize = batchSize;
    this.claimIdleMs = claimIdleMs;
  }

  boolean postgresUp() {
    return postgresUp;
  }

  /** The last batch's lag, or how long the oldest change has been waiting while batches fail. */
  long lagMs() {
    return oldestWaiting > 0 ? System.currentTimeMillis() - oldestWaiting : lagMs;
  }

  /** One tick: skipped when the previous one is still running. */
  void tick() {
    if (busy) {
      return;
    }
    busy = true;
    cycle(0).onComplete(ar -> {
      busy = false;
      if (ar.failed() && !failing) {
        LOG.warn("PostgreSQL sync is failing, changes wait in the Redis stream: {}", ar.cause().getMessage());
      } else if (ar.succeeded() && failing) {
        LOG.info("PostgreSQL sync works again");
      }
      failing = ar.failed();
    });
  }

  /** Syncs everything this instance can see, until nothing is left or {@code deadline} passes (graceful shutdown). */
  Future<Void> flush(long deadline) {
    if (busy) {
      return System.currentTimeMillis() > deadline ? Future.succeededFuture()
          : vertx.timer(20).compose(t -> flush(deadline));
    }
    busy = true;
    return cycle(0).eventually(() -> {
      busy = false;
      return Future.succeededFuture();
    });
  }

  private Future<Void> cycle(int batches) {
    return log.claim(consumer, claimIdleMs, batchSize).compose(this::process)
        .compose(n -> log.pending(consumer, batchSize)).compose(this::process)
        .compose(pendingDone -> log.fresh(consumer, batchSize)).compose(this::process)
        .compose(n -> n == batchSize && batches < MAX_BATCHES_PER_TICK ? cycle(batches + 1) : Future.succeededFuture());
  }

  /** Syncs one batch of changes; the number of entries it took. */
  private Future<Integer> process(List<Change> changes) {
    if (changes.isEmpty()) {
      return Future.succeededFuture(0);
    }
    Map<String, Change> writes = new LinkedHashMap<>();
    Map<String, Change> deletions = new LinkedHashMap<>();
    long oldest = Long.MAX_VALUE;
    for (Change c : changes) {
      oldest = Math.min(oldest, c.recordedAt());
      if (c.tenant() == null) {
        continue;
      }
      String key = c.tenant() + ":" + c.id();
      if (c.deleted()) {
        deletions.merge(key, c, (a, b) -> newer(a, b) ? a : b);
      } else {
        writes.put(key, c);
      }
    }
    long firstRecorded = oldest;
    List<Future<Upsert>> reads = writes.values().stream().map(this::current).toList();
    return Future.all(reads).compose(all -> {
      List<Upsert> upserts = new ArrayList<>();
      reads.forEach(f -> {
        if (f.result() != null) {
          upserts.add(f.result());
        }
      });
      List<Deletion> gone = deletions.values().stream()
          .map(c -> new Deletion(c.tenant(), c.id(), c.createdAt(), c.version())).toList();
      return writer.write(gone, upserts).onComplete(ar -> {
        postgresUp = ar.succeeded();
        if (ar.succeeded()) {
          Metrics.meters(vertx).sync().batch(gone.size() + upserts.size());
        } else {
          Metrics.meters(vertx).sync().failure();
        }
      });
    }).onFailure(e -> oldestWaiting = oldestWaiting == 0 ? firstRecorded : Math.min(oldestWaiting, firstRecorded))
        .compose(v -> log.done(changes.stream().map(Change::entryId).toList()))
        .map(v -> {
          oldestWaiting = 0;
          lagMs = System.currentTimeMillis() - firstRecorded;
          return changes.size();
        });
  }

  private static boolean newer(Change a, Change b) {
    return a.createdAt() != b.createdAt() ? a.createdAt() > b.createdAt() : a.version() >= b.version();
  }

  /** Reads of a session that keeps changing under them before it is left to its newer entry. */
  private static final int READ_ATTEMPTS = 3;

  private Future<Upsert> current(Change c) {
    return current(c, READ_ATTEMPTS);
  }

  /**
   * The session as the store holds it now, with its blobs; {@code null} when it is gone (its deletion
   * entry removes it) or kept changing while read (every change appends an entry, so a newer one
   * is in the stream and syncs it).
   */
  private Future<Upsert> current(Change c, int attemptsLeft) {
    return store.call(StoreAddresses.EXPORT, new SessionRef(c.tenant(), c.id()))
        .compose(e -> blobs.withBlobs(c.tenant(), (SessionExport) e))
        .recover(e -> {
          if (e instanceof StoreException se && se.failure() == StoreFailure.NOT_FOUND) {
            return Future.succeededFuture(null);
          }
          if (e instanceof BlobReader.Moved) {
            if (attemptsLeft > 1) {
              return current(c, attemptsLeft - 1);
            }
            LOG.debug("session {} of tenant {} kept changing while read; its newer change syncs it", c.id(), c.tenant());
            return Future.succeededFuture(null);
          }
          return Future.failedFuture(e);
        });
  }
}
