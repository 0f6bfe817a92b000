package io.sessiond.sync;

import io.sessiond.metrics.Metrics;

import io.sessiond.sync.ChangeFeed.Change;
import io.sessiond.sync.ChangeParts;
import io.sessiond.sync.SessionParts;
import io.sessiond.sync.PostgresPartsWriter.Held;
import io.sessiond.sync.PostgresPartsWriter.PartsWrite;
import io.sessiond.sync.PostgresSessionWriter.Deletion;
import io.sessiond.sync.SessionLocks.Ref;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.SqlConnection;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Write-behind, on the event loop and without blocking reads. Reading the change feed and writing to
 * PostgreSQL overlap: a batch read is written in a transaction of its own while the next one is read,
 * up to {@code parallel} transactions at once when the feed has a backlog (a read asks for enough for
 * all of them, and one that comes back full is followed by the next at once);
 * when a transaction commits, whatever arrived meanwhile is read at once, so a steady load is synced
 * continuously in batches whose size follows the load, and an idle instance reads every
 * {@code SESSION_SYNC_INTERVAL_MS}. For each batch, in one transaction, it locks the batch's sessions,
 * reads from Redis the current state of the parts the entries name (the session row, named keys, new
 * messages, blobs; or the whole session) and writes just those, a few statements per batch; it
 * acknowledges and deletes the entries only after the commit. Batches of this instance running at once
 * never name the same session: a change of a session a batch in flight holds waits here (read,
 * unacknowledged) and goes into a batch started after that one ends, together with every other change
 * of that session waiting by then (written once, at Redis's state then), so no batch waits for
 * another's locks. The locks still order this instance's batches against other instances and
 * write-through, and each batch reads Redis only once it holds them, so the last to commit wrote the
 * newest state. Every tick also takes over changes a crashed instance left pending
 * (XAUTOCLAIM). After any failure no new batch starts until those in flight are done; then the
 * entries this instance holds unacknowledged are read again (and again on every tick while
 * PostgreSQL is down) before new ones: writes to Redis go on meanwhile.
 */
final class SyncWorker {
  private static final Logger LOG = LoggerFactory.getLogger(SyncWorker.class);
  /** Full batches read by one flush (graceful shutdown) at most. */
  private static final int MAX_FLUSH_BATCHES = 50;
  /** Entries a read of new changes asks for, per session a batch may take ({@link #readCount()}). */
  static final int ENTRIES_PER_SESSION = 4;
  /** Quarantined sessions retried per tick at most, so a pile of them cannot crowd out the stream. */
  private static final int QUARANTINE_RETRIES_PER_TICK = 8;

  private final Vertx vertx;
  private final ChangeFeed log;
  private final PostgresSessionWriter writer;
  private final DurableEpoch epoch;
  /** Changes and Redis's epoch as read before them. */
  private record Read(String epoch, List<Change> changes) {
  }
  /** A change read (delivered, unacknowledged) and not yet in a batch, with the epoch it was read in. */
  private record Waiting(Change change, String epoch) {
  }
  private final BlobReader blobs;
  private final String consumer;
  private final int batchSize;
  private final long claimIdleMs;
  private final int parallel;
  /** Batches started and not yet committed and acknowledged. */
  private int inFlight;
  /**
   * Changes read and not yet in a batch (their session a batch in flight held, or more sessions than
   * the batches free could take), oldest first; a read starts only while less than a batch's worth
   * waits, so at most that plus one read ({@link #readCount()}, a cluster's last round more).
   */
  private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
  /** The sessions the batches in flight name: no other batch of this instance takes them until theirs ends. */
  private final Set<Ref> held = new HashSet<>();
  /** A read of the feed is on its way (one at a time). */
  private boolean reading;
  /** Something failed: entries may be pending here unacknowledged; they are read again before new ones. */
  private boolean retrying;
  private boolean claimDue = true;
  private boolean pendingDue = true;
  private boolean quarantineBusy;
  private boolean stopping;
  private volatile boolean postgresUp = true;
  private volatile long lagMs;
  private volatile long oldestWaiting;
  private boolean failing;

  /**
   * @param parallel batches written at once at most (each in its own transaction and connection)
   */
  SyncWorker(Vertx vertx, ChangeFeed log, PostgresSessionWriter writer, DurableEpoch epoch, BlobReader blobs,
             String consumer, int batchSize, long claimIdleMs, int parallel) {
    this.vertx = vertx;
    this.epoch = epoch;
    this.log = log;
    this.writer = writer;
    this.blobs = blobs;
    this.consumer = consumer;
    this.batchSize = batchSize;
    this.claimIdleMs = claimIdleMs;
    this.parallel = Math.max(1, parallel);
  }

  boolean postgresUp() {
    return postgresUp;
  }

  /** The last batch's lag, or how long the oldest change has been waiting while batches fail. */
  long lagMs() {
    return oldestWaiting > 0 ? System.currentTimeMillis() - oldestWaiting : lagMs;
  }

  /** Every {@code SESSION_SYNC_INTERVAL_MS}: claims, retries, reads what is new, retries quarantined sessions. */
  void tick() {
    claimDue = true;
    pendingDue = true;
    pump();
    if (!quarantineBusy && !stopping) {
      quarantineBusy = true;
      retryQuarantined().onComplete(ar -> quarantineBusy = false);
    }
  }

  /**
   * Reads the next changes unless a read is on its way, {@code parallel} batches are in flight, or a
   * failure waits for the batches in flight to finish; starts a batch of those whose session no batch
   * in flight holds (with the changes that waited for theirs), and reads on at once when the read was
   * full (a backlog). While a batch's worth of changes waits, it reads nothing new.
   */
  private void pump() {
    if (reading || stopping || inFlight >= parallel || (retrying && inFlight > 0)) {
      return;
    }
    if (retrying) {
      waiting.clear(); // nothing in flight: the pending read gets them again
    }
    if (waiting.size() >= batchSize) {
      if (start()) {
        pump();
      }
      return;
    }
    reading = true;
    // The epoch is read before the changes: their batch commits only if Redis kept its data since (DurableEpoch).
    epoch.advance().compose(read -> next().map(changes -> new Read(read, changes))).onComplete(ar -> {
      reading = false;
      if (ar.failed()) {
        retrying = true; // a read whose reply was lost may have delivered entries
        reported(ar.cause());
        return;
      }
      List<Change> changes = ar.result().changes();
      changes.forEach(c -> waiting.add(new Waiting(c, ar.result().epoch())));
      while (start()) {
        // as many batches as the read filled and sessions free allow
      }
      if (changes.size() >= readCount()) {
        pump();
      }
    });
  }

  /**
   * Entries a read of new changes asks for: {@link #ENTRIES_PER_SESSION} per session of every batch
   * that may run at once. So one read takes what arrived since the last one (also where it is spread
   * over a cluster's slot streams), and a backlog, where a session has several changes waiting, is
   * written a session once per batch rather than a change per batch (a read of {@code batchSize}
   * entries in stream order named each busy session about once).
   */
  private int readCount() {
    return batchSize * parallel * ENTRIES_PER_SESSION;
  }

  /**
   * Starts a batch of the waiting changes whose session no batch in flight holds (up to
   * {@code batchSize} sessions, each with all its waiting changes), under the epoch of the oldest
   * read among them: a batch with changes read before Redis lost its data must not commit. False
   * when none could start.
   */
  private boolean start() {
    if (inFlight >= parallel || stopping) {
      return false;
    }
    Set<Ref> taken = new HashSet<>();
    List<Change> changes = new ArrayList<>();
    String read = null;
    for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
      Waiting w = it.next();
      Ref ref = w.change().tenant() == null ? null : new Ref(w.change().tenant(), w.change().id());
      if (ref != null && (held.contains(ref) || (taken.size() >= batchSize && !taken.contains(ref)))) {
        continue;
      }
      it.remove();
      changes.add(w.change());
      read = read == null ? w.epoch() : read;
      if (ref != null) {
        taken.add(ref);
      }
    }
    if (changes.isEmpty()) {
      return false;
    }
    held.addAll(taken);
    inFlight++;
    process(changes, read).onComplete(done -> {
      inFlight--;
      held.removeAll(taken);
      if (done.failed()) {
        retrying = true;
        reported(done.cause());
      } else {
        reported(null);
      }
      pump(); // what arrived or waited while this batch was written (after a failure: once the others end)
    });
    return true;
  }

  /**
   * The next batch: entries of crashed instances (once per tick), else this instance's own pending
   * entries (after a failure, or once per tick when nothing is in flight or waits, so that only
   * entries no batch holds are pending), else new ones.
   */
  private Future<List<Change>> next() {
    if (claimDue) {
      claimDue = false;
      return log.claim(consumer, claimIdleMs, batchSize).compose(c -> c.isEmpty() ? next() : Future.succeededFuture(c));
    }
    if ((retrying || pendingDue) && inFlight == 0 && waiting.isEmpty()) {
      pendingDue = false;
      return log.pending(consumer, batchSize).compose(c -> {
        if (!c.isEmpty()) {
          return Future.succeededFuture(c);
        }
        retrying = false;
        return log.fresh(consumer, readCount());
      });
    }
    return log.fresh(consumer, readCount());
  }

  private void reported(Throwable failure) {
    if (failure != null && !failing) {
      LOG.warn("PostgreSQL sync is failing, changes wait in the Redis stream: {}", failure.getMessage());
    } else if (failure == null && failing) {
      LOG.info("PostgreSQL sync works again");
    }
    failing = failure != null;
  }

  /**
   * Stops starting batches, waits for those in flight, then syncs everything this instance can see,
   * one batch after the other, until nothing is left or {@code deadline} passes (graceful shutdown).
   */
  Future<Void> flush(long deadline) {
    stopping = true;
    if (reading || inFlight > 0) {
      return System.currentTimeMillis() > deadline ? Future.succeededFuture()
          : vertx.timer(20).compose(t -> flush(deadline));
    }
    waiting.clear(); // pending at this instance: read again below
    return cycle(0);
  }

  private Future<Void> cycle(int batches) {
    // The epoch is read before the changes: a batch commits only if Redis kept its data since (DurableEpoch).
    return epoch.advance().compose(e -> log.claim(consumer, claimIdleMs, batchSize).compose(c -> process(c, e))
        .compose(n -> log.pending(consumer, batchSize)).compose(c -> process(c, e))
        .compose(pending -> log.fresh(consumer, batchSize)
            .compose(c -> process(c, e)).map(fresh -> Math.max(pending, fresh))))
        .compose(n -> n >= batchSize && batches < MAX_FLUSH_BATCHES ? cycle(batches + 1) : Future.succeededFuture());
  }

  /** Syncs one batch of changes; the number of entries it took. */
  private Future<Integer> process(List<Change> changes, String read) {
    if (changes.isEmpty()) {
      return Future.succeededFuture(0);
    }
    long firstRecorded = changes.stream().mapToLong(Change::recordedAt).min().orElse(System.currentTimeMillis());
    Batch batch = Batch.of(changes);
    Future<Integer> synced = batch.isEmpty() ? Future.succeededFuture(0)
        : write(batch, read).onComplete(this::counted)
            .recover(e -> Quarantine.sessionFault(e) ? isolate(changes, read) : Future.failedFuture(e));
    return synced
        .onFailure(e -> oldestWaiting = oldestWaiting == 0 ? firstRecorded : Math.min(oldestWaiting, firstRecorded))
        .compose(v -> log.done(changes.stream().map(Change::entryId).toList()))
        .map(v -> {
          oldestWaiting = 0;
          lagMs = System.currentTimeMillis() - firstRecorded;
          return changes.size();
        });
  }

  /** Writes a batch in one transaction, under the Redis epoch its changes were read in ({@link DurableEpoch}). */
  private Future<Integer> write(Batch batch, String read) {
    return writer.transaction(conn -> epoch.hold(conn, read).compose(v -> sync(conn, batch.deletions(), batch.writes())));
  }

  private void counted(io.vertx.core.AsyncResult<Integer> ar) {
    if (ar.failed() && ar.cause() instanceof DurableEpoch.Moved) {
      return; // neither PostgreSQL's failure nor a batch: the changes are read again
    }
    postgresUp = ar.succeeded() || Quarantine.sessionFault(ar.cause());
    if (ar.succeeded()) {
      Metrics.meters(vertx).sync().batch(ar.result());
    } else {
      Metrics.meters(vertx).sync().failure();
    }
  }

  /**
   * A batch PostgreSQL refused: each session's changes again in a transaction of their own, one after
   * the other, so that the session at fault is found and quarantined and every other change still
   * lands. Fails (leaving the whole batch pending) as soon as PostgreSQL looks down rather than refusing.
   */
  private Future<Integer> isolate(List<Change> changes, String read) {
    Map<Ref, List<Change>> bySession = new LinkedHashMap<>();
    for (Change c : changes) {
      if (c.tenant() != null) {
        bySession.computeIfAbsent(new Ref(c.tenant(), c.id()), k -> new ArrayList<>()).add(c);
      }
    }
    Future<Integer> chain = Future.succeededFuture(0);
    for (Map.Entry<Ref, List<Change>> e : bySession.entrySet()) {
      chain = chain.compose(n -> syncAlone(e.getKey(), Batch.of(e.getValue()), read).map(m -> n + m));
    }
    return chain;
  }

  /** One session's changes in one transaction; a refusal quarantines it (and succeeds, so the batch goes on). */
  private Future<Integer> syncAlone(Ref ref, Batch batch, String read) {
    return write(batch, read).onComplete(this::counted)
        .compose(n -> log.quarantineOf(ref.tenant(), ref.id())
            .compose(q -> q == null ? Future.succeededFuture() : release(ref, batch)).map(n))
        .recover(e -> Quarantine.sessionFault(e) ? quarantine(ref, e).map(0) : Future.failedFuture(e));
  }

  /**
   * A session leaves quarantine only once the whole of it reached PostgreSQL: after an incremental
   * change that succeeded, a full sync is tried first (what was refused before may still be missing).
   */
  private Future<Void> release(Ref ref, Batch batch) {
    if (batch.full()) {
      LOG.info("Session {} of tenant {} reached PostgreSQL again: out of quarantine", ref.id(), ref.tenant());
      return log.release(ref.tenant(), ref.id());
    }
    return Future.succeededFuture();
  }

  private Future<Void> quarantine(Ref ref, Throwable failure) {
    Metrics.meters(vertx).sync().quarantineFailure();
    long now = System.currentTimeMillis();
    return log.quarantineOf(ref.tenant(), ref.id()).compose(old -> {
      int attempts = Quarantine.attempts(old) + 1;
      if (old == null) {
        LOG.warn("Session {} of tenant {} quarantined: {}; its changes stay in Redis and are retried with backoff,"
            + " every other change goes on", ref.id(), ref.tenant(), Quarantine.describe(failure));
      }
      return log.quarantine(ref.tenant(), ref.id(), Quarantine.detail(failure, Quarantine.since(old, now), attempts, now));
    });
  }

  /**
   * Retries a full sync of the quarantined sessions that are due (a few per tick): the session is
   * released when it reaches PostgreSQL whole, or is gone from Redis (its deletion entry removes it).
   */
  Future<Void> retryQuarantined() {
    long now = System.currentTimeMillis();
    return log.quarantined().compose(all -> {
      Future<Integer> chain = Future.succeededFuture(0);
      int due = 0;
      for (Map.Entry<String, String> e : all.entrySet()) {
        int colon = e.getKey().indexOf(':');
        if (colon < 0 || Quarantine.nextRetryAt(e.getValue()) > now || due++ >= QUARANTINE_RETRIES_PER_TICK) {
          continue;
        }
        Ref ref = new Ref(e.getKey().substring(0, colon), e.getKey().substring(colon + 1));
        chain = chain.compose(n -> epoch.advance().compose(read -> syncAlone(ref, Batch.full(ref), read)));
      }
      return chain.mapEmpty();
    });
  }

  private static boolean newer(Change a, Change b) {
    return a.createdAt() != b.createdAt() ? a.createdAt() > b.createdAt() : a.version() >= b.version();
  }

  /**
   * One batch in one transaction: lock every session of the batch, apply the deletions, see which rows
   * PostgreSQL holds, only then read the named parts from Redis (so what is written is at least as new
   * as anything an earlier transaction wrote), and write them; the number of sessions written or deleted.
   */
  private Future<Integer> sync(SqlConnection conn, List<Deletion> gone, Map<Ref, ChangeParts> writes) {
    List<Ref> sessions = new ArrayList<>(writes.keySet());
    gone.forEach(d -> sessions.add(new Ref(d.tenant(), d.id())));
    // Sent at once (pipelined, run in order): the deletions and the read of the rows wait for the locks.
    Future<Void> locked = SessionLocks.lock(conn, sessions);
    Future<Void> deleted = PostgresSessionWriter.deleteAll(conn, gone);
    Future<Map<Ref, Held>> rows = PostgresPartsWriter.held(conn, writes.keySet());
    return Future.all(locked, deleted, rows).map(v -> rows.result())
        .compose(held -> log.readParts(requests(writes, held)).map(reads -> notOlder(reads, held)))
        .compose(reads -> withBlobs(conn, reads, 0, new ArrayList<>()))
        .compose(parts -> PostgresPartsWriter.write(conn, parts).map(parts.size() + gone.size()));
  }

  private static List<SessionParts.Request> requests(Map<Ref, ChangeParts> writes, Map<Ref, Held> held) {
    List<SessionParts.Request> out = new ArrayList<>(writes.size());
    writes.forEach((ref, parts) -> {
      Held h = held.get(ref);
      out.add(new SessionParts.Request(ref.tenant(), ref.id(), h == null ? null : h.createdAt(), parts));
    });
    return out;
  }

  /**
   * The reads to write: sessions still in Redis whose (createdAt, version) is not older than the row
   * PostgreSQL holds (an older one can only come from clocks that disagree about createdAt; the row's
   * guard would refuse it, so its keys and messages must not be written either). An equal version is
   * written: its row is already there, but its named keys and messages may not be.
   */
  private static List<SessionParts> notOlder(List<SessionParts> reads, Map<Ref, Held> held) {
    List<SessionParts> out = new ArrayList<>(reads.size());
    for (SessionParts p : reads) {
      if (p == null) {
        continue;
      }
      Held h = held.get(new Ref(p.tenant(), p.session().id()));
      boolean older = h != null && (p.session().createdAt() != h.createdAt() ? p.session().createdAt() < h.createdAt()
          : p.session().version() < h.version());
      if (!older) {
        out.add(p);
      }
    }
    return out;
  }

  /** The reads with their blob copies, one session after the other (only sessions whose blobs were read). */
  private Future<List<PartsWrite>> withBlobs(SqlConnection conn, List<SessionParts> reads, int i, List<PartsWrite> out) {
    for (int j = i; j < reads.size(); j++) {
      SessionParts p = reads.get(j);
      if (p.blobs() != null) {
        int next = j + 1;
        return blobs.copies(conn, p.tenant(), p.session().id(), p.blobs()).compose(copies -> {
          out.add(new PartsWrite(p, copies));
          return withBlobs(conn, reads, next, out);
        });
      }
      out.add(new PartsWrite(p, null));
    }
    return Future.succeededFuture(out);
  }

  /** A batch's changes folded per session: the parts to write, and the deletions (the newest per session). */
  private record Batch(Map<Ref, ChangeParts> writes, List<Deletion> deletions, boolean full) {
    static Batch of(List<Change> changes) {
      Map<Ref, ChangeParts> writes = new LinkedHashMap<>();
      Map<Ref, Change> deletions = new LinkedHashMap<>();
      for (Change c : changes) {
        if (c.tenant() == null) {
          continue;
        }
        Ref ref = new Ref(c.tenant(), c.id());
        if (c.deleted()) {
          deletions.merge(ref, c, (a, b) -> newer(a, b) ? a : b);
        } else {
          writes.merge(ref, c.parts(), ChangeParts::merge);
        }
      }
      List<Deletion> gone = deletions.values().stream()
          .map(c -> new Deletion(c.tenant(), c.id(), c.createdAt(), c.version())).toList();
      boolean full = !gone.isEmpty() || (!writes.isEmpty() && writes.values().stream().allMatch(ChangeParts::full));
      return new Batch(writes, gone, full);
    }

    /** The whole session, as a retry of a quarantined one reads it. */
    static Batch full(Ref ref) {
      Map<Ref, ChangeParts> writes = new LinkedHashMap<>();
      writes.put(ref, ChangeParts.FULL);
      return new Batch(writes, List.of(), true);
    }

    boolean isEmpty() {
      return writes.isEmpty() && deletions.isEmpty();
    }
  }
}
