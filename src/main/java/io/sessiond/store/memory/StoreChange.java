package io.sessiond.store.memory;

import io.sessiond.session.CredsVersion;
import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.StoredMessage;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Map;

/**
 * One applied change of the memory store, carrying the post-image needed to apply it again: the
 * memory store applies its own writes through {@link SessionTable#apply}, and the file store
 * journals the same values and replays them through the same method at start-up, so the two
 * paths cannot drift apart.
 */
public sealed interface StoreChange {
  String tenant();

  /** The session document was created or replaced; keys and messages are untouched. */
  record DocumentWritten(String tenant, Session session) implements StoreChange {
  }

  /** The creds were written (or cleared): the document and the kept creds versions after it. */
  record CredsWritten(String tenant, Session session, List<CredsVersion> history) implements StoreChange {
  }

  /** A key batch (type → keyId → value, {@code null} deletes) and the document after it. */
  record KeysWritten(String tenant, Session session, Map<String, Map<String, String>> batch) implements StoreChange {
  }

  /** Every key was removed, and the document after it. */
  record KeysCleared(String tenant, Session session) implements StoreChange {
  }

  /** Messages appended, oldest first, then the window trimmed to its newest {@code windowSize}. */
  record MessagesAppended(String tenant, Session session, List<StoredMessage> appended, int windowSize)
      implements StoreChange {
  }

  /** The session with its keys and messages is gone (deleted, or found expired). */
  record Deleted(String tenant, String id) implements StoreChange {
  }

  /**
   * A whole session replaced whatever was there; {@code nextSeq} is the next message's seq. An
   * import through the API carries no blobs (they are not part of an export); a snapshot does.
   */
  record Imported(String tenant, SessionExport export, long nextSeq, Map<String, StoredBlob> blobs)
      implements StoreChange {
    Imported(String tenant, SessionExport export, long nextSeq) {
      this(tenant, export, nextSeq, Map.of());
    }
  }

  /** One chunk of a blob upload was staged; invisible until {@link BlobCommitted}. */
  record BlobChunkStaged(String tenant, String id, String uploadId, int index, Buffer data) implements StoreChange {
  }

  /** A staged upload became the blob {@code name} (replacing the old one), and the document after it. */
  record BlobCommitted(String tenant, Session session, String name, String uploadId, int chunks, long size)
      implements StoreChange {
  }

  /** A staged upload was dropped. */
  record BlobUploadDropped(String tenant, String id, String uploadId) implements StoreChange {
  }

  /** The blob {@code name} was deleted, and the document after it. */
  record BlobDeleted(String tenant, Session session, String name) implements StoreChange {
  }
}
