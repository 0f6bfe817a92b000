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
import java.util.List;

/**
 * Every event-bus address the store verticle serves, with its request and reply types. This is
 * the one place an address string is written.
 */
public final class StoreAddresses {
  private static final String PREFIX = "sessiond.store.";

  public static final StoreOperation<PutSession, PutResult> PUT = op("put", SessionStore::put);
  public static final StoreOperation<SessionRef, Session> GET = op("get", SessionStore::get);
  public static final StoreOperation<PatchSession, Session> PATCH = op("patch", SessionStore::patch);
  public static final StoreOperation<SessionRef, Void> DELETE = op("delete", SessionStore::delete);
  public static final StoreOperation<SessionRef, SessionStatus> TOUCH = op("touch", SessionStore::touch);
  public static final StoreOperation<ListSessions, SessionPage> LIST = op("list", SessionStore::list);
  public static final StoreOperation<SessionRef, SessionStatus> STATUS = op("status", SessionStore::status);
  public static final StoreOperation<ListSessions, StatusPage> STATUS_ALL = op("status-all", SessionStore::statusAll);
  public static final StoreOperation<StoreRequests.CountSessions, Long> COUNT_SESSIONS =
      op("count-sessions", SessionStore::countSessions);
  public static final StoreOperation<Transition, SessionStatus> TRANSITION = op("transition", SessionStore::transition);
  public static final StoreOperation<PutCreds, Written> PUT_CREDS = op("put-creds", SessionStore::putCreds);
  public static final StoreOperation<QueryKeys, KeyValues> QUERY_KEYS = op("query-keys", SessionStore::queryKeys);
  public static final StoreOperation<WriteKeys, Written> WRITE_KEYS = op("write-keys", SessionStore::writeKeys);
  public static final StoreOperation<SessionRef, Written> CLEAR_KEYS = op("clear-keys", SessionStore::clearKeys);
  public static final StoreOperation<AppendMessages, AppendResult> APPEND_MESSAGES =
      op("append-messages", SessionStore::appendMessages);
  public static final StoreOperation<ReadMessages, MessagePage> READ_MESSAGES =
      op("read-messages", SessionStore::readMessages);
  public static final StoreOperation<SessionRef, SessionExport> EXPORT = op("export", SessionStore::export);
  public static final StoreOperation<ImportSession, PutResult> IMPORT = op("import", SessionStore::importSession);
  public static final StoreOperation<StoreRequests.RestoreImports, StoreRequests.RestoreOutcomes> RESTORE_ALL =
      op("restore-all", SessionStore::restoreAll);
  public static final StoreOperation<StoreRequests.StageImportKeys, StoreRequests.StagedKeys> STAGE_IMPORT_KEYS =
      op("stage-import-keys", SessionStore::stageImportKeys);
  public static final StoreOperation<StoreRequests.DropStagedImport, Void> DROP_STAGED_IMPORT =
      op("drop-staged-import", SessionStore::dropStagedImport);

  public static final StoreOperation<StoreRequests.BlobChunk, Void> STAGE_BLOB_CHUNK =
      op("stage-blob-chunk", SessionStore::stageBlobChunk);
  public static final StoreOperation<StoreRequests.CommitBlob, StoreRequests.BlobWritten> COMMIT_BLOB =
      op("commit-blob", SessionStore::commitBlob);
  public static final StoreOperation<StoreRequests.BlobUpload, Void> ABORT_BLOB = op("abort-blob", SessionStore::abortBlob);
  public static final StoreOperation<StoreRequests.BlobRef, StoreRequests.BlobInfo> BLOB_INFO =
      op("blob-info", SessionStore::blobInfo);
  public static final StoreOperation<SessionRef, StoreRequests.BlobList> LIST_BLOBS =
      op("list-blobs", SessionStore::listBlobs);
  public static final StoreOperation<StoreRequests.ReadBlobChunk, StoreRequests.BlobData> READ_BLOB_CHUNK =
      op("read-blob-chunk", SessionStore::readBlobChunk);
  public static final StoreOperation<StoreRequests.BlobRef, Written> DELETE_BLOB = op("delete-blob", SessionStore::deleteBlob);

  public static final StoreOperation<SessionRef, StoreRequests.CredsHistory> CREDS_HISTORY =
      op("creds-history", SessionStore::credsHistory);
  public static final StoreOperation<StoreRequests.RollbackCreds, Written> ROLLBACK_CREDS =
      op("rollback-creds", SessionStore::rollbackCreds);
  public static final StoreOperation<LeaseRequests.AcquireLease, LeaseRequests.LeaseGrant> ACQUIRE_LEASE =
      op("acquire-lease", SessionStore::acquireLease);
  public static final StoreOperation<LeaseRequests.ReleaseLease, LeaseRequests.LeaseReleased> RELEASE_LEASE =
      op("release-lease", SessionStore::releaseLease);
  public static final StoreOperation<SessionRef, LeaseRequests.LeaseInfo> GET_LEASE = op("get-lease", SessionStore::lease);
  public static final StoreOperation<OnceRequests.AppendOnce, OnceRequests.Outcome<AppendResult>> APPEND_ONCE =
      op("append-messages-once", SessionStore::appendMessagesOnce);
  public static final StoreOperation<OnceRequests.TransitionOnce, OnceRequests.Outcome<SessionStatus>> TRANSITION_ONCE =
      op("transition-once", SessionStore::transitionOnce);
  public static final StoreOperation<OnceRequests.ClaimKey, OnceRequests.Claim> CLAIM_KEY = op("claim-key", SessionStore::claimKey);
  public static final StoreOperation<OnceRequests.SettleKey, Void> SETTLE_KEY = op("settle-key", SessionStore::settleKey);
  public static final StoreOperation<OnceRequests.ReleaseKey, Void> RELEASE_KEY = op("release-key", SessionStore::releaseKey);
  public static final StoreOperation<StoreRequests.ReadEvents, StoreRequests.EventPage> READ_EVENTS =
      op("read-events", SessionStore::readEvents);

  /** Answers "pong" when the store verticle is responsive and its backend can serve requests. */
  public static final String PING = PREFIX + "ping";

  /** Every operation, for the store verticle to register. */
  public static final List<StoreOperation<?, ?>> ALL = List.of(PUT, GET, PATCH, DELETE, TOUCH, LIST, STATUS,
      STATUS_ALL, COUNT_SESSIONS, TRANSITION, PUT_CREDS, QUERY_KEYS, WRITE_KEYS, CLEAR_KEYS, APPEND_MESSAGES,
      READ_MESSAGES, EXPORT, IMPORT, RESTORE_ALL, STAGE_IMPORT_KEYS, DROP_STAGED_IMPORT, STAGE_BLOB_CHUNK, COMMIT_BLOB,
      ABORT_BLOB, BLOB_INFO, LIST_BLOBS, READ_BLOB_CHUNK, DELETE_BLOB, ACQUIRE_LEASE, RELEASE_LEASE, GET_LEASE,
      APPEND_ONCE, TRANSITION_ONCE, CLAIM_KEY, SETTLE_KEY, RELEASE_KEY, CREDS_HISTORY, ROLLBACK_CREDS,
      READ_EVENTS);

  private StoreAddresses() {
  }

  private static <Q, R> StoreOperation<Q, R> op(String action, java.util.function.BiFunction<SessionStore, Q, io.vertx.core.Future<R>> invoke) {
    return new StoreOperation<>(PREFIX + action, invoke);
  }
}
