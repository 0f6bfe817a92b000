package io.sessiond.store;

import io.sessiond.session.Session;
import io.sessiond.session.SessionState;
import io.sessiond.session.SessionStatus;
import io.sessiond.session.StoredMessage;
import io.sessiond.session.SessionExport;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Map;

/**
 * The request and reply records of the store contract. Every request names its tenant; writes
 * carry {@code ifMatch}, the version the caller expects ({@link #ANY_VERSION} when it does not
 * care). JSON payloads travel as compact JSON text, already validated by the caller.
 */
public final class StoreRequests {
  /** {@code ifMatch} value meaning "no precondition". */
  public static final long ANY_VERSION = -1;
  /** {@code fence} value meaning "no fencing token" (tokens are positive). */
  public static final long NO_FENCE = 0;

  private StoreRequests() {
  }

  /** A request about one session of one tenant: what write-through, metrics and logs need to name it. */
  public interface SessionRequest {
    String tenant();

    String id();
  }

  /**
   * A write that may carry a fencing token ({@code Fence} header): it applies only while the
   * session's live lease has that token, checked atomically with the write (FENCED otherwise).
   * {@link #NO_FENCE} when the writer names none.
   */
  public interface FencedWrite extends SessionRequest {
    long fence();

    /** The precondition as the Redis scripts take it in one argument: {@code version} or {@code version:fence}. */
    default String precondition(long ifMatch) {
      return fence() == NO_FENCE ? Long.toString(ifMatch) : ifMatch + ":" + fence();
    }
  }

  /**
   * Create or replace a session. {@code dataJson} replaces the data ({@code {}} when absent);
   * {@code credsJson}, {@code state} and {@code ttlSeconds} are {@code null} when absent, which keeps
   * the current value on replace and gives none / unregistered / the default TTL on create. The text
   * {@code "null"} for creds clears them.
   */
  public record PutSession(String tenant, String id, String dataJson, String credsJson, SessionState state,
                           Long ttlSeconds, long ifMatch, long fence) implements FencedWrite {
    public PutSession(String tenant, String id, String dataJson, String credsJson, SessionState state,
                           Long ttlSeconds, long ifMatch) {
      this(tenant, id, dataJson, credsJson, state, ttlSeconds, ifMatch, NO_FENCE);
    }
  }

  /** The session after a create or replace, and whether it was created. */
  public record PutResult(Session session, boolean created) {
  }

  /** Names one session of one tenant, for reads and for writes that carry nothing else. */
  public record SessionRef(String tenant, String id, long ifMatch, long fence) implements FencedWrite {
    public SessionRef(String tenant, String id) {
      this(tenant, id, ANY_VERSION, NO_FENCE);
    }

    public SessionRef(String tenant, String id, long ifMatch) {
      this(tenant, id, ifMatch, NO_FENCE);
    }
  }

  /** Apply an RFC 7396 JSON merge patch (a JSON object) to the session's data. */
  public record PatchSession(String tenant, String id, String patchJson, long ifMatch, long fence) implements FencedWrite {
    public PatchSession(String tenant, String id, String patchJson, long ifMatch) {
      this(tenant, id, patchJson, ifMatch, NO_FENCE);
    }
  }

  /**
   * One page of a tenant's sessions in id order: those with id greater than {@code afterId}
   * ({@code null} from the start), optionally only those in {@code state}, and only those whose id
   * starts with {@code prefix} ({@code null}: any id; otherwise itself a valid session id). A
   * backend reads only the prefix's range of its id order, never the tenant's other sessions.
   */
  /** The number of the tenant's sessions, read from the store's index of them (no session is read). */
  public record CountSessions(String tenant) {
  }

