package io.sessiond.store.file;

import io.sessiond.store.LeaseRequests;
import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests;
import io.sessiond.store.StoreSettings;
import io.sessiond.store.OnceRequests;
import io.sessiond.store.memory.MemorySessionStore;
import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.SessionStatus;
import io.sessiond.store.StoreRequests.AppendMessages;
import io.sessiond.store.StoreRequests.AppendResult;
import io.sessiond.store.StoreRequests.ImportSession;
import io.sessiond.store.StoreRequests.KeyValues;
import io.sessiond.store.StoreRequests.ListSessions;
import io.sessiond.store.StoreRequests.MessagePage;
import io.sessiond.store.StoreRequests.PatchSession;
import io.sessiond.store.StoreRequests.PutCreds;
import io.sessiond.store.StoreRequests.PutResult;
import io.sessiond.store.StoreRequests.PutSession;
import io.sessiond.store.StoreRequests.QueryKeys;
import io.sessiond.store.StoreRequests.ReadMessages;
import io.sessiond.store.StoreRequests.SessionPage;
import io.sessiond.store.StoreRequests.SessionRef;
import io.sessiond.store.StoreRequests.StatusPage;
import io.sessiond.store.StoreRequests.Transition;
import io.sessiond.store.StoreRequests.WriteKeys;
import io.sessiond.store.StoreRequests.Written;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code SESSION_STORE=file}: the {@link MemorySessionStore} made durable in a directory. Every
 * change the memory store applies is journaled ({@link GroupCommit}); a write's future completes
 * only once its journal record is fsynced, and start-up replays the latest snapshot plus the
 * journal after it ({@link FileRecovery}). Like the memory store it runs on one event-loop thread;
 * file I/O happens only in {@code executeBlocking}.
 *
 * <p>With {@code restore=false} (AUTO_RESTORE_SESSIONS=false) it starts empty and moves the old
 * files into a {@code discarded-<time>} folder rather than deleting them. After a failed journal
 * write it refuses every operation with UNAVAILABLE until restarted (see {@link GroupCommit}).
 */
final class FileSessionStore implements SessionStore {
  public static final int DEFAULT_SNAPSHOT_EVERY = 10_000;
  private static final Logger LOG = LoggerFactory.getLogger(FileSessionStore.class);

  private final Vertx vertx;
  private final Path dataDir;
  private final boolean restore;
  private final int snapshotEvery;
  private final MemorySessionStore memory;
  private GroupCommit journal;
  private FileRecovery.Report recovery;
  private boolean closed;

  FileSessionStore(Vertx vertx, StoreSettings settings, Path dataDir, boolean restore, int snapshotEvery) {
    if (snapshotEvery < 1) {
      throw new IllegalArgumentException("snapshotEvery must be at least 1");
    }
    this.vertx = vertx;
    this.dataDir = dataDir;
    this.restore = restore;
    this.snapshotEvery = snapshotEvery;
    this.memory = new MemorySessionStore(settings);
  }

  FileSessionStore(Vertx vertx, StoreSettings settings, Path dataDir, boolean restore) {
    this(vertx, settings, dataDir, restore, DEFAULT_SNAPSHOT_EVERY);
  }

  /** What the last {@link #open()} found on disk; for tests and start-up logs. */
  FileRecovery.Report recovery() {
    return recovery;
  }

  @Override
  public Future<Void> open() {
    Context context = vertx.getOrCreateContext();
    return vertx.executeBlocking(() -> FileRecovery.recover(dataDir, restore)).map(recovered -> {
      recovered.changes().forEach(memory::replay);
      memory.dropStagedUploads();
      journal = new GroupCommit(vertx, context, dataDir, recovered.journal(), recovered.report().journalRecords(),
          snapshotEvery, memory::snapshot);
      memory.onChange(journal::record);
      recovery = recovered.report();
      LOG.info("file store opened in {}: {} sessions from the snapshot, {} journal records replayed", dataDir,
          recovery.snapshotSessions(), recovery.journalRecords());
      return null;
    });
  }

  @Override
  public Future<Void> close() {
    if (journal == null || closed) {
      return Future.succeededFuture();
    }
    closed = true;
    return journal.close();
  }

  @Override
  public Future<PutResult> put(PutSession request) {
    return write(() -> memory.put(request));
  }

  @Override
  public Future<Session> get(SessionRef ref) {
    return read(() -> memory.get(ref));
  }

  @Override
  public Future<Session> patch(PatchSession request) {
    return write(() -> memory.patch(request));
  }

  @Override
  public Future<Void> delete(SessionRef ref) {
    return write(() -> memory.delete(ref));
  }

  @Override
  public Future<SessionStatus> touch(SessionRef ref) {
    return write(() -> memory.touch(ref));
  }

  @Override
  public Future<SessionPage> list(ListSessions request) {
    return read(() -> memory.list(request));
  }

  @Override
  public Future<SessionStatus> status(SessionRef ref) {
    return read(() -> memory.status(ref));
  }

  @Override
  public Future<StatusPage> statusAll(ListSessions request) {
    return read(() -> memory.statusAll(request));
  }

  @Override
  public Future<Long> countSessions(StoreRequests.CountSessions request) {
    return read(() -> memory.countSessions(request));
  }

  @Override
  public Future<SessionStatus> transition(Transition request) {
    return write(() -> memory.transition(request));
  }

  @Override
  public Future<Written> putCreds(PutCreds request) {
    return write(() -> memory.putCreds(request));
  }

  @Override
  public Future<KeyValues> queryKeys(QueryKeys request) {
    return read(() -> memory.queryKeys(request));
  }

