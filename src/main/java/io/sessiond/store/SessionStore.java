package io.sessiond.store;

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
import io.vertx.core.Future;
import java.util.List;

/**
 * The store contract every backend (memory, file, Redis) implements, and the contract test suite
 * checks. Rules common to every operation:
 * <ul>
 *   <li>Each operation is atomic: it applies whole or not at all, and a failed future means nothing
 *       changed. Failures are {@link StoreException}s carrying a {@link StoreFailure}.</li>
 *   <li>Every write that succeeds bumps the session's version by exactly 1 (touch included), sets
 *       {@code updatedAt} (not for touch) and {@code lastActivityAt} to now, and refreshes
 *       {@code expiresAt} = now + ttlSeconds (0 when ttlSeconds is 0).</li>
 *   <li>A write with {@code ifMatch != ANY_VERSION} fails with VERSION_MISMATCH when the session's
 *       version differs (and with NOT_FOUND when there is no session, except PUT and import, which
 *       treat a missing session as version 0).</li>
 *   <li>An expired session ({@code expiresAt <= now}) is gone for every operation, exactly as if
 *       deleted; {@link #sweepExpired} removes such sessions in the background.</li>
 *   <li>Writes to creds, keys, messages or state of a missing session fail with NOT_FOUND.</li>
 *   <li>Reads never change anything, not even activity.</li>
 *   <li>A write whose {@code fence} is not {@link StoreRequests#NO_FENCE} fails with FENCED, before any
 *       other check, unless the session's live lease has exactly that token.</li>
 *   <li>Tenants are disjoint: nothing one tenant does is visible to another.</li>
 * </ul>
 * Futures complete on the calling verticle's context.
 */
public interface SessionStore {

  /** Opens the backend (and restores what it holds, when configured); fails when it cannot. */
  Future<Void> open();

  /** Flushes and closes the backend. */
  Future<Void> close();

  /**
   * Whether the backend can serve requests now, for readiness: fails with UNAVAILABLE when it
   * cannot. The memory store always can.
   */
  default Future<Void> ping() {
    return Future.succeededFuture();
  }

  /** Create (version 1) or replace (version + 1); LIMIT_REACHED when the tenant is full. */
  Future<PutResult> put(PutSession request);

  /** The session; NOT_FOUND when absent or expired. */
  Future<Session> get(SessionRef ref);

  /** Merge-patches the data (RFC 7396); INVALID when the patch is not a JSON object. */
  Future<Session> patch(PatchSession request);

  /** Deletes the session with its creds, keys and messages. */
  Future<Void> delete(SessionRef ref);

  /** Refreshes TTL and activity; bumps the version. */
  Future<SessionStatus> touch(SessionRef ref);

  /** One page of the tenant's sessions, in id order. */
  Future<SessionPage> list(ListSessions request);

  /** One session's status, with key counts per type and the message count. */
  Future<SessionStatus> status(SessionRef ref);

  /** One page of the tenant's session statuses, in id order. */
  Future<StatusPage> statusAll(ListSessions request);

  /**
   * How many sessions the tenant holds, from the store's index of them at a cost independent of
   * their number: a session that expired is counted until the sweeper removes it.
   */
  Future<Long> countSessions(StoreRequests.CountSessions request);

  /** A lifecycle transition; ILLEGAL_TRANSITION when the state machine refuses it. */
  Future<SessionStatus> transition(Transition request);

  /** Replaces the credentials document. */
  Future<Written> putCreds(PutCreds request);

  /** Reads some keys of one type; missing ids are absent from the answer. */
  Future<KeyValues> queryKeys(QueryKeys request);

  /** Applies a key batch atomically: null values delete, others upsert. */
  Future<Written> writeKeys(WriteKeys request);

  /** Deletes every key of the session. */
  Future<Written> clearKeys(SessionRef ref);

  /** Appends messages, trimming the window to the newest {@code maxMessages}. */
  Future<AppendResult> appendMessages(AppendMessages request);

  /** A page of the message window. */
  Future<MessagePage> readMessages(ReadMessages request);

  /** The whole session: document, keys and messages. */
  Future<SessionExport> export(SessionRef ref);

  /** Creates or replaces a whole session from an export. */
  Future<PutResult> importSession(ImportSession request);

