package io.sessiond.store.memory;

import io.sessiond.session.CredsVersion;
import io.sessiond.session.Session;
import io.sessiond.session.SessionExport;
import io.sessiond.session.SessionSize;
import io.sessiond.session.StoredMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One session held in memory: its document, keys, message window and running byte size. Mutable,
 * owned by the single thread of the memory store. The {@code ...After} methods size a write before
 * it is applied, so a write over the tenant's byte limit changes nothing. Key values and messages are
 * kept as their UTF-8 bytes (one object each, what a client reads back either way), so that what the
 * store keeps per write is little for the collector to copy.
 */
final class SessionEntry {
  private Session session;
  private final Map<String, LinkedHashMap<String, byte[]>> keys = new TreeMap<>();
  private final MessageRing messages = new MessageRing();
  private final Map<String, StoredBlob> blobs = new TreeMap<>();
  private long nextSeq = 1;
  private long blobBytes;
  private long keyBytes;
  private long messageBytes;
  private List<CredsVersion> history = List.of();
  private long historyBytes;
  /** Where the expiry index holds this session (0: not there); see {@link SessionTable}. */
  private long indexedExpiry;

  SessionEntry(Session session) {
    this.session = session;
  }

  static SessionEntry of(SessionExport export, long nextSeq) {
    SessionEntry entry = new SessionEntry(export.session());
    export.keys().forEach((type, values) -> entry.applyKeys(Map.of(type, values)));
    export.messages().forEach(entry::addMessage);
    entry.history(export.credsHistory());
    entry.nextSeq = nextSeq;
    return entry;
  }

  Session session() {
    return session;
  }

  void session(Session next) {
    session = next;
  }

  long indexedExpiry() {
    return indexedExpiry;
  }

  void indexedExpiry(long at) {
    indexedExpiry = at;
  }

  long nextSeq() {
    return nextSeq;
  }

  /** UTF-8 bytes of data, creds, key ids and values, and stored message JSON. */
  long bytes() {
    return documentBytes(session) + keyBytes + messageBytes + blobBytes + historyBytes;
  }

  static long documentBytes(Session session) {
    return SessionSize.utf8Length(session.dataJson()) + SessionSize.utf8Length(session.credsJson());
  }

  /** {@link #bytes()} as it would be with {@code next} as the document. */
  long bytesWithDocument(Session next) {
    return documentBytes(next) + keyBytes + messageBytes + blobBytes + historyBytes;
  }

  /** {@link #bytes()} as it would be with {@code next} as the document and {@code nextHistory} kept. */
  long bytesWithCreds(Session next, List<CredsVersion> nextHistory) {
    return documentBytes(next) + keyBytes + messageBytes + blobBytes + historyBytes(nextHistory);
  }

  /** The kept creds versions, newest first. */
  List<CredsVersion> history() {
    return history;
  }

  void history(List<CredsVersion> next) {
    history = List.copyOf(next);
    historyBytes = historyBytes(history);
  }

  /**
   * The kept creds versions after creds {@code credsJson} ({@code null}: a clear, which keeps no
   * version) were written at {@code version}: newest first, at most {@code keep}.
   */
  static List<CredsVersion> historyAfter(List<CredsVersion> current, String credsJson, long version, long now, int keep) {
    List<CredsVersion> next = new ArrayList<>(keep + 1);
    if (credsJson != null && keep > 0) {
      next.add(new CredsVersion(version, now, credsJson));
    }
    for (CredsVersion v : current) {
      if (next.size() >= keep) {
        break;
      }
      next.add(v);
    }
    return next;
  }

  static long historyBytes(List<CredsVersion> history) {
    long n = 0;
    for (CredsVersion v : history) {
      n += SessionSize.utf8Length(v.credsJson());
    }
    return n;
  }

  long bytesAfterKeys(Session next, Map<String, Map<String, String>> batch) {
    long delta = 0;
    for (Map.Entry<String, Map<String, String>> typeBatch : batch.entrySet()) {
      Map<String, byte[]> current = keys.getOrDefault(typeBatch.getKey(), new LinkedHashMap<>());
      for (Map.Entry<String, String> key : typeBatch.getValue().entrySet()) {
        delta -= keySize(key.getKey(), current.get(key.getKey()));
        delta += key.getValue() == null ? 0 : SessionSize.utf8Length(key.getKey()) + SessionSize.utf8Length(key.getValue());
      }
    }
    return documentBytes(next) + keyBytes + delta + messageBytes + blobBytes + historyBytes;
  }

