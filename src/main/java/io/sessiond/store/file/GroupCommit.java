package io.sessiond.store.file;

import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.memory.StoreChange;
import io.sessiond.store.memory.StoreChange.Imported;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file store's durability pipeline. Changes are encoded on the event loop as they are applied;
 * all changes of one event-loop turn (and of every turn that passes while a flush is running) are
 * then appended and fsynced together in one {@code executeBlocking} step, and the writes that made
 * them complete only after that. At most one flush runs at a time, which keeps journal order equal
 * to apply order. Every {@code snapshotEvery} records a snapshot of the state right after a flush
 * is written and a new journal begun.
 *
 * <p>When an append or fsync fails, the writes of that batch fail with UNAVAILABLE and the pipeline
 * is broken for good: memory already holds changes the disk does not, and whether the journal's
 * tail holds part of them is unknown, so the store refuses every further operation until a
 * restart recovers from what the disk really holds.
 */
final class GroupCommit {
  private static final Logger LOG = LoggerFactory.getLogger(FileSessionStore.class);

  private final Vertx vertx;
  private final Context context;
  private final Path dir;
  private final int snapshotEvery;
  private final Supplier<List<Imported>> image;
  private Journal journal; // used only inside blocking steps, which never overlap
  private long recordsSinceSnapshot;
  private long recorded;
  private final List<byte[]> pending = new ArrayList<>();
  private Promise<Void> pendingDurable;
  private boolean flushScheduled;
  private boolean flushing;
  private Promise<Void> flushDone = Promise.promise();
  private StoreException broken;

  GroupCommit(Vertx vertx, Context context, Path dir, Journal journal, long journalRecords, int snapshotEvery,
              Supplier<List<Imported>> image) {
    this.vertx = vertx;
    this.context = context;
    this.dir = dir;
    this.journal = journal;
    this.recordsSinceSnapshot = journalRecords;
    this.snapshotEvery = snapshotEvery;
    this.image = image;
  }

  /** Called on the event loop for every applied change, in apply order. */
  void record(StoreChange change) {
    if (broken != null) {
      return;
    }
    pending.add(ChangeCodec.encode(change));
    recorded++;
    if (pendingDurable == null) {
      pendingDurable = Promise.promise();
    }
    if (!flushScheduled && !flushing) {
      flushScheduled = true;
      context.runOnContext(v -> flush()); // after this turn, so the turn's other writes join the batch
    }
  }

  /** How many changes were ever recorded; a write that changed nothing leaves it alone. */
  long recorded() {
    return recorded;
  }

  /** Completes when every change recorded so far is on disk. */
  Future<Void> durable() {
    if (broken != null) {
      return Future.failedFuture(broken);
    }
    return pendingDurable == null ? Future.succeededFuture() : pendingDurable.future();
  }

  /** Why operations are refused, or {@code null} while the journal works. */
  StoreException broken() {
    return broken;
  }

  private void flush() {
    flushScheduled = false;
    if (flushing || pending.isEmpty() || broken != null) {
      return;
    }
    List<byte[]> batch = List.copyOf(pending);
    pending.clear();
    Promise<Void> batchDurable = pendingDurable;
    pendingDurable = null;
    flushing = true;
    flushDone = Promise.promise();
    // Taken now, with nothing pending, it is exactly the state after this batch.
    List<Imported> snapshot = recordsSinceSnapshot + batch.size() >= snapshotEvery ? image.get() : null;
    vertx.<Void>executeBlocking(() -> {
      journal.append(batch);
      return null;
    }).onSuccess(v -> {
      recordsSinceSnapshot += batch.size();
      batchDurable.complete();
    }).onFailure(e -> breakDown(e, batchDurable))
        .compose(v -> snapshot == null ? Future.<Void>succeededFuture() : snapshot(snapshot))
        .onComplete(ar -> flushEnded());
  }

  private void flushEnded() {
    flushing = false;
    flushDone.tryComplete();
    if (!pending.isEmpty()) {
      flush();
    }
  }

  private void breakDown(Throwable cause, Promise<Void> batchDurable) {
    LOG.error("the file store's journal in {} failed; refusing every operation until restart", dir, cause);
    broken = new StoreException(StoreFailure.UNAVAILABLE,
        "the session store could not write to disk; it accepts nothing until it is restarted", cause);
    batchDurable.tryFail(broken);
    if (pendingDurable != null) {
      pendingDurable.tryFail(broken);
      pendingDurable = null;
    }
    pending.clear();
  }

  /** Writes a snapshot of {@code sessions} and starts the next journal generation. */
  private Future<Void> snapshot(List<Imported> sessions) {
    long next = journal.generation() + 1;
    return vertx.<Void>executeBlocking(() -> {
      Path temp;
      try {
        temp = SnapshotFile.writeTemp(dir, next, sessions);
      } catch (IOException e) {
        throw new SnapshotNotWritten(e);
      }
      SnapshotFile.install(dir, temp);
      Journal previous = journal;
      journal = Journal.openForAppend(dir, next, 0);
      retireQuietly(previous);
      return null;
    }).onSuccess(v -> recordsSinceSnapshot = 0)
        .recover(e -> {
          if (e instanceof SnapshotNotWritten) {
            // The old snapshot and journal are intact; try again after another snapshotEvery records.
            LOG.warn("could not write a snapshot in {}; the journal keeps growing", dir, e.getCause());
            recordsSinceSnapshot = 0;
          } else {
            breakDown(e, Promise.promise());
          }
          return Future.succeededFuture();
        });
  }

  private void retireQuietly(Journal previous) {
    try {
      previous.retire();
    } catch (IOException e) {
      LOG.warn("could not remove a superseded journal in {}; start-up will remove it", dir, e);
    }
  }

  /** Waits for every recorded change to be on disk, snapshots what the journal holds, and closes it. */
  Future<Void> close() {
    return drain().compose(v -> {
      if (broken != null) {
        return vertx.executeBlocking(() -> closeJournal());
      }
      Future<Void> snapshotted = recordsSinceSnapshot > 0 ? snapshot(image.get()) : Future.succeededFuture();
      return snapshotted.compose(x -> vertx.executeBlocking(() -> closeJournal()));
    });
  }

  private Void closeJournal() throws IOException {
    journal.close();
    return null;
  }

  private Future<Void> drain() {
    if (flushing) {
      return flushDone.future().transform(ar -> drain());
    }
    if (!pending.isEmpty() && broken == null) {
      flush();
      return drain();
    }
    return Future.succeededFuture();
  }

  /** A snapshot failed before it replaced anything: safe to carry on with the current journal. */
  private static final class SnapshotNotWritten extends RuntimeException {
    SnapshotNotWritten(IOException cause) {
      super(cause);
    }
  }
}
