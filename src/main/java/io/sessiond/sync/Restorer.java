package io.sessiond.sync;

import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.SessionState;
import io.sessiond.session.StoredMessage;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests;
import io.sessiond.store.StoreRequests.BlobChunk;
import io.sessiond.store.StoreRequests.BlobRef;
import io.sessiond.store.StoreRequests.BlobUpload;
import io.sessiond.store.StoreRequests.CommitBlob;
import io.sessiond.store.StoreRequests.ImportSession;
import io.sessiond.store.StoreRequests.SessionRef;
import io.vertx.core.Future;
import io.vertx.sqlclient.Cursor;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores into Redis every live session PostgreSQL holds that Redis lacks or holds at an older
 * (createdAt, version). Rows are streamed with a cursor, one batch at a time (never the whole table
 * in memory); the sessions of a batch are checked and imported concurrently through the store's
 * import operation, which refuses to overwrite a session changed meanwhile (If-Match on the version
 * read). A row that cannot be restored is logged and counted, never fatal.
 */
final class Restorer {
  private static final Logger LOG = LoggerFactory.getLogger(Restorer.class);
  private static final long PROGRESS_EVERY_MS = 5000;
  private static final long BATCH_TIMEOUT_MS = 120_000;
  private static final String LIVE = " FROM sessions WHERE (expires_at = 0 OR expires_at > $1)";

  /** Counters a running restore updates; read by status requests and job records. */
  static final class Progress {
    final long startedAt = System.currentTimeMillis();
    final AtomicLong total = new AtomicLong();
    final AtomicLong restored = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
    final AtomicLong failed = new AtomicLong();

    long seen() {
      return restored.get() + skipped.get() + failed.get();
    }
  }

  private final Pool pool;
  private final StoreClient store;
  private final int batchSize;

  Restorer(Pool pool, StoreClient store, int batchSize) {
    this.pool = pool;
    this.store = store;
    this.batchSize = batchSize;
  }

  /** Restores the live sessions of {@code tenant} ({@code null}: of every tenant). */
  Future<Progress> run(String tenant, Progress progress) {
    long now = System.currentTimeMillis();
    Tuple args = tenant == null ? Tuple.of(now) : Tuple.of(now, tenant);
    String filter = tenant == null ? "" : " AND tenant = $2";
    return pool.preparedQuery("SELECT count(*)" + LIVE + filter).execute(args)
        .compose(rows -> {
          progress.total.set(rows.iterator().next().getLong(0));
          return pool.withTransaction(conn -> conn.prepare("SELECT tenant, id, state, data, creds, version, created_at,"
                  + " updated_at, activity_at, ttl_seconds, expires_at" + LIVE + filter + " ORDER BY tenant, id")
              .compose(ps -> {
                Cursor cursor = ps.cursor(args);
                // A failed batch closes the cursor before the transaction rolls back.
                return batches(conn, cursor, progress, progress.startedAt)
                    .recover(e -> cursor.close().otherwiseEmpty().transform(ar -> Future.failedFuture(e)));
              }));
        })
        .map(progress)
        .onSuccess(p -> LOG.info("Restore from PostgreSQL{} done: {} sessions restored, {} already current, {} failed, in {} ms",
            tenant == null ? "" : " for tenant " + tenant, p.restored.get(), p.skipped.get(), p.failed.get(),
            System.currentTimeMillis() - p.startedAt));
  }

  private Future<Void> batches(SqlConnection conn, Cursor cursor, Progress progress, long lastLog) {
    // A batch that never completes must fail the restore loudly, not leave readiness false forever.
    return cursor.read(batchSize).compose(rows -> restoreBatch(rows, progress))
        .timeout(BATCH_TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS).compose(v -> {
      long now = System.currentTimeMillis();
      long logged = lastLog;
      if (now - lastLog >= PROGRESS_EVERY_MS) {
        logProgress(progress, now);
        logged = now;
      }
      long next = logged;
      return cursor.hasMore() ? batches(conn, cursor, progress, next) : cursor.close();
    });
  }