  public record ListSessions(String tenant, SessionState state, String prefix, String afterId, int limit) {
    /** The first id after every id that starts with {@code prefix} (ids are ASCII: the last char plus one). */
    public static String prefixEnd(String prefix) {
      return prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1);
    }
  }

  /** A page of sessions; {@code nextAfterId} is {@code null} on the last page. */
  public record SessionPage(List<Session> sessions, String nextAfterId) {
  }

  /** A page of statuses; {@code nextAfterId} is {@code null} on the last page. */
  public record StatusPage(List<SessionStatus> statuses, String nextAfterId) {
  }

  /** Move a session to {@code to}; refused with ILLEGAL_TRANSITION when the state machine forbids it. */
  public record Transition(String tenant, String id, SessionState to, long ifMatch, long fence) implements FencedWrite {
    public Transition(String tenant, String id, SessionState to, long ifMatch) {
      this(tenant, id, to, ifMatch, NO_FENCE);
    }
  }

  /** Replace the credentials document ({@code "null"} clears it). */
  public record PutCreds(String tenant, String id, String credsJson, long ifMatch, long fence) implements FencedWrite {
    public PutCreds(String tenant, String id, String credsJson, long ifMatch) {
      this(tenant, id, credsJson, ifMatch, NO_FENCE);
    }
  }

  /** Read the keys {@code ids} of one {@code type}. */
  public record QueryKeys(String tenant, String id, String type, List<String> ids) implements SessionRequest {
  }

  /** The values found, keyId → value JSON; missing ids are absent. */
  public record KeyValues(Map<String, String> values) {
  }

  /** An atomic batch: type → keyId → value JSON, where a {@code null} value deletes that key. */
  public record WriteKeys(String tenant, String id, Map<String, Map<String, String>> batch, long ifMatch, long fence) implements FencedWrite {
    public WriteKeys(String tenant, String id, Map<String, Map<String, String>> batch, long ifMatch) {
      this(tenant, id, batch, ifMatch, NO_FENCE);
    }
  }

  /** Append messages (compact JSON objects without {@code seq}), oldest first. */
  public record AppendMessages(String tenant, String id, List<String> messagesJson, long ifMatch, long fence) implements FencedWrite {
    public AppendMessages(String tenant, String id, List<String> messagesJson, long ifMatch) {
      this(tenant, id, messagesJson, ifMatch, NO_FENCE);
    }
  }

  /** The session's version after the append, the sequence numbers given, and the window size now. */
  public record AppendResult(long version, long firstSeq, long lastSeq, long messageCount) {
  }

  /**
   * Read up to {@code limit} of the newest messages whose seq is below {@code beforeSeq} (0 = no
   * bound), returned oldest first when {@code ascending}, newest first otherwise.
   */
  public record ReadMessages(String tenant, String id, long beforeSeq, int limit, boolean ascending) implements SessionRequest {
  }

  /** A page of messages; {@code nextBeforeSeq} is 0 when no older message remains. */
  public record MessagePage(List<StoredMessage> messages, long nextBeforeSeq) {
  }

  /**
   * Create or replace a whole session from an export. The session gets version
   * {@code max(export's, replaced + 1, 1)}: a restore into an empty store keeps the export's version,
   * a replace always moves forward. Keys and messages replace the old ones entirely; the session's
   * blobs are removed, unless {@code keepBlobs}: then they stay as they are (and count towards the
   * byte limit), which is how write-through puts a before-image back without losing blobs.
   * {@code durableVersion > 0} makes it a restore of the session PostgreSQL holds at that version: it
   * is applied only when the store lacks the session or holds an older one (createdAt, version), is
   * refused with VERSION_MISMATCH otherwise, and is not recorded for sync when the session keeps the
   * export's version (PostgreSQL holds exactly that already). {@code staged} names keys staged
   * beforehand ({@link StageImportKeys}; {@code null}: none), which become the session's keys with
   * those of the export; the staging is left in place when the import is refused.
   */
  public record ImportSession(String tenant, SessionExport export, long ifMatch, boolean keepBlobs,
                              long durableVersion, long fence, StagedImport staged) implements FencedWrite {
    public ImportSession(String tenant, SessionExport export, long ifMatch, boolean keepBlobs, long durableVersion) {
      this(tenant, export, ifMatch, keepBlobs, durableVersion, NO_FENCE, null);
    }

    public ImportSession(String tenant, SessionExport export, long ifMatch, boolean keepBlobs, long durableVersion,
                         long fence) {
      this(tenant, export, ifMatch, keepBlobs, durableVersion, fence, null);
    }

    /** An import that replaces the session's blobs too (removes them: an export carries none). */
    public ImportSession(String tenant, SessionExport export, long ifMatch) {
      this(tenant, export, ifMatch, false, 0);
    }

    public ImportSession(String tenant, SessionExport export, long ifMatch, boolean keepBlobs) {
      this(tenant, export, ifMatch, keepBlobs, 0);
    }

    /** A restore of the session PostgreSQL holds at {@code durableVersion} (see above). */
    public static ImportSession restore(String tenant, SessionExport export, long durableVersion) {
      return new ImportSession(tenant, export, ANY_VERSION, false, durableVersion);
    }

    public boolean isRestore() {
      return durableVersion > 0;
    }

    @Override
    public String id() {
      return export.session().id();
    }
  }

  /**
   * Stage a batch of an import's keys: {@code pairs} alternates keyId and value (compact JSON text) of
   * type {@code type}. Staged keys are invisible until the {@link ImportSession} naming
   * {@code stagingId} swaps them in, all at once; a large import is so applied in bounded store calls
   * and still atomically. INVALID when the import names a key twice.
   */
  public record StageImportKeys(String tenant, String id, String stagingId, String type, List<String> pairs)
      implements SessionRequest {
    public StageImportKeys {
      pairs = List.copyOf(pairs);
    }
  }

  /** What one staging call stored: the bytes of its ids and values (UTF-8), as the byte limit counts them. */
  public record StagedKeys(long bytes) {
  }

  /**
   * The keys an import staged ({@link StageImportKeys}) under {@code stagingId}: their types and total
   * bytes. The import's own {@code export.keys()} is then empty.
   */
  public record StagedImport(String stagingId, List<String> types, long bytes) {
    public StagedImport {
      types = List.copyOf(types);
    }
  }

  /** Drop what an import staged and will not commit (it was refused, or its request failed). */
  public record DropStagedImport(String tenant, String id, StagedImport staged) implements SessionRequest {
  }

  /**
   * Make the creds kept in the history at {@code version} the current creds again, byte for byte: a
   * creds write (version + 1, a new history entry). NOT_FOUND when the history has no such version.
   */
  public record RollbackCreds(String tenant, String id, long version, long ifMatch, long fence) implements FencedWrite {
  }

  /** The session's version and its kept creds versions, newest first. */
  public record CredsHistory(long version, List<io.sessiond.session.CredsVersion> history) {
    public CredsHistory {
      history = List.copyOf(history);
    }
  }

  /** A write that returns only the session's new version. */
  public record Written(long version) {
  }

  // ---- blobs ------------------------------------------------------------------------------------

  /** Blobs are stored, and read back, in chunks of this size (the last one may be shorter). */
  public static final int BLOB_CHUNK_BYTES = 512 * 1024;

  /**
   * What a stored chunk may hold beyond {@link #BLOB_CHUNK_BYTES}: room for the header, nonce and tag
   * of a sealed chunk (encryption at rest).
   */
  public static final int BLOB_CHUNK_SEAL_BYTES = 64;

  /**
   * Stage chunk {@code index} (0-based, {@link #BLOB_CHUNK_BYTES} except the last) of the upload
   * {@code uploadId}; staged chunks are invisible until {@link CommitBlob} and never change the
   * session. NOT_FOUND when the session does not exist.
   */
  public record BlobChunk(String tenant, String id, String uploadId, int index, Buffer data) implements SessionRequest {
  }

  /**
   * Make the upload {@code uploadId} ({@code chunks} staged chunks, {@code size} bytes) the blob
   * {@code name}, atomically replacing the old one; a write like any other (version, If-Match,
   * byte limit). INVALID when a staged chunk is missing.
   */
  public record CommitBlob(String tenant, String id, String name, String uploadId, int chunks, long size,
                           long ifMatch, long fence) implements FencedWrite {
    public CommitBlob(String tenant, String id, String name, String uploadId, int chunks, long size,
                           long ifMatch) {
      this(tenant, id, name, uploadId, chunks, size, ifMatch, NO_FENCE);
    }
  }

  /** The session's version after a blob commit, and whether the blob is new. */
  public record BlobWritten(long version, boolean created) {
  }

  /** Drop the staged chunks of an upload that will not be committed. */
  public record BlobUpload(String tenant, String id, String uploadId, int chunks) implements SessionRequest {
  }

  /** Names one blob of one session (reads ignore {@code ifMatch}). */
  public record BlobRef(String tenant, String id, String name, long ifMatch, long fence) implements FencedWrite {
    public BlobRef(String tenant, String id, String name, long ifMatch) {
      this(tenant, id, name, ifMatch, NO_FENCE);
    }
  }

  /**
   * A committed blob: its {@code generation} (the upload it came from), size, chunk count, and the
   * session's version (the ETag).
   */
  public record BlobInfo(String name, String generation, long size, int chunks, long version) {
  }

  /** Read chunk {@code index} of generation {@code generation} of a blob; NOT_FOUND once it was replaced. */
  public record ReadBlobChunk(String tenant, String id, String name, String generation, int index) implements SessionRequest {
  }

  /** The bytes of one chunk. */
  public record BlobData(Buffer data) {
  }

  /**
   * Every committed blob of a session (name order; {@link BlobInfo#version} is the session's), read
   * atomically with the session's {@code version}.
   */
  public record BlobList(long version, List<BlobInfo> blobs) {
    public BlobList {
      blobs = List.copyOf(blobs);
    }
  }

  /**
   * Up to {@code max} events of the tenant's log after {@code afterId}, oldest first. {@code afterId}
   * {@code null} reads nothing and answers the log's current end as the cursor: a reader that starts
   * there gets every later event.
   */
  public record ReadEvents(String tenant, String afterId, int max) {
  }

  /**
   * Events in log order and the cursor to read on from ({@code lastId}: the last event's id, or the
   * id read after when there was none). {@code lost} is true when events after the requested id are
   * gone: it is older than the log's start (trimmed by length or age), or newer than anything the log
   * holds (the log was reset). The events are then the log's from its start.
   */
  public record EventPage(List<SessionEvent> events, String lastId, boolean lost) {
    public EventPage {
      events = List.copyOf(events);
    }
  }

  /**
   * Restore imports of several sessions in one request (a restore's batch), carried out at once and
   * answered together: each one as {@link ImportSession#restore} would be alone.
   */
  public record RestoreImports(List<ImportSession> imports) {
    public RestoreImports {
      imports = List.copyOf(imports);
      for (ImportSession i : imports) {
        if (!i.isRestore()) {
          throw new IllegalArgumentException("only restore imports travel together");
        }
      }
    }
  }

  /**
   * What became of each of {@link RestoreImports}'s imports, in order: its version in the store, or why
   * it was refused ({@code failure} and {@code detail}; {@link StoreFailure#VERSION_MISMATCH} when the
   * store holds the session as new or newer).
   */
  public record RestoreOutcomes(List<Outcome> outcomes) {
    public RestoreOutcomes {
      outcomes = List.copyOf(outcomes);
    }

    /** One import's outcome: {@code session} when it was imported, else {@code failure}. */
    public record Outcome(Session session, StoreFailure failure, String detail) {
    }
  }
}