  @Override
  public Future<Written> writeKeys(WriteKeys request) {
    return write(() -> memory.writeKeys(request));
  }

  @Override
  public Future<Written> clearKeys(SessionRef ref) {
    return write(() -> memory.clearKeys(ref));
  }

  @Override
  public Future<AppendResult> appendMessages(AppendMessages request) {
    return write(() -> memory.appendMessages(request));
  }

  @Override
  public Future<MessagePage> readMessages(ReadMessages request) {
    return read(() -> memory.readMessages(request));
  }

  @Override
  public Future<SessionExport> export(SessionRef ref) {
    return read(() -> memory.export(ref));
  }

  @Override
  public Future<PutResult> importSession(ImportSession request) {
    return write(() -> memory.importSession(request));
  }

  /** Staged import keys are not journaled: an import that was not committed never happened. */
  @Override
  public Future<StoreRequests.StagedKeys> stageImportKeys(StoreRequests.StageImportKeys request) {
    return read(() -> memory.stageImportKeys(request));
  }

  @Override
  public Future<Void> dropStagedImport(StoreRequests.DropStagedImport request) {
    return read(() -> memory.dropStagedImport(request));
  }

  @Override
  public Future<Void> stageBlobChunk(StoreRequests.BlobChunk request) {
    return write(() -> memory.stageBlobChunk(request));
  }

  @Override
  public Future<StoreRequests.BlobWritten> commitBlob(StoreRequests.CommitBlob request) {
    return write(() -> memory.commitBlob(request));
  }

  @Override
  public Future<Void> abortBlob(StoreRequests.BlobUpload request) {
    return write(() -> memory.abortBlob(request));
  }

  @Override
  public Future<StoreRequests.BlobInfo> blobInfo(StoreRequests.BlobRef ref) {
    return read(() -> memory.blobInfo(ref));
  }

  @Override
  public Future<StoreRequests.BlobList> listBlobs(SessionRef ref) {
    return read(() -> memory.listBlobs(ref));
  }

  @Override
  public Future<StoreRequests.BlobData> readBlobChunk(StoreRequests.ReadBlobChunk request) {
    return read(() -> memory.readBlobChunk(request));
  }

  @Override
  public Future<Written> deleteBlob(StoreRequests.BlobRef ref) {
    return write(() -> memory.deleteBlob(ref));
  }

  @Override
  public Future<StoreRequests.CredsHistory> credsHistory(SessionRef ref) {
    return read(() -> memory.credsHistory(ref));
  }

  @Override
  public Future<Written> rollbackCreds(StoreRequests.RollbackCreds request) {
    return write(() -> memory.rollbackCreds(request));
  }

  // Leases are not journaled (LeaseTable): they take no write path.
  @Override
  public Future<LeaseRequests.LeaseGrant> acquireLease(LeaseRequests.AcquireLease request) {
    return read(() -> memory.acquireLease(request));
  }

  @Override
  public Future<LeaseRequests.LeaseReleased> releaseLease(LeaseRequests.ReleaseLease request) {
    return read(() -> memory.releaseLease(request));
  }

  @Override
  public Future<LeaseRequests.LeaseInfo> lease(SessionRef ref) {
    return read(() -> memory.lease(ref));
  }

  @Override
  public Future<StoreRequests.EventPage> readEvents(StoreRequests.ReadEvents request) {
    return read(() -> memory.readEvents(request));
  }

  @Override
  public Future<Integer> sweepExpired(long now) {
    return write(() -> memory.sweepExpired(now));
  }

  @Override
  public Future<OnceRequests.Outcome<AppendResult>> appendMessagesOnce(OnceRequests.AppendOnce request) {
    return write(() -> memory.appendMessagesOnce(request));
  }

  @Override
  public Future<OnceRequests.Outcome<SessionStatus>> transitionOnce(OnceRequests.TransitionOnce request) {
    return write(() -> memory.transitionOnce(request));
  }

  // Claims of idempotency keys are kept in memory only, like every idempotency record of this store.
  @Override
  public Future<OnceRequests.Claim> claimKey(OnceRequests.ClaimKey request) {
    return read(() -> memory.claimKey(request));
  }

  @Override
  public Future<Void> settleKey(OnceRequests.SettleKey request) {
    return read(() -> memory.settleKey(request));
  }

  @Override
  public Future<Void> releaseKey(OnceRequests.ReleaseKey request) {
    return read(() -> memory.releaseKey(request));
  }

  /**
   * Applies a write in memory, then answers once its journal record is on disk. A write that
   * changed nothing (a transition to the current state) answers at once.
   */
  private <T> Future<T> write(Supplier<Future<T>> operation) {
    StoreException refusal = refusal();
    if (refusal != null) {
      return Future.failedFuture(refusal);
    }
    long recordedBefore = journal.recorded();
    Future<T> applied = operation.get();
    if (applied.failed() || journal.recorded() == recordedBefore) {
      return applied;
    }
    return journal.durable().map(applied.result());
  }

  /**
   * Reads answer from memory at once. They are refused too once the journal has failed, because
   * memory may then hold writes that were reported as failed.
   */
  private <T> Future<T> read(Supplier<Future<T>> operation) {
    StoreException refusal = refusal();
    return refusal != null ? Future.failedFuture(refusal) : operation.get();
  }

  /** Fails once the journal has failed: the instance must be restarted. */
  @Override
  public Future<Void> ping() {
    StoreException refusal = refusal();
    return refusal != null ? Future.failedFuture(refusal) : Future.succeededFuture();
  }

  private StoreException refusal() {
    if (journal == null || closed) {
      return new StoreException(StoreFailure.UNAVAILABLE, "the session store is not open");
    }
    return journal.broken();
  }
}