  private static void logProgress(Progress p, long now) {
    double seconds = Math.max(0.001, (now - p.startedAt) / 1000.0);
    double rate = p.seen() / seconds;
    long left = Math.max(0, p.total.get() - p.seen());
    LOG.info("Restoring from PostgreSQL: {} of {} sessions ({} /s, about {} s left)", p.seen(), p.total.get(),
        Math.round(rate), rate > 0 ? Math.round(left / rate) : -1);
  }

  private Future<Void> restoreBatch(RowSet<Row> rows, Progress progress) {
    List<Future<Session>> candidates = new ArrayList<>();
    List<String> tenants = new ArrayList<>();
    for (Row row : rows) {
      String tenant = row.getString("tenant");
      Session session;
      try {
        session = session(row);
      } catch (RuntimeException e) {
        progress.failed.incrementAndGet();
        LOG.warn("Cannot restore session {} of tenant {}: corrupt row ({}); skipped", row.getString("id"), tenant, e.getMessage());
        continue;
      }
      tenants.add(tenant);
      candidates.add(needsRestore(tenant, session, progress));
    }
    return Future.join(candidates).transform(ar -> {
      Map<String, List<Session>> byTenant = new TreeMap<>();
      for (int i = 0; i < candidates.size(); i++) {
        Session s = candidates.get(i).succeeded() ? candidates.get(i).result() : null;
        if (s != null) {
          byTenant.computeIfAbsent(tenants.get(i), t -> new ArrayList<>()).add(s);
        }
      }
      List<Future<Void>> imports = new ArrayList<>();
      byTenant.forEach((tenant, sessions) -> imports.add(restoreAll(tenant, sessions, progress)));
      return Future.all(imports).mapEmpty();
    });
  }

  private static Session session(Row r) {
    SessionState state = SessionState.parse(r.getString("state"));
    if (state == null) {
      throw new IllegalArgumentException("unknown state '" + r.getString("state") + "'");
    }
    return new Session(r.getString("id"), state, r.getString("data"), r.getString("creds"), r.getLong("version"),
        r.getLong("created_at"), r.getLong("updated_at"), r.getLong("activity_at"), r.getLong("ttl_seconds"),
        r.getLong("expires_at"));
  }

  /**
   * The session when Redis lacks it or holds an older one, {@code null} otherwise; the version Redis
   * holds is remembered in {@link #expected} for the import's If-Match.
   */
  private Future<Session> needsRestore(String tenant, Session stored, Progress progress) {
    return store.call(StoreAddresses.GET, new SessionRef(tenant, stored.id()))
        .map(current -> {
          boolean older = current.createdAt() != stored.createdAt() ? current.createdAt() < stored.createdAt()
              : current.version() < stored.version();
          if (!older) {
            progress.skipped.incrementAndGet();
            return null;
          }
          expected.put(tenant + ":" + stored.id(), current.version());
          return stored;
        })
        .recover(e -> {
          if (e instanceof StoreException se && se.failure() == StoreFailure.NOT_FOUND) {
            expected.put(tenant + ":" + stored.id(), 0L);
            return Future.succeededFuture(stored);
          }
          progress.failed.incrementAndGet();
          LOG.warn("Cannot restore session {} of tenant {}: {}", stored.id(), tenant, e.getMessage());
          return Future.succeededFuture(null);
        });
  }

  /** Version each session to restore is expected to have in Redis when imported (0: absent). */
  private final Map<String, Long> expected = new java.util.concurrent.ConcurrentHashMap<>();