  /**
   * Several restore imports at once (sent together, so a backend that pipelines runs them back to
   * back); fails only when the request itself cannot be carried out, each import's refusal is its outcome.
   */
  default Future<StoreRequests.RestoreOutcomes> restoreAll(StoreRequests.RestoreImports request) {
    List<Future<PutResult>> all = new java.util.ArrayList<>(request.imports().size());
    for (ImportSession i : request.imports()) {
      all.add(importSession(i));
    }
    return Future.join(all).transform(ar -> {
      List<StoreRequests.RestoreOutcomes.Outcome> out = new java.util.ArrayList<>(all.size());
      for (Future<PutResult> f : all) {
        if (f.succeeded()) {
          out.add(new StoreRequests.RestoreOutcomes.Outcome(f.result().session(), null, null));
        } else if (f.cause() instanceof StoreException se) {
          out.add(new StoreRequests.RestoreOutcomes.Outcome(null, se.failure(), se.getMessage()));
        } else {
          return Future.failedFuture(f.cause());
        }
      }
      return Future.succeededFuture(new StoreRequests.RestoreOutcomes(out));
    });
  }

  /** Stages a batch of an import's keys (see {@link StoreRequests.StageImportKeys}). */
  Future<StoreRequests.StagedKeys> stageImportKeys(StoreRequests.StageImportKeys request);

  /** Drops what an import staged (see {@link StoreRequests.DropStagedImport}); nothing when there is none. */
  Future<Void> dropStagedImport(StoreRequests.DropStagedImport request);

  /** Removes every session expired at {@code now}; the number removed. */
  Future<Integer> sweepExpired(long now);

  /** Stages one chunk of a blob upload; invisible until committed. */
  Future<Void> stageBlobChunk(StoreRequests.BlobChunk request);

  /** Atomically makes a staged upload the named blob, replacing the old one; a write. */
  Future<StoreRequests.BlobWritten> commitBlob(StoreRequests.CommitBlob request);

  /** Drops the staged chunks of an upload that failed. */
  Future<Void> abortBlob(StoreRequests.BlobUpload request);

  /** The blob's size, chunk count and generation; NOT_FOUND when absent. */
  Future<StoreRequests.BlobInfo> blobInfo(StoreRequests.BlobRef ref);

  /** Every committed blob of the session (no data) and its version; NOT_FOUND when the session is absent. */
  Future<StoreRequests.BlobList> listBlobs(SessionRef ref);

  /** One chunk of one generation of a blob; NOT_FOUND when that generation is gone. */
  Future<StoreRequests.BlobData> readBlobChunk(StoreRequests.ReadBlobChunk request);

  /** Deletes a blob; a write. NOT_FOUND when absent. */
  Future<Written> deleteBlob(StoreRequests.BlobRef ref);

  /** The session's kept creds versions (CREDS_HISTORY of them), newest first. */
  Future<StoreRequests.CredsHistory> credsHistory(SessionRef ref);

  /** Restores a kept creds version byte for byte, as a creds write; NOT_FOUND when it is not kept. */
  Future<Written> rollbackCreds(StoreRequests.RollbackCreds request);

  /**
   * Grants the session's lease to a holder, or renews it for its holder (the session need not exist);
   * LEASE_HELD while another holder's lease is live. A new grant's token is above every token the
   * session's leases had, and never below the clock in milliseconds.
   */
  Future<LeaseRequests.LeaseGrant> acquireLease(LeaseRequests.AcquireLease request);

  /** Ends the live lease with the given token; FENCED when no live lease has it. */
  Future<LeaseRequests.LeaseReleased> releaseLease(LeaseRequests.ReleaseLease request);

  /** Who holds the session's lease and until when ({@link LeaseRequests.LeaseInfo#FREE} when nobody). */
  Future<LeaseRequests.LeaseInfo> lease(SessionRef ref);

  /**
   * An append made at most once per key of the session: the outcome is recorded in the same atomic
   * step as the write, and a repeat with the same digest returns it (replayed) without writing; a
   * repeat with another digest fails with KEY_REUSED. Failures are not recorded.
   */
  Future<OnceRequests.Outcome<AppendResult>> appendMessagesOnce(OnceRequests.AppendOnce request);

  /** A transition made at most once per key of the session, as {@link #appendMessagesOnce}. */
  Future<OnceRequests.Outcome<SessionStatus>> transitionOnce(OnceRequests.TransitionOnce request);

  /** Claims a tenant's idempotency key for a request that is not one atomic step. */
  Future<OnceRequests.Claim> claimKey(OnceRequests.ClaimKey request);

  /** Records the answer of a claimed request. */
  Future<Void> settleKey(OnceRequests.SettleKey request);

  /** Drops an unsettled claim. */
  Future<Void> releaseKey(OnceRequests.ReleaseKey request);

  /**
   * A page of the tenant's change events (see {@link EventType}): every write that bumps a version,
   * every deletion and expiry records one, atomically with the change, in one per-tenant log bounded
   * by length and age; reading never changes anything.
   */
  Future<StoreRequests.EventPage> readEvents(StoreRequests.ReadEvents request);
}