  long bytesAfterClearingKeys(Session next) {
    return documentBytes(next) + messageBytes + blobBytes + historyBytes;
  }

  long bytesAfterAppend(Session next, List<StoredMessage> appended, int windowSize) {
    long total = messageBytes;
    for (StoredMessage m : appended) {
      total += SessionSize.utf8Length(m.json());
    }
    long toDrop = (long) messages.size() + appended.size() - windowSize;
    for (int i = 0; i < toDrop; i++) {
      total -= i < messages.size() ? messages.bytes(i)
          : SessionSize.utf8Length(appended.get(i - messages.size()).json());
    }
    return documentBytes(next) + keyBytes + total + blobBytes + historyBytes;
  }

  void applyKeys(Map<String, Map<String, String>> batch) {
    batch.forEach((type, values) -> values.forEach((keyId, value) -> putKey(type, keyId, value)));
  }

  private void putKey(String type, String keyId, String value) {
    LinkedHashMap<String, byte[]> ofType = keys.get(type);
    byte[] bytes = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
    byte[] current = bytes == null || ofType == null ? null : ofType.get(keyId);
    if (current != null && current.length == bytes.length) {
      // Written over in place: the array never leaves this entry (reads copy it into a String), and the
      // kept object stays the old one, so the write leaves nothing new for the collector to copy.
      System.arraycopy(bytes, 0, current, 0, bytes.length);
      return;
    }
    byte[] old = bytes == null ? (ofType == null ? null : ofType.remove(keyId))
        : keys.computeIfAbsent(type, t -> new LinkedHashMap<>()).put(keyId, bytes);
    keyBytes += keySize(keyId, bytes) - keySize(keyId, old);
    if (ofType != null && ofType.isEmpty()) {
      keys.remove(type);
    }
  }

  void clearKeys() {
    keys.clear();
    keyBytes = 0;
  }

  void appendMessages(List<StoredMessage> appended, int windowSize) {
    appended.forEach(this::addMessage);
    while (messages.size() > windowSize) {
      messageBytes -= messages.removeFirst();
    }
  }

  private void addMessage(StoredMessage message) {
    messageBytes += messages.addLast(message);
    nextSeq = message.seq() + 1;
  }

  /** {@link #bytes()} as it would be with {@code next} as the document and blob {@code name} of {@code size} bytes. */
  long bytesWithBlob(Session next, String name, long size) {
    StoredBlob old = blobs.get(name);
    return bytesWithDocument(next) - (old == null ? 0 : old.size()) + size;
  }

  StoredBlob blob(String name) {
    return blobs.get(name);
  }

  /** Sets ({@code blob} not null) or removes a blob. */
  void blob(String name, StoredBlob blob) {
    StoredBlob old = blob == null ? blobs.remove(name) : blobs.put(name, blob);
    blobBytes += (blob == null ? 0 : blob.size()) - (old == null ? 0 : old.size());
  }

  /** The blobs, by name; a copy. */
  Map<String, StoredBlob> blobs() {
    return new TreeMap<>(blobs);
  }

  /** The value of key {@code keyId} of {@code type}; {@code null} when there is none. */
  String keyValue(String type, String keyId) {
    Map<String, byte[]> ofType = keys.get(type);
    byte[] value = ofType == null ? null : ofType.get(keyId);
    return value == null ? null : new String(value, StandardCharsets.UTF_8);
  }

  /** Key counts per type, only types holding at least one key. */
  Map<String, Long> keyCounts() {
    Map<String, Long> counts = new TreeMap<>();
    keys.forEach((type, values) -> counts.put(type, (long) values.size()));
    return counts;
  }

  MessageRing messages() {
    return messages;
  }

  /** A copy that stays valid while this entry keeps changing. */
  SessionExport export() {
    Map<String, Map<String, String>> keyCopy = new TreeMap<>();
    keys.forEach((type, values) -> {
      Map<String, String> copy = new LinkedHashMap<>();
      values.forEach((keyId, value) -> copy.put(keyId, new String(value, StandardCharsets.UTF_8)));
      keyCopy.put(type, copy);
    });
    return new SessionExport(session, keyCopy, messages.toList(), history);
  }

  private static long keySize(String keyId, byte[] value) {
    return value == null ? 0 : SessionSize.utf8Length(keyId) + value.length;
  }
}
