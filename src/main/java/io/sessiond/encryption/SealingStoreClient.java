package io.sessiond.encryption;

import io.sessiond.session.CredsVersion;
import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.StoredMessage;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreOperation;
import io.sessiond.store.OnceRequests.AppendOnce;
import io.sessiond.store.OnceRequests.Claim;
import io.sessiond.store.OnceRequests.ClaimKey;
import io.sessiond.store.OnceRequests.SettleKey;
import io.sessiond.store.StoreRequests.AppendMessages;
import io.sessiond.store.StoreRequests.BlobChunk;
import io.sessiond.store.StoreRequests.BlobData;
import io.sessiond.store.StoreRequests.CredsHistory;
import io.sessiond.store.StoreRequests.ImportSession;
import io.sessiond.store.StoreRequests.KeyValues;
import io.sessiond.store.StoreRequests.ListSessions;
import io.sessiond.store.StoreRequests.MessagePage;
import io.sessiond.store.StoreRequests.PutCreds;
import io.sessiond.store.StoreRequests.PutResult;
import io.sessiond.store.StoreRequests.PutSession;
import io.sessiond.store.StoreRequests.QueryKeys;
import io.sessiond.store.StoreRequests.ReadBlobChunk;
import io.sessiond.store.StoreRequests.ReadMessages;
import io.sessiond.store.StoreRequests.SessionPage;
import io.sessiond.store.StoreRequests.SessionRef;
import io.sessiond.store.StoreRequests.StageImportKeys;
import io.sessiond.store.StoreRequests.WriteKeys;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link StoreClient} that seals every value a client stores before the store sees it, and opens
 * every value it reads before the edge sees it: session data, creds, key values, messages and blob
 * chunks. The store (memory, file, Redis, and PostgreSQL through sync) only ever holds sealed values.
 * Operations that carry no value pass through; a merge patch is applied here ({@link SealedPatch}),
 * since the store cannot read the data it patches. Used on the context of the client it wraps.
 */
public final class SealingStoreClient implements StoreClient {
  private static final Logger LOG = LoggerFactory.getLogger(SealingStoreClient.class);
  private final StoreClient raw;
  private final Keyring keyring;
  private final boolean acceptPlaintext;
  private final EncryptionMeters meters;
  private final KeyRotation rotation;

  SealingStoreClient(Vertx vertx, StoreClient raw, Keyring keyring, long refreshMs, long rotationLeaseMs,
                     boolean acceptPlaintext, EncryptionMeters meters) {
    this.raw = raw;
    this.keyring = keyring;
    this.acceptPlaintext = acceptPlaintext;
    this.meters = meters;
    this.rotation = new KeyRotation(vertx, this, refreshMs, rotationLeaseMs);
  }

  /** Rotations whose runner stopped (their lease lapsed), of any tenant: resumed here; how many. */
  Future<Integer> resumeStoppedRotations() {
    return rotation.resumeStopped(null, 0);
  }

  /**
   * Rotates the tenant's data key: a new key becomes current and a job seals every session again
   * under it (or resumes a job whose runner stopped); answers the job's progress.
   */
  public Future<JsonObject> startRotation(String tenant) {
    return rotation.start(tenant);
  }

  /** The progress of the tenant's last data-key rotation; fails with NOT_FOUND when none ran. */
  public Future<JsonObject> rotation(String tenant) {
    return rotation.progress(tenant);
  }

  /**
   * The session as an export whose values are sealed under the tenant's current data key (for
   * backups): every stored value is opened first, so a value that does not open fails it (422).
   */
  public Future<SessionExport> exportSealed(SessionRef ref) {
    return raw.call(StoreAddresses.EXPORT, ref).compose(e -> withKeys(ref.tenant(), seal -> sealExport(seal, openExport(seal, e))));
  }

  /** A sealed export document with its values opened, ready to be imported as a plain one. */
  public Future<JsonObject> openSealed(String tenant, JsonObject doc) {
    return withKeys(tenant, seal -> SealedExports.open(seal, doc));
  }

  /** The client this one wraps: values through it stay sealed (exports for backups, re-encryption). */
  StoreClient raw() {
    return raw;
  }