  private Future<Void> restoreAll(String tenant, List<Session> sessions, Progress progress) {
    String[] ids = sessions.stream().map(Session::id).toArray(String[]::new);
    Tuple args = Tuple.of(tenant).addArrayOfString(ids);
    Future<RowSet<Row>> keys = pool.preparedQuery("SELECT session_id, type, key_id, value FROM keys"
        + " WHERE tenant = $1 AND session_id = ANY($2)").execute(args);
    Future<RowSet<Row>> messages = pool.preparedQuery("SELECT session_id, seq, body FROM messages"
        + " WHERE tenant = $1 AND session_id = ANY($2) ORDER BY session_id, seq").execute(args);
    Future<RowSet<Row>> blobs = pool.preparedQuery("SELECT session_id, name, generation, size, chunks FROM blobs"
        + " WHERE tenant = $1 AND session_id = ANY($2) ORDER BY session_id, name").execute(args);
    return Future.all(keys, messages, blobs).compose(all -> {
      Map<String, List<StoredBlobRow>> blobsById = new HashMap<>();
      for (Row r : blobs.result()) {
        blobsById.computeIfAbsent(r.getString("session_id"), i -> new ArrayList<>()).add(new StoredBlobRow(
            r.getString("name"), r.getString("generation"), r.getLong("size"), r.getInteger("chunks")));
      }
      Map<String, Map<String, Map<String, String>>> keysById = new HashMap<>();
      for (Row r : keys.result()) {
        keysById.computeIfAbsent(r.getString("session_id"), i -> new TreeMap<>())
            .computeIfAbsent(r.getString("type"), t -> new TreeMap<>()).put(r.getString("key_id"), r.getString("value"));
      }
      Map<String, List<StoredMessage>> messagesById = new HashMap<>();
      for (Row r : messages.result()) {
        messagesById.computeIfAbsent(r.getString("session_id"), i -> new ArrayList<>())
            .add(new StoredMessage(r.getLong("seq"), r.getString("body")));
      }
      List<Future<Void>> imports = new ArrayList<>();
      for (Session s : sessions) {
        SessionExport export = new SessionExport(s, keysById.getOrDefault(s.id(), Map.of()),
            messagesById.getOrDefault(s.id(), List.of()));
        imports.add(restoreOne(tenant, export, blobsById.getOrDefault(s.id(), List.of()), progress));
      }
      return Future.all(imports).mapEmpty();
    });
  }

  /** A blob as PostgreSQL holds it (its chunks are read one at a time when it is restored). */
  private record StoredBlobRow(String name, String generation, long size, int chunks) {
  }

  /**
   * Imports the session, then commits its blobs one by one (each staged chunk by chunk, then committed
   * in one step, so no half-written blob is ever visible). Every commit bumps the version, so the
   * session is imported at its version minus its blob count and ends at the version PostgreSQL holds.
   * Chunks are staged under the blob's generation, so the sync finds that generation in PostgreSQL
   * already and copies nothing back.
   */
  private Future<Void> restoreOne(String tenant, SessionExport export, List<StoredBlobRow> blobs, Progress progress) {
    String id = export.session().id();
    long ifMatch = expected.remove(tenant + ":" + id);
    Session s = export.session();
    SessionExport imported = blobs.isEmpty() ? export : new SessionExport(new Session(s.id(), s.state(), s.dataJson(),
        s.credsJson(), Math.max(1, s.version() - blobs.size()), s.createdAt(), s.updatedAt(), s.lastActivityAt(),
        s.ttlSeconds(), s.expiresAt()), export.keys(), export.messages());
    return store.call(StoreAddresses.IMPORT, new ImportSession(tenant, imported, ifMatch))
        .compose(r -> restoreBlobs(tenant, id, blobs, 0, r.session().version()))
        .<Void>map(r -> {
          progress.restored.incrementAndGet();
          return null;
        })
        .recover(e -> {
          if (e instanceof StoreException se && se.failure() == StoreFailure.VERSION_MISMATCH) {
            progress.skipped.incrementAndGet(); // written meanwhile: Redis is newer
          } else {
            progress.failed.incrementAndGet();
            LOG.warn("Cannot restore session {} of tenant {}: {}; skipped", id, tenant, e.getMessage());
          }
          return Future.succeededFuture();
        });
  }

  private Future<Long> restoreBlobs(String tenant, String id, List<StoredBlobRow> blobs, int i, long version) {
    if (i == blobs.size()) {
      return Future.succeededFuture(version);
    }
    StoredBlobRow b = blobs.get(i);
    return stage(tenant, id, b, 0)
        .compose(v -> store.call(StoreAddresses.COMMIT_BLOB, new CommitBlob(tenant, id, b.name(), b.generation(),
            b.chunks(), b.size(), version)))
        .recover(e -> e instanceof StoreException se && se.failure() == StoreFailure.VERSION_MISMATCH
            ? commitUnlessWrittenMeanwhile(tenant, id, b) : Future.failedFuture(e))
        .recover(e -> store.call(StoreAddresses.ABORT_BLOB, new BlobUpload(tenant, id, b.generation(), b.chunks()))
            .otherwiseEmpty().transform(ar -> Future.failedFuture(e)))
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
