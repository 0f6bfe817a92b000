package io.sessiond.store.memory;

import io.sessiond.session.Session;
import io.sessiond.store.StoreRequests.ListSessions;
import io.sessiond.store.memory.StoreChange.BlobChunkStaged;
import io.sessiond.store.memory.StoreChange.BlobCommitted;
import io.sessiond.store.memory.StoreChange.BlobDeleted;
import io.sessiond.store.memory.StoreChange.BlobUploadDropped;
import io.sessiond.store.memory.StoreChange.Deleted;
import io.sessiond.store.memory.StoreChange.DocumentWritten;
import io.sessiond.store.memory.StoreChange.Imported;
import io.sessiond.store.memory.StoreChange.KeysCleared;
import io.sessiond.store.memory.StoreChange.KeysWritten;
import io.sessiond.store.memory.StoreChange.MessagesAppended;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every session of every tenant, held in memory: per tenant a map in id order (for id-ordered
 * paging), plus one index by expiry instant so that sweeping costs only what it removes. Changes
 * arrive only through {@link #apply}, both for live writes and for a journal replay. Not
 * thread-safe: one event-loop thread owns it.
 *
 * <p>A session sits in the expiry index once, at an instant no later than its expiry: a write that
 * pushes the expiry further leaves the index as it is (every write refreshes the expiry, and moving
 * the session in the tree each time would keep two new objects per write and relink old ones), and
 * the sweep that reaches the earlier instant moves the session to its expiry then.
 */
final class SessionTable {
  private final Map<String, TreeMap<String, SessionEntry>> tenants = new HashMap<>();
  private final TreeSet<ExpiryKey> byExpiry = new TreeSet<>();
  /** Blob uploads in progress: (tenant, session, upload id) → chunk index → bytes. */
  private final Map<List<String>, TreeMap<Integer, Buffer>> staged = new HashMap<>();

  /** Where a session with an expiry sits in the expiry index. */
  record ExpiryKey(long expiresAt, String tenant, String id) implements Comparable<ExpiryKey> {
    @Override
    public int compareTo(ExpiryKey other) {
      int c = Long.compare(expiresAt, other.expiresAt);
      if (c == 0) {
        c = tenant.compareTo(other.tenant);
      }
      return c != 0 ? c : id.compareTo(other.id);
    }
  }

  /** The entry, expired or not; {@code null} when there is none. */
  SessionEntry find(String tenant, String id) {
    TreeMap<String, SessionEntry> sessions = tenants.get(tenant);
    return sessions == null ? null : sessions.get(id);
  }

  int count(String tenant) {
    TreeMap<String, SessionEntry> sessions = tenants.get(tenant);
    return sessions == null ? 0 : sessions.size();
  }

  /** The tenant's entries with id greater than {@code afterId} ({@code null}: all), in id order. */
  NavigableMap<String, SessionEntry> after(String tenant, String afterId) {
    TreeMap<String, SessionEntry> sessions = tenants.get(tenant);
    if (sessions == null) {
      return Collections.emptyNavigableMap();
    }
    return afterId == null ? sessions : sessions.tailMap(afterId, false);
  }

  /**
   * The tenant's entries with id greater than {@code afterId} ({@code null}: all) that start with
   * {@code prefix} ({@code null}: any), in id order: a range of the map, not a filter over it.
   */
  NavigableMap<String, SessionEntry> range(String tenant, String prefix, String afterId) {
    if (prefix == null) {
      return after(tenant, afterId);
    }
    TreeMap<String, SessionEntry> sessions = tenants.get(tenant);
    String end = ListSessions.prefixEnd(prefix);
    boolean fromPrefix = afterId == null || afterId.compareTo(prefix) < 0;
    String from = fromPrefix ? prefix : afterId;
    if (sessions == null || from.compareTo(end) >= 0) {
      return Collections.emptyNavigableMap();
    }
    return sessions.subMap(from, fromPrefix, end, false);
  }

  /**
   * The sessions expired at {@code now}, soonest first, without removing them; a session the index
   * holds at an earlier instant than its expiry moves to its expiry.
   */
  List<ExpiryKey> expiredAt(long now) {
    List<ExpiryKey> expired = new ArrayList<>();
    List<ExpiryKey> later = new ArrayList<>();
    for (ExpiryKey key : byExpiry) {
      if (key.expiresAt() > now) {
        break;
      }
      (find(key.tenant(), key.id()).session().expiredAt(now) ? expired : later).add(key);
    }
    for (ExpiryKey key : later) {
      SessionEntry entry = find(key.tenant(), key.id());
      unindex(key.tenant(), entry);
      index(key.tenant(), entry);
    }
    return expired;
  }

  /** Every tenant's sessions as imports, for a snapshot; copies, safe to hand to another thread. */
  List<Imported> snapshot() {
    List<Imported> all = new ArrayList<>();
    tenants.forEach((tenant, sessions) -> sessions.values()
        .forEach(entry -> all.add(new Imported(tenant, entry.export(), entry.nextSeq(), entry.blobs()))));
    return all;
  }

  void apply(StoreChange change) {
    if (change instanceof DocumentWritten c) {
      writeDocument(c.tenant(), c.session());
    } else if (change instanceof StoreChange.CredsWritten c) {
      writeDocument(c.tenant(), c.session()).history(c.history());
    } else if (change instanceof KeysWritten c) {
      writeDocument(c.tenant(), c.session()).applyKeys(c.batch());
    } else if (change instanceof KeysCleared c) {
      writeDocument(c.tenant(), c.session()).clearKeys();
    } else if (change instanceof MessagesAppended c) {
      writeDocument(c.tenant(), c.session()).appendMessages(c.appended(), c.windowSize());
    } else if (change instanceof Deleted c) {
      remove(c.tenant(), c.id());
    } else if (change instanceof Imported c) {
      remove(c.tenant(), c.export().session().id());
      SessionEntry entry = insert(c.tenant(), SessionEntry.of(c.export(), c.nextSeq()));
      c.blobs().forEach(entry::blob);
    } else if (change instanceof BlobChunkStaged c) {
      staged.computeIfAbsent(uploadKey(c.tenant(), c.id(), c.uploadId()), k -> new TreeMap<>()).put(c.index(), c.data());
    } else if (change instanceof BlobCommitted c) {
      TreeMap<Integer, Buffer> chunks = staged.remove(uploadKey(c.tenant(), c.session().id(), c.uploadId()));
      List<Buffer> ordered = chunks == null ? List.of() : new ArrayList<>(chunks.values());
      writeDocument(c.tenant(), c.session()).blob(c.name(), new StoredBlob(c.uploadId(), c.size(), ordered));
    } else if (change instanceof BlobUploadDropped c) {
      staged.remove(uploadKey(c.tenant(), c.id(), c.uploadId()));
    } else if (change instanceof BlobDeleted c) {
      writeDocument(c.tenant(), c.session()).blob(c.name(), null);
    } else {
      throw new IllegalArgumentException("unknown change " + change.getClass().getSimpleName());
    }
  }

  /** The chunks staged so far for an upload; {@code null} when none. */
  TreeMap<Integer, Buffer> staged(String tenant, String id, String uploadId) {
    return staged.get(uploadKey(tenant, id, uploadId));
  }

  /**
   * Forgets every upload in progress: after a journal replay, an upload that was not committed
   * before the restart can never be (its HTTP request is gone).
   */
  void dropStagedUploads() {
    staged.clear();
  }

  private static List<String> uploadKey(String tenant, String id, String uploadId) {
    return List.of(tenant, id, uploadId);
  }

  /** Replaces the document of an entry, creating the entry when there is none. */
  private SessionEntry writeDocument(String tenant, Session session) {
    SessionEntry entry = find(tenant, session.id());
    if (entry == null) {
      return insert(tenant, new SessionEntry(session));
    }
    entry.session(session);
    long indexed = entry.indexedExpiry();
    if (session.expiresAt() == 0 || indexed == 0 || session.expiresAt() < indexed) {
      unindex(tenant, entry);
      index(tenant, entry);
    }
    return entry;
  }

  private SessionEntry insert(String tenant, SessionEntry entry) {
    tenants.computeIfAbsent(tenant, t -> new TreeMap<>()).put(entry.session().id(), entry);
    index(tenant, entry);
    return entry;
  }

  private void remove(String tenant, String id) {
    TreeMap<String, SessionEntry> sessions = tenants.get(tenant);
    SessionEntry entry = sessions == null ? null : sessions.remove(id);
    if (entry != null) {
      unindex(tenant, entry);
      if (sessions.isEmpty()) {
        tenants.remove(tenant);
      }
    }
  }

  /** Indexes the entry at its expiry (none without one); it is not in the index. */
  private void index(String tenant, SessionEntry entry) {
    Session session = entry.session();
    if (session.expiresAt() != 0) {
      byExpiry.add(new ExpiryKey(session.expiresAt(), tenant, session.id()));
    }
    entry.indexedExpiry(session.expiresAt());
  }

  private void unindex(String tenant, SessionEntry entry) {
    if (entry.indexedExpiry() != 0) {
      byExpiry.remove(new ExpiryKey(entry.indexedExpiry(), tenant, entry.session().id()));
      entry.indexedExpiry(0);
    }
  }
}