  Keyring keyring() {
    return keyring;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <Q, R> Future<R> call(StoreOperation<Q, R> op, Q request) {
    return (Future<R>) dispatch(op, request);
  }

  private Future<?> dispatch(StoreOperation<?, ?> op, Object r) {
    if (op == StoreAddresses.PUT) {
      return put((PutSession) r);
    } else if (op == StoreAddresses.GET) {
      SessionRef ref = (SessionRef) r;
      return raw.call(StoreAddresses.GET, ref).compose(s -> withKeys(ref.tenant(), seal -> openSession(seal, s)));
    } else if (op == StoreAddresses.PATCH) {
      return new SealedPatch(this).patch((io.sessiond.store.StoreRequests.PatchSession) r);
    } else if (op == StoreAddresses.LIST) {
      return list((ListSessions) r);
    } else if (op == StoreAddresses.PUT_CREDS) {
      PutCreds c = (PutCreds) r;
      return withKeys(c.tenant(), seal -> new PutCreds(c.tenant(), c.id(), seal.sealCreds(c.id(), c.credsJson()), c.ifMatch(), c.fence()))
          .compose(sealed -> raw.call(StoreAddresses.PUT_CREDS, sealed));
    } else if (op == StoreAddresses.QUERY_KEYS) {
      return queryKeys((QueryKeys) r);
    } else if (op == StoreAddresses.WRITE_KEYS) {
      return writeKeys((WriteKeys) r);
    } else if (op == StoreAddresses.APPEND_MESSAGES) {
      AppendMessages a = (AppendMessages) r;
      return withKeys(a.tenant(), seal -> new AppendMessages(a.tenant(), a.id(),
          a.messagesJson().stream().map(m -> seal.sealMessage(a.id(), m)).toList(), a.ifMatch(), a.fence()))
          .compose(sealed -> raw.call(StoreAddresses.APPEND_MESSAGES, sealed));
    } else if (op == StoreAddresses.READ_MESSAGES) {
      ReadMessages q = (ReadMessages) r;
      return raw.call(StoreAddresses.READ_MESSAGES, q).compose(page -> withKeys(q.tenant(), seal ->
          new MessagePage(page.messages().stream().map(m -> seal.openMessage(q.id(), m)).toList(), page.nextBeforeSeq())));
    } else if (op == StoreAddresses.EXPORT) {
      SessionRef ref = (SessionRef) r;
      return raw.call(StoreAddresses.EXPORT, ref).compose(e -> withKeys(ref.tenant(), seal -> openExport(seal, e)));
    } else if (op == StoreAddresses.IMPORT) {
      ImportSession i = (ImportSession) r;
      return withKeys(i.tenant(), seal -> new ImportSession(i.tenant(), sealExport(seal, i.export()), i.ifMatch(),
          i.keepBlobs(), i.durableVersion(), i.fence(), i.staged()))
          .compose(sealed -> raw.call(StoreAddresses.IMPORT, sealed))
          .compose(p -> withKeys(i.tenant(), seal -> new PutResult(openSession(seal, p.session()), p.created())));
    } else if (op == StoreAddresses.STAGE_IMPORT_KEYS) {
      StageImportKeys k = (StageImportKeys) r;
      return withKeys(k.tenant(), seal -> new StageImportKeys(k.tenant(), k.id(), k.stagingId(), k.type(),
          sealPairs(seal, k.id(), k.type(), k.pairs())))
          .compose(sealed -> raw.call(StoreAddresses.STAGE_IMPORT_KEYS, sealed));
    } else if (op == StoreAddresses.STAGE_BLOB_CHUNK) {
      BlobChunk c = (BlobChunk) r;
      return withKeys(c.tenant(), seal -> new BlobChunk(c.tenant(), c.id(), c.uploadId(), c.index(),
          seal.sealChunk(c.id(), c.uploadId(), c.index(), c.data())))
          .compose(sealed -> raw.call(StoreAddresses.STAGE_BLOB_CHUNK, sealed));
    } else if (op == StoreAddresses.READ_BLOB_CHUNK) {
      ReadBlobChunk q = (ReadBlobChunk) r;
      return raw.call(StoreAddresses.READ_BLOB_CHUNK, q).compose(d -> withKeys(q.tenant(), seal ->
          new BlobData(seal.openChunk(q.id(), q.generation(), q.index(), d.data()))));
    }
    if (op == StoreAddresses.APPEND_ONCE) {
      AppendOnce o = (AppendOnce) r;
      AppendMessages a = o.append();
      return withKeys(a.tenant(), seal -> new AppendOnce(new AppendMessages(a.tenant(), a.id(),
          a.messagesJson().stream().map(m -> seal.sealMessage(a.id(), m)).toList(), a.ifMatch(), a.fence()), o.once()))
          .compose(sealed -> raw.call(StoreAddresses.APPEND_ONCE, sealed));
    } else if (op == StoreAddresses.SETTLE_KEY) {
      // The recorded answer of a request made once holds what the response held (a session, say).
      SettleKey k = (SettleKey) r;
      return withKeys(k.tenant(), seal -> new SettleKey(k.tenant(), k.key(), k.digest(),
          seal.sealAnswer(k.key(), k.answer()), k.ttlSeconds()))
          .compose(sealed -> raw.call(StoreAddresses.SETTLE_KEY, sealed));
    } else if (op == StoreAddresses.CREDS_HISTORY) {
      SessionRef ref = (SessionRef) r;
      return raw.call(StoreAddresses.CREDS_HISTORY, ref).compose(h -> withKeys(ref.tenant(), seal ->
          new CredsHistory(h.version(), openHistory(seal, ref.id(), h.history()))));
    } else if (op == StoreAddresses.CLAIM_KEY) {
      ClaimKey k = (ClaimKey) r;
      return raw.call(StoreAddresses.CLAIM_KEY, k).compose(c -> c.answer() == null ? Future.succeededFuture(c)
          : withKeys(k.tenant(), seal -> new Claim(c.state(), seal.openAnswer(k.key(), c.answer()), c.retryAfterMs())));
    }
    if (!VALUELESS.contains(op)) {
      // Fail closed: an operation added to the contract later must say how its values are sealed.
      return Future.failedFuture(new IllegalStateException("store operation " + op.action()
          + " has no sealing rule (encryption at rest)"));
    }
    return pass(op, r);
  }

  /**
   * Operations that carry no stored value either way: passed through as they are. Restore-all is one
   * too: it brings back values as PostgreSQL holds them, sealed already (only sync sends it).
   */
  static final Set<StoreOperation<?, ?>> VALUELESS = Set.of(StoreAddresses.DELETE, StoreAddresses.TOUCH,
      StoreAddresses.RESTORE_ALL,
      StoreAddresses.STATUS, StoreAddresses.STATUS_ALL, StoreAddresses.COUNT_SESSIONS, StoreAddresses.TRANSITION,
      StoreAddresses.CLEAR_KEYS,
      StoreAddresses.DROP_STAGED_IMPORT, StoreAddresses.COMMIT_BLOB, StoreAddresses.ABORT_BLOB,
      StoreAddresses.BLOB_INFO, StoreAddresses.LIST_BLOBS, StoreAddresses.DELETE_BLOB, StoreAddresses.ACQUIRE_LEASE,
      StoreAddresses.RELEASE_LEASE, StoreAddresses.GET_LEASE, StoreAddresses.TRANSITION_ONCE,
      StoreAddresses.RELEASE_KEY, StoreAddresses.ROLLBACK_CREDS, StoreAddresses.READ_EVENTS);

  /** Operations whose values are sealed on the way in and opened on the way out (the rules above). */
  static final Set<StoreOperation<?, ?>> SEALED = Set.of(StoreAddresses.PUT, StoreAddresses.GET, StoreAddresses.PATCH,
      StoreAddresses.LIST, StoreAddresses.PUT_CREDS, StoreAddresses.QUERY_KEYS, StoreAddresses.WRITE_KEYS,
      StoreAddresses.APPEND_MESSAGES, StoreAddresses.READ_MESSAGES, StoreAddresses.EXPORT, StoreAddresses.IMPORT,
      StoreAddresses.STAGE_IMPORT_KEYS, StoreAddresses.STAGE_BLOB_CHUNK, StoreAddresses.READ_BLOB_CHUNK,
      StoreAddresses.APPEND_ONCE, StoreAddresses.SETTLE_KEY, StoreAddresses.CLAIM_KEY, StoreAddresses.CREDS_HISTORY);

  /** {@code id, value, id, value, …} with every value sealed for its key id. */
  private static List<String> sealPairs(TenantSeal seal, String session, String type, List<String> pairs) {
    List<String> out = new ArrayList<>(pairs.size());
    for (int i = 0; i + 1 < pairs.size(); i += 2) {
      out.add(pairs.get(i));
      out.add(seal.sealKey(session, type, pairs.get(i), pairs.get(i + 1)));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private <Q, R> Future<R> pass(StoreOperation<Q, R> op, Object r) {
    return raw.call(op, (Q) r);
  }

  @Override
  public Future<Void> ping() {
    return raw.ping();
  }

  @Override
  public Future<Void> close() {
    return raw.close();
  }

  /**
   * Runs {@code work} with the tenant's keys; when a stored value names a key this replica has not
   * read yet (rotated on another replica), reads the keyring again and runs it once more.
   */
  <T> Future<T> withKeys(String tenant, Function<TenantSeal, T> work) {
    return keyring.keys(raw, tenant).map(k -> work.apply(seal(k))).recover(e -> {
      if (!(e instanceof TenantSeal.UnknownKey)) {
        return Future.failedFuture(e);
      }
      return keyring.reload(raw, tenant).map(k -> {
        try {
          return work.apply(seal(k));
        } catch (TenantSeal.UnknownKey again) {
          meters.rejected("unknown-key");
          LOG.warn("a stored value of tenant '{}' names data key {}, which its keyring does not hold; it is not served",
              tenant, again.getMessage());
          throw new StoreException(StoreFailure.UNREADABLE, "a stored value names data key " + again.getMessage()
              + ", which this tenant's keyring does not hold; it is not served");
        }
      });
    });
  }

  private TenantSeal seal(TenantKeys k) {
    return new TenantSeal(k, acceptPlaintext, meters);
  }

  private Future<PutResult> put(PutSession p) {
    return withKeys(p.tenant(), seal -> new PutSession(p.tenant(), p.id(), seal.sealData(p.id(), p.dataJson() == null ? "{}" : p.dataJson()),
            seal.sealCreds(p.id(), p.credsJson()), p.state(), p.ttlSeconds(), p.ifMatch(), p.fence()))
        .compose(sealed -> raw.call(StoreAddresses.PUT, sealed))
        .compose(r -> withKeys(p.tenant(), seal -> new PutResult(openSession(seal, r.session()), r.created())));
  }

  private Future<SessionPage> list(ListSessions q) {
    return raw.call(StoreAddresses.LIST, q).compose(page -> withKeys(q.tenant(), seal ->
        new SessionPage(page.sessions().stream().map(s -> openSession(seal, s)).toList(), page.nextAfterId())));
  }

  private Future<KeyValues> queryKeys(QueryKeys q) {
    return raw.call(StoreAddresses.QUERY_KEYS, q).compose(found -> withKeys(q.tenant(), seal -> {
      Map<String, String> open = new LinkedHashMap<>();
      found.values().forEach((keyId, v) -> open.put(keyId, seal.openKey(q.id(), q.type(), keyId, v)));
      return new KeyValues(open);
    }));
  }

  private Future<?> writeKeys(WriteKeys w) {
    return withKeys(w.tenant(), seal -> new WriteKeys(w.tenant(), w.id(), sealKeys(seal, w.id(), w.batch()), w.ifMatch(), w.fence()))
        .compose(sealed -> raw.call(StoreAddresses.WRITE_KEYS, sealed));
  }

  private static Map<String, Map<String, String>> sealKeys(TenantSeal seal, String session,
                                                           Map<String, Map<String, String>> batch) {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    batch.forEach((type, values) -> {
      Map<String, String> sealed = new LinkedHashMap<>();
      values.forEach((keyId, v) -> sealed.put(keyId, seal.sealKey(session, type, keyId, v)));
      out.put(type, sealed);
    });
    return out;
  }

  static Session openSession(TenantSeal seal, Session s) {
    return new Session(s.id(), s.state(), seal.openData(s.id(), s.dataJson()), seal.openCreds(s.id(), s.credsJson()),
        s.version(), s.createdAt(), s.updatedAt(), s.lastActivityAt(), s.ttlSeconds(), s.expiresAt());
  }

  static Session sealSession(TenantSeal seal, Session s) {
    return new Session(s.id(), s.state(), seal.sealData(s.id(), s.dataJson()), seal.sealCreds(s.id(), s.credsJson()),
        s.version(), s.createdAt(), s.updatedAt(), s.lastActivityAt(), s.ttlSeconds(), s.expiresAt());
  }

  /** Every value of an export opened (fails with UNREADABLE on the first that does not open). */
  static SessionExport openExport(TenantSeal seal, SessionExport e) {
    String id = e.session().id();
    Map<String, Map<String, String>> keys = new LinkedHashMap<>();
    e.keys().forEach((type, values) -> {
      Map<String, String> open = new LinkedHashMap<>();
      values.forEach((keyId, v) -> open.put(keyId, seal.openKey(id, type, keyId, v)));
      keys.put(type, open);
    });
    List<StoredMessage> messages = new ArrayList<>(e.messages().size());
    e.messages().forEach(m -> messages.add(seal.openMessage(id, m)));
    return new SessionExport(openSession(seal, e.session()), keys, messages, openHistory(seal, id, e.credsHistory()));
  }

  /**
   * Kept creds versions with their documents opened. A rollback copies a kept document into the creds
   * as stored, so each is sealed exactly as the creds are (same associated data).
   */
  static List<CredsVersion> openHistory(TenantSeal seal, String id, List<CredsVersion> history) {
    return history.stream().map(v -> new CredsVersion(v.version(), v.writtenAt(), seal.openCreds(id, v.credsJson()))).toList();
  }

  static List<CredsVersion> sealHistory(TenantSeal seal, String id, List<CredsVersion> history) {
    return history.stream().map(v -> new CredsVersion(v.version(), v.writtenAt(), seal.sealCreds(id, v.credsJson()))).toList();
  }

  /** Every value of a plain export sealed under the tenant's current key. */
  static SessionExport sealExport(TenantSeal seal, SessionExport e) {
    String id = e.session().id();
    List<StoredMessage> messages = new ArrayList<>(e.messages().size());
    e.messages().forEach(m -> messages.add(seal.sealStoredMessage(id, m)));
    return new SessionExport(sealSession(seal, e.session()), sealKeys(seal, id, e.keys()), messages,
        sealHistory(seal, id, e.credsHistory()));
  }
}
