package io.sessiond.store.memory;

import io.sessiond.store.LeaseEvents;
import io.sessiond.store.LeaseRequests;
import io.sessiond.store.OnceRequests;
import io.sessiond.store.EventType;
import io.sessiond.store.RequestChecks;
import io.sessiond.store.SessionStore;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests;
import io.sessiond.store.StoreSettings;
import io.sessiond.session.CredsVersion;
import io.sessiond.session.MergePatch;
import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.SessionState;
import io.sessiond.session.SessionStatus;
import io.sessiond.session.StoredMessage;
import io.sessiond.store.memory.StoreChange.BlobChunkStaged;
import io.sessiond.store.memory.StoreChange.BlobCommitted;
import io.sessiond.store.memory.StoreChange.BlobDeleted;
import io.sessiond.store.memory.StoreChange.BlobUploadDropped;
import io.sessiond.store.memory.StoreChange.CredsWritten;
import io.sessiond.store.memory.StoreChange.Deleted;
import io.sessiond.store.memory.StoreChange.DocumentWritten;
import io.sessiond.store.memory.StoreChange.Imported;
import io.sessiond.store.memory.StoreChange.KeysCleared;
import io.sessiond.store.memory.StoreChange.KeysWritten;
import io.sessiond.store.memory.StoreChange.MessagesAppended;
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
import io.sessiond.tenant.TenantLimits;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The embedded backend ({@code SESSION_STORE=memory}), and the engine under the file store ({@code store.file}).
 * It runs on one event-loop thread (the store verticle deploys one instance for it), so it takes no
 * locks and completes every future before returning. Every operation checks everything first and
 * only then applies one {@link StoreChange} through {@link SessionTable#apply}, which is what makes
 * it atomic; the same change goes to the optional change listener (the file store's journal).
 */
public final class MemorySessionStore implements SessionStore {
  private static final String EMPTY_DATA = "{}";

  private final StoreSettings settings;
  private final SessionTable table = new SessionTable();
  private final LeaseTable leases = new LeaseTable();
  private final StagedImports stagedImports = new StagedImports();
  private final OnceTable once = new OnceTable();
  private final MemoryEvents events;
  private Consumer<StoreChange> listener = change -> { };
  private LeaseEvents leaseEvents;

  public MemorySessionStore(StoreSettings settings) {
    this.settings = settings;
    this.events = new MemoryEvents(settings.events());
    this.leaseEvents = this::recordLeaseEvent;
  }

  /** The store's change event log. */
  public MemoryEvents events() {
    return events;
  }

  /** A lease's grant or end, in the change event log at the session's version (0 when it does not exist). */
  private void recordLeaseEvent(String tenant, String id, LeaseEvents.Kind kind, String holder, long token, long at) {
    SessionEntry entry = table.find(tenant, id);
    long version = entry == null || entry.session().expiredAt(at) ? 0 : entry.session().version();
    events.record(tenant, kind == LeaseEvents.Kind.ACQUIRED ? EventType.LEASE_ACQUIRED : EventType.LEASE_LOST, id,
        version, at, holder, token);
  }

  /** Sends every change applied from now on to {@code listener}, after it is applied. */
  public void onChange(Consumer<StoreChange> listener) {
    this.listener = listener;
  }

  /** Reports every lease grant and end from now on to {@code events} (by default: the change event log). */
  public void onLeaseEvent(LeaseEvents events) {
    this.leaseEvents = events;
  }

  /** Applies a change recorded earlier, without telling the listener (a journal replay). */
  public void replay(StoreChange change) {
    table.apply(change);
  }

  /** Every session as an import, for a snapshot. */
  public List<Imported> snapshot() {
    return table.snapshot();
  }

  @Override
  public Future<Void> open() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  @Override
  public Future<PutResult> put(PutSession r) {
    return attempt(() -> {
      RequestChecks.sessionId(r.id());
      RequestChecks.ttl(r.ttlSeconds());
      long now = now();
      leases.checkFence(r, now);
      SessionEntry current = live(r.tenant(), r.id(), now);
      checkVersion(r.ifMatch(), current == null ? 0 : current.session().version());
      return current == null ? create(r, now) : replace(r, current, now);
    });
  }

  private PutResult create(PutSession r, long now) {
    checkRoomForNewSession(r.tenant(), now);
    SessionState state = r.state() != null ? r.state() : SessionState.UNREGISTERED;
    long ttl = r.ttlSeconds() != null ? r.ttlSeconds() : settings.defaultTtlSeconds();
    Session created = new Session(r.id(), state, dataOrEmpty(r.dataJson()), RequestChecks.clearable(r.credsJson()), 1,
        now, now, now, ttl, Session.expiryFor(now, ttl));
    List<CredsVersion> history = SessionEntry.historyAfter(List.of(), created.credsJson(), 1, now, settings.credsHistory());
    checkSize(r.tenant(), SessionEntry.documentBytes(created) + SessionEntry.historyBytes(history), 0);
    commit(new CredsWritten(r.tenant(), created, history), EventType.CREATED, created);
    return new PutResult(created, true);
  }

  private PutResult replace(PutSession r, SessionEntry current, long now) {
    Session old = current.session();
    SessionState state = r.state() == null ? old.state() : checkTransition(old.state(), r.state());
    String creds = r.credsJson() == null ? old.credsJson() : RequestChecks.clearable(r.credsJson());
    long ttl = r.ttlSeconds() != null ? r.ttlSeconds() : old.ttlSeconds();
    Session replaced = written(old, state, dataOrEmpty(r.dataJson()), creds, ttl, now);
    if (r.credsJson() == null) {
      checkSize(r.tenant(), current.bytesWithDocument(replaced), current.bytes());
      commit(new DocumentWritten(r.tenant(), replaced), EventType.UPDATED, replaced);
    } else {
      writeCreds(r.tenant(), current, replaced, now, EventType.UPDATED);
    }
    return new PutResult(replaced, false);
  }

  @Override
  public Future<Session> get(SessionRef ref) {
    return attempt(() -> requireLive(ref.tenant(), ref.id(), now()).session());
  }

  @Override
  public Future<Session> patch(PatchSession r) {
    return attempt(() -> {
      long now = now();
      leases.checkFence(r, now);
      SessionEntry entry = writable(r.tenant(), r.id(), r.ifMatch(), now);
      JsonObject patch = RequestChecks.patchObject(r.patchJson());
      Session old = entry.session();
      String data = MergePatch.apply(new JsonObject(old.dataJson()), patch).encode();
      Session patched = written(old, old.state(), data, old.credsJson(), old.ttlSeconds(), now);
      checkSize(r.tenant(), entry.bytesWithDocument(patched), entry.bytes());
      commit(new DocumentWritten(r.tenant(), patched), EventType.UPDATED, patched);
      return patched;
    });
  }

  @Override
  public Future<Void> delete(SessionRef ref) {
    return attempt(() -> {
      long now = now();
      leases.checkFence(ref, now);
      SessionEntry entry = writable(ref.tenant(), ref.id(), ref.ifMatch(), now);
      commit(new Deleted(ref.tenant(), ref.id()));
      events.record(ref.tenant(), EventType.DELETED, ref.id(), entry.session().version(), now);
      return null;
    });
  }

  @Override
  public Future<SessionStatus> touch(SessionRef ref) {
    return attempt(() -> {
      long now = now();
      leases.checkFence(ref, now);
      SessionEntry entry = writable(ref.tenant(), ref.id(), ref.ifMatch(), now);
      Session old = entry.session();
      // A touch is activity, not an update: updatedAt stays.
      Session touched = new Session(old.id(), old.state(), old.dataJson(), old.credsJson(), old.version() + 1,
          old.createdAt(), old.updatedAt(), now, old.ttlSeconds(), Session.expiryFor(now, old.ttlSeconds()));
      commit(new DocumentWritten(ref.tenant(), touched), EventType.UPDATED, touched);
      return statusOf(entry);
    });
  }

  @Override
  public Future<SessionPage> list(ListSessions r) {
    return attempt(() -> {
      EntryPage page = page(r);
      return new SessionPage(page.entries().stream().map(SessionEntry::session).toList(), page.nextAfterId());
    });
  }

  @Override
  public Future<SessionStatus> status(SessionRef ref) {
    return attempt(() -> statusOf(requireLive(ref.tenant(), ref.id(), now())));
  }

  @Override
  public Future<StatusPage> statusAll(ListSessions r) {
    return attempt(() -> {
      EntryPage page = page(r);
      return new StatusPage(page.entries().stream().map(MemorySessionStore::statusOf).toList(), page.nextAfterId());
    });
  }

  @Override
  public Future<Long> countSessions(StoreRequests.CountSessions r) {
    return attempt(() -> (long) table.count(r.tenant()));
  }

  @Override
  public Future<SessionStatus> transition(Transition r) {
    return attempt(() -> {
      long now = now();
      leases.checkFence(r, now);
      SessionEntry entry = writable(r.tenant(), r.id(), r.ifMatch(), now);
      Session old = entry.session();
      if (old.state() == r.to()) {
        return statusOf(entry); // staying in place succeeds and changes nothing, not even the version
      }
      SessionState to = checkTransition(old.state(), r.to());
      Session next = written(old, to, old.dataJson(), old.credsJson(), old.ttlSeconds(), now);
      commit(new DocumentWritten(r.tenant(), next), EventType.STATE_CHANGED, next);
      return statusOf(entry);
    });
  }

  @Override
  public Future<Written> putCreds(PutCreds r) {
    return attempt(() -> {
      RequestChecks.credsText(r.credsJson());
      long now = now();
      leases.checkFence(r, now);
      SessionEntry entry = writable(r.tenant(), r.id(), r.ifMatch(), now);
      Session old = entry.session();
      Session next = written(old, old.state(), old.dataJson(), RequestChecks.clearable(r.credsJson()), old.ttlSeconds(), now);
      writeCreds(r.tenant(), entry, next, now, EventType.CREDS_CHANGED);
      return new Written(next.version());
    });
  }

  /** A write of {@code next}'s creds: the document and the kept creds versions after it, size-checked, recorded as {@code event}. */
  private void writeCreds(String tenant, SessionEntry entry, Session next, long now, EventType event) {
    List<CredsVersion> history = SessionEntry.historyAfter(entry.history(), next.credsJson(), next.version(), now,
        settings.credsHistory());
    checkSize(tenant, entry.bytesWithCreds(next, history), entry.bytes());
    commit(new CredsWritten(tenant, next, history), event, next);
  }

  @Override
  public Future<StoreRequests.CredsHistory> credsHistory(SessionRef ref) {
    return attempt(() -> {
      SessionEntry entry = requireLive(ref.tenant(), ref.id(), now());
      return new StoreRequests.CredsHistory(entry.session().version(), entry.history());
    });
  }

  @Override
  public Future<Written> rollbackCreds(StoreRequests.RollbackCreds r) {
    return attempt(() -> {
      RequestChecks.sessionId(r.id());
      long now = now();
      leases.checkFence(r, now);
      SessionEntry entry = writable(r.tenant(), r.id(), r.ifMatch(), now);
      CredsVersion kept = entry.history().stream().filter(v -> v.version() == r.version()).findFirst()
          .orElseThrow(() -> new StoreException(StoreFailure.NOT_FOUND, "session '" + r.id() + "' keeps no creds version "
              + r.version() + "; versions kept: " + entry.history().stream().map(CredsVersion::version).toList()));
      Session old = entry.session();
      Session next = written(old, old.state(), old.dataJson(), kept.credsJson(), old.ttlSeconds(), now);
      writeCreds(r.tenant(), entry, next, now, EventType.CREDS_CHANGED);
      return new Written(next.version());
    });
  }

  @Override
  public Future<KeyValues> queryKeys(QueryKeys r) {
    return attempt(() -> {
      RequestChecks.keyType(r.type());
      SessionEntry entry = requireLive(r.tenant(), r.id(), now());
      Map<String, String> found = new LinkedHashMap<>();
      for (String keyId : r.ids()) {
        String value = entry.keyValue(r.type(), keyId);
        if (value != null) {
          found.put(keyId, value);
        }
      }
      return new KeyValues(found);
    });
  }

  @Override
  public Future<Written> writeKeys(WriteKeys r) {
    return attempt(() -> {
      RequestChecks.keyBatch(r.batch());
      long now = now();
      leases.checkFence(r, now);
      SessionEntry entry = writable(r.tenant(), r.id(), r.ifMatch(), now);
      Session next = written(entry.session(), now);
      Map<String, Map<String, String>> batch = copyOf(r.batch());
      checkSize(r.tenant(), entry.bytesAfterKeys(next, batch), entry.bytes());
      commit(new KeysWritten(r.tenant(), next, batch), EventType.UPDATED, next);
      return new Written(next.version());
    });
  }

  @Override
  public Future<Written> clearKeys(SessionRef ref) {
    return attempt(() -> {
      long now = now();
      leases.checkFence(ref, now);
      SessionEntry entry = writable(ref.tenant(), ref.id(), ref.ifMatch(), now);
      Session next = written(entry.session(), now);
      commit(new KeysCleared(ref.tenant(), next), EventType.UPDATED, next);
      return new Written(next.version());
    });
  }

  @Override
  public Future<AppendResult> appendMessages(AppendMessages r) {
    return attempt(() -> {
      RequestChecks.messages(r.messagesJson());
      long now = now();
      leases.checkFence(r, now);
      SessionEntry entry = writable(r.tenant(), r.id(), r.ifMatch(), now);
      List<StoredMessage> stored = numbered(r.messagesJson(), entry.nextSeq());
      Session next = written(entry.session(), now);
      checkSize(r.tenant(), entry.bytesAfterAppend(next, stored, settings.maxMessages()), entry.bytes());
      commit(new MessagesAppended(r.tenant(), next, List.copyOf(stored), settings.maxMessages()), EventType.UPDATED,
          next);
      return new AppendResult(next.version(), stored.get(0).seq(), stored.get(stored.size() - 1).seq(),
          entry.messages().size());
    });
  }

  private static List<StoredMessage> numbered(List<String> messagesJson, long firstSeq) {
    List<StoredMessage> stored = new ArrayList<>(messagesJson.size());
    for (String json : messagesJson) {
      stored.add(StoredMessage.of(firstSeq + stored.size(), json));
    }
    return stored;
  }

  @Override
  public Future<MessagePage> readMessages(ReadMessages r) {
    return attempt(() -> {
      RequestChecks.pageLimit(r.limit());
      return MessageWindow.page(requireLive(r.tenant(), r.id(), now()).messages(), r);
    });
  }

  @Override
  public Future<SessionExport> export(SessionRef ref) {
    return attempt(() -> requireLive(ref.tenant(), ref.id(), now()).export());
  }

  @Override
  public Future<PutResult> importSession(ImportSession r) {
    return attempt(() -> {
      SessionExport export = r.staged() == null ? r.export() : stagedImports.merged(r.tenant(), r.export(), r.staged());
      RequestChecks.export(export);
      long now = now();
      if (!r.isRestore()) {
        leases.checkFence(r, now);
      }
      Session incoming = export.session();
      SessionEntry current = live(r.tenant(), incoming.id(), now);
      long oldVersion = current == null ? 0 : current.session().version();
      checkVersion(r.ifMatch(), oldVersion);
      if (r.isRestore() && current != null && !olderThan(current.session(),
          incoming.createdAt() > 0 ? incoming.createdAt() : now, r.durableVersion())) {
        throw StoreException.staleVersion(r.durableVersion(), oldVersion);
      }
      if (current == null) {
        checkRoomForNewSession(r.tenant(), now);
      }
      Imported imported = SessionImport.of(r.tenant(), export, oldVersion, settings.maxMessages(),
          settings.credsHistory(), now);
      long keptBlobBytes = 0;
      if (r.keepBlobs() && current != null) {
        Map<String, StoredBlob> kept = current.blobs();
        imported = new Imported(imported.tenant(), imported.export(), imported.nextSeq(), kept);
        keptBlobBytes = kept.values().stream().mapToLong(StoredBlob::size).sum();
      }
      checkSize(r.tenant(), SessionEntry.of(imported.export(), imported.nextSeq()).bytes() + keptBlobBytes,
          current == null ? 0 : current.bytes());
      commit(imported);
      if (r.staged() != null) {
        stagedImports.drop(r.tenant(), incoming.id(), r.staged().stagingId());
      }
      if (!r.isRestore()) {
        // A restore brings back a state that existed already: no event (see docs/events.md).
        Session session = imported.export().session();
        events.record(r.tenant(), current == null ? EventType.CREATED : EventType.UPDATED, session.id(),
            session.version(), now);
      }
      return new PutResult(imported.export().session(), current == null);
    });
  }

  @Override
  public Future<StoreRequests.StagedKeys> stageImportKeys(StoreRequests.StageImportKeys r) {
    return attempt(() -> new StoreRequests.StagedKeys(stagedImports.stage(r)));
  }

  @Override
  public Future<Void> dropStagedImport(StoreRequests.DropStagedImport r) {
    return attempt(() -> {
      stagedImports.drop(r.tenant(), r.id(), r.staged().stagingId());
      return null;
    });
  }

  // ---- blobs ------------------------------------------------------------------------------------

  @Override
  public Future<Void> stageBlobChunk(StoreRequests.BlobChunk r) {
    return attempt(() -> {
      RequestChecks.blobChunk(r);
      requireLive(r.tenant(), r.id(), now());
      commit(new BlobChunkStaged(r.tenant(), r.id(), r.uploadId(), r.index(), r.data()));
      return null;
    });
  }

  @Override
  public Future<StoreRequests.BlobWritten> commitBlob(StoreRequests.CommitBlob r) {
    return attempt(() -> {
      RequestChecks.blobCommit(r);
      long now = now();
      leases.checkFence(r, now);
      SessionEntry entry = writable(r.tenant(), r.id(), r.ifMatch(), now);
      checkStaged(table.staged(r.tenant(), r.id(), r.uploadId()), r.chunks());
      boolean created = entry.blob(r.name()) == null;
      Session next = written(entry.session(), now);
      checkSize(r.tenant(), entry.bytesWithBlob(next, r.name(), r.size()), entry.bytes());
      commit(new BlobCommitted(r.tenant(), next, r.name(), r.uploadId(), r.chunks(), r.size()), EventType.UPDATED, next);
      return new StoreRequests.BlobWritten(next.version(), created);
    });
  }

  /** Every chunk 0..chunks-1 and nothing else must have been staged. */
  private static void checkStaged(java.util.TreeMap<Integer, io.vertx.core.buffer.Buffer> staged, int chunks) {
    int have = staged == null ? 0 : staged.size();
    if (have != chunks || (chunks > 0 && staged.lastKey() != chunks - 1)) {
      throw RequestChecks.invalid("the upload has " + have + " staged chunks, not " + chunks);
    }
  }

  @Override
  public Future<Void> abortBlob(StoreRequests.BlobUpload r) {
    return attempt(() -> {
      RequestChecks.uploadId(r.uploadId());
      if (table.staged(r.tenant(), r.id(), r.uploadId()) != null) {
        commit(new BlobUploadDropped(r.tenant(), r.id(), r.uploadId()));
      }
      return null;
    });
  }

  @Override
  public Future<StoreRequests.BlobInfo> blobInfo(StoreRequests.BlobRef ref) {
    return attempt(() -> {
      RequestChecks.blobName(ref.name());
      SessionEntry entry = requireLive(ref.tenant(), ref.id(), now());
      StoredBlob blob = requireBlob(entry, ref.id(), ref.name());
      return new StoreRequests.BlobInfo(ref.name(), blob.generation(), blob.size(), blob.chunks().size(),
          entry.session().version());
    });
  }

  @Override
  public Future<StoreRequests.BlobList> listBlobs(SessionRef ref) {
    return attempt(() -> {
      SessionEntry entry = requireLive(ref.tenant(), ref.id(), now());
      long version = entry.session().version();
      List<StoreRequests.BlobInfo> blobs = new ArrayList<>();
      entry.blobs().forEach((name, blob) -> blobs.add(new StoreRequests.BlobInfo(name, blob.generation(), blob.size(),
          blob.chunks().size(), version)));
      return new StoreRequests.BlobList(version, blobs);
    });
  }

  @Override
  public Future<StoreRequests.BlobData> readBlobChunk(StoreRequests.ReadBlobChunk r) {
    return attempt(() -> {
      RequestChecks.blobName(r.name());
      StoredBlob blob = requireBlob(requireLive(r.tenant(), r.id(), now()), r.id(), r.name());
      if (!blob.generation().equals(r.generation()) || r.index() < 0 || r.index() >= blob.chunks().size()) {
        throw new StoreException(StoreFailure.NOT_FOUND, "blob '" + r.name() + "' was replaced while being read");
      }
      return new StoreRequests.BlobData(blob.chunks().get(r.index()));
    });
  }

  @Override
  public Future<Written> deleteBlob(StoreRequests.BlobRef ref) {
    return attempt(() -> {
      RequestChecks.blobName(ref.name());
      long now = now();
      leases.checkFence(ref, now);
      SessionEntry entry = writable(ref.tenant(), ref.id(), ref.ifMatch(), now);
      requireBlob(entry, ref.id(), ref.name());
      Session next = written(entry.session(), now);
      commit(new BlobDeleted(ref.tenant(), next, ref.name()), EventType.UPDATED, next);
      return new Written(next.version());
    });
  }

  private static StoredBlob requireBlob(SessionEntry entry, String id, String name) {
    StoredBlob blob = entry.blob(name);
    if (blob == null) {
      throw StoreException.blobNotFound(id, name);
    }
    return blob;
  }

  // ---- leases -----------------------------------------------------------------------------------

  @Override
  public Future<LeaseRequests.LeaseGrant> acquireLease(LeaseRequests.AcquireLease r) {
    return attempt(() -> {
      LeaseRequests.check(r);
      long now = now();
      LeaseRequests.LeaseGrant g = leases.acquire(r, now);
      if (g.lapsedHolder() != null) {
        leaseEvents.leaseChanged(r.tenant(), r.id(), LeaseEvents.Kind.LOST, g.lapsedHolder(), g.lapsedToken(), now);
      }
      if (g.granted()) {
        leaseEvents.leaseChanged(r.tenant(), r.id(), LeaseEvents.Kind.ACQUIRED, g.holder(), g.token(), now);
      }
      return g;
    });
  }

  @Override
  public Future<LeaseRequests.LeaseReleased> releaseLease(LeaseRequests.ReleaseLease r) {
    return attempt(() -> {
      RequestChecks.sessionId(r.id());
      long now = now();
      LeaseRequests.LeaseReleased released = leases.release(r.tenant(), r.id(), r.token(), now);
      leaseEvents.leaseChanged(r.tenant(), r.id(), LeaseEvents.Kind.LOST, released.holder(), released.token(), now);
      return released;
    });
  }

  @Override
  public Future<LeaseRequests.LeaseInfo> lease(SessionRef ref) {
    return attempt(() -> {
      RequestChecks.sessionId(ref.id());
      return leases.get(ref.tenant(), ref.id(), now());
    });
  }

  /** Forgets uploads a replayed journal left staged (see {@link SessionTable#dropStagedUploads}). */
  public void dropStagedUploads() {
    table.dropStagedUploads();
  }

  @Override
  public Future<Integer> sweepExpired(long now) {
    for (LeaseTable.Lapsed l : leases.lapse(now)) {
      leaseEvents.leaseChanged(l.tenant(), l.id(), LeaseEvents.Kind.LOST, l.holder(), l.token(), now);
    }
    leases.forgetEnded(now);
    events.trimAll(now);
    return attempt(() -> removeExpired(now));
  }

  private int removeExpired(long now) {
    List<SessionTable.ExpiryKey> expired = table.expiredAt(now);
    expired.forEach(key -> expire(key.tenant(), key.id(), now));
    return expired.size();
  }

  // ---- shared steps -------------------------------------------------------------------------

  private record EntryPage(List<SessionEntry> entries, String nextAfterId) {
  }

  /** One page of live entries in id order, optionally in one state or with a prefix; expired ones met are removed. */
  private EntryPage page(ListSessions r) {
    RequestChecks.listing(r);
    long now = now();
    List<SessionEntry> entries = new ArrayList<>();
    List<String> expired = new ArrayList<>();
    String nextAfterId = null;
    String lastLookedAt = null;
    int scanned = 0;
    for (SessionEntry entry : table.range(r.tenant(), r.prefix(), r.afterId()).values()) {
      Session session = entry.session();
      if (scanned++ == RequestChecks.MAX_SCANNED_PER_PAGE) {
        // Bounded work per request: a short page; the cursor goes on after the last session looked at.
        nextAfterId = lastLookedAt;
        break;
      }
      lastLookedAt = session.id();
      if (session.expiredAt(now)) {
        expired.add(session.id());
      } else if (r.state() == null || r.state() == session.state()) {
        if (entries.size() == r.limit()) {
          nextAfterId = entries.get(entries.size() - 1).session().id();
          break;
        }
        entries.add(entry);
      }
    }
    expired.forEach(id -> expire(r.tenant(), id, now));
    return new EntryPage(entries, nextAfterId);
  }

  /** The live entry, or {@code null}; an expired one is removed on the way (it is gone anyway). */
  private SessionEntry live(String tenant, String id, long now) {
    SessionEntry entry = table.find(tenant, id);
    if (entry != null && entry.session().expiredAt(now)) {
      expire(tenant, id, now);
      return null;
    }
    return entry;
  }

  private SessionEntry requireLive(String tenant, String id, long now) {
    SessionEntry entry = live(tenant, id, now);
    if (entry == null) {
      throw StoreException.notFound(tenant, id);
    }
    return entry;
  }

  /** The live entry a write may change: it exists and matches {@code ifMatch}. */
  private SessionEntry writable(String tenant, String id, long ifMatch, long now) {
    SessionEntry entry = requireLive(tenant, id, now);
    checkVersion(ifMatch, entry.session().version());
    return entry;
  }

  /** Whether {@code s} is older than a session created at {@code createdAt} and at {@code version}. */
  private static boolean olderThan(Session s, long createdAt, long version) {
    return s.createdAt() != createdAt ? s.createdAt() < createdAt : s.version() < version;
  }

  private static void checkVersion(long ifMatch, long actual) {
    if (ifMatch != StoreRequests.ANY_VERSION && ifMatch != actual) {
      throw StoreException.staleVersion(ifMatch, actual);
    }
  }

  private static SessionState checkTransition(SessionState from, SessionState to) {
    if (!from.canMoveTo(to)) {
      throw new StoreException(StoreFailure.ILLEGAL_TRANSITION, "a session cannot move from '" + from.wire()
          + "' to '" + to.wire() + "'; allowed: " + from.next().stream().map(SessionState::wire).toList());
    }
    return to;
  }

  private void checkRoomForNewSession(String tenant, long now) {
    long max = limits(tenant).maxSessions();
    if (max > 0 && table.count(tenant) >= max) {
      removeExpired(now); // expired sessions still in the table must not hold places
      if (table.count(tenant) >= max) {
        throw new StoreException(StoreFailure.LIMIT_REACHED, "the tenant already holds its maximum of "
            + max + " sessions");
      }
    }
  }

  /**
   * Refuses a write that leaves the session over the byte limit, unless it shrinks the session: a
   * session already over a lowered limit can still be cleaned up.
   */
  private void checkSize(String tenant, long bytesAfter, long bytesBefore) {
    long max = limits(tenant).maxBytesPerSession();
    if (max > 0 && bytesAfter > max && bytesAfter > bytesBefore) {
      throw new StoreException(StoreFailure.TOO_LARGE, "the session would hold " + bytesAfter
          + " bytes; the tenant's limit is " + max);
    }
  }

  private TenantLimits limits(String tenant) {
    TenantLimits limits = settings.limits().apply(tenant);
    return limits == null ? TenantLimits.UNLIMITED : limits;
  }

  private void commit(StoreChange change) {
    table.apply(change);
    listener.accept(change);
  }

  /** Applies a change to a session and records its event, at the session's version after it. */
  private void commit(StoreChange change, EventType type, Session after) {
    commit(change);
    events.record(change.tenant(), type, after.id(), after.version(), after.lastActivityAt());
  }

  /** Removes an expired session, recording its expiry at the last version it had. */
  private void expire(String tenant, String id, long now) {
    SessionEntry entry = table.find(tenant, id);
    commit(new Deleted(tenant, id));
    if (entry != null) {
      events.record(tenant, EventType.EXPIRED, id, entry.session().version(), now);
    }
  }

  @Override
  public Future<StoreRequests.EventPage> readEvents(StoreRequests.ReadEvents r) {
    return attempt(() -> events.read(r, now()));
  }

  private static SessionStatus statusOf(SessionEntry entry) {
    Session s = entry.session();
    return new SessionStatus(s.id(), s.state(), s.version(), s.createdAt(), s.updatedAt(), s.lastActivityAt(),
        s.ttlSeconds(), s.expiresAt(), s.credsJson() != null, entry.keyCounts(), entry.messages().size(), entry.bytes());
  }

  /** The document after a write: version + 1, updated and active now, expiry refreshed. */
  private static Session written(Session old, SessionState state, String data, String creds, long ttl, long now) {
    return new Session(old.id(), state, data, creds, old.version() + 1, old.createdAt(), now, now, ttl,
        Session.expiryFor(now, ttl));
  }

  private static Session written(Session old, long now) {
    return written(old, old.state(), old.dataJson(), old.credsJson(), old.ttlSeconds(), now);
  }

  private static String dataOrEmpty(String dataJson) {
    return dataJson == null ? EMPTY_DATA : dataJson;
  }

  /** An immutable copy that keeps {@code null} values (deletions) and the caller's order. */
  private static Map<String, Map<String, String>> copyOf(Map<String, Map<String, String>> batch) {
    Map<String, Map<String, String>> copy = new LinkedHashMap<>();
    batch.forEach((type, values) -> copy.put(type, Collections.unmodifiableMap(new LinkedHashMap<>(values))));
    return Collections.unmodifiableMap(copy);
  }

  private static long now() {
    return System.currentTimeMillis();
  }

  private static <T> Future<T> attempt(Supplier<T> operation) {
    try {
      return Future.succeededFuture(operation.get());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  // ---- at most once per Idempotency-Key --------------------------------------------------------

  @Override
  public Future<OnceRequests.Outcome<AppendResult>> appendMessagesOnce(OnceRequests.AppendOnce r) {
    return onceIn(r.tenant(), r.id(), r.once(), () -> appendMessages(r.append()));
  }

  @Override
  public Future<OnceRequests.Outcome<SessionStatus>> transitionOnce(OnceRequests.TransitionOnce r) {
    return onceIn(r.tenant(), r.id(), r.once(), () -> transition(r.transition()));
  }

  /**
   * Replays the outcome recorded for the key in the session's scope, or applies the write and records
   * its outcome: every future of this store completes before it returns, so the two are one step.
   */
  @SuppressWarnings("unchecked")
  private <T> Future<OnceRequests.Outcome<T>> onceIn(String tenant, String id, OnceRequests.Once key,
                                                      Supplier<Future<T>> write) {
    Object recorded;
    try {
      recorded = once.recorded(tenant, id, key, now());
    } catch (StoreException e) {
      return Future.failedFuture(e);
    }
    if (recorded != null) {
      return Future.succeededFuture(new OnceRequests.Outcome<>((T) recorded, true));
    }
    return write.get().map(result -> {
      once.record(tenant, id, key, result, now());
      return new OnceRequests.Outcome<>(result, false);
    });
  }

  @Override
  public Future<OnceRequests.Claim> claimKey(OnceRequests.ClaimKey r) {
    return Future.succeededFuture(once.claim(r, now()));
  }

  @Override
  public Future<Void> settleKey(OnceRequests.SettleKey r) {
    once.settle(r, now());
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> releaseKey(OnceRequests.ReleaseKey r) {
    once.release(r, now());
    return Future.succeededFuture();
  }
}
