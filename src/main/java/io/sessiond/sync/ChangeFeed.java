package io.sessiond.sync;

import io.vertx.core.Future;
import java.util.List;
import java.util.Map;

/**
 * What sync needs from the shared store, and nothing more: the change records the store's writes
 * produce (read, claimed from a crashed instance, acknowledged once in PostgreSQL), the current state
 * of the parts a change names, and two small coordination primitives (an expiring lock, an expiring
 * record) for restore jobs. Sync owns this contract; the Redis backend implements it on the store
 * verticle's connections, and sync reaches it over the event bus ({@link BusChangeFeed}).
 */
public interface ChangeFeed {

  /** One recorded change: which session, the version and creation time it had, and what it changed. */
  record Change(String entryId, String tenant, String id, boolean deleted, long version, long createdAt,
                ChangeParts parts) {
    /** When the change was recorded (epoch ms), from the entry id. */
    public long recordedAt() {
      int dash = entryId.indexOf('-');
      return Long.parseLong(dash < 0 ? entryId : entryId.substring(0, dash));
    }
  }

  /** Takes over changes another consumer read but did not acknowledge for {@code minIdleMs} (a crashed instance). */
  Future<List<Change>> claim(String consumer, long minIdleMs, int count);

  /** Changes delivered to this consumer and not yet acknowledged (a failed batch, read again). */
  Future<List<Change>> pending(String consumer, int count);

  /** Changes never delivered to any consumer. */
  Future<List<Change>> fresh(String consumer, int count);

  /** Acknowledges and forgets changes now committed in PostgreSQL. */
  Future<Void> done(List<String> entryIds);

  /**
   * Changes waiting (recorded, not yet in PostgreSQL). On Redis Cluster a count at most a second old
   * (an {@code XLEN} per active slot stream is counted at most once a second).
   */
  Future<Long> backlog();

  /** The current state of the parts each request names; one result per request, {@code null} for a session that is gone. */
  Future<List<SessionParts>> readParts(List<SessionParts.Request> requests);

  /**
   * Marks a session whose changes PostgreSQL refuses as quarantined, with {@code detail} (a small JSON
   * document: why, since when, attempts, next retry), visible to every instance.
   */
  Future<Void> quarantine(String tenant, String id, String detail);

  /** Takes a session out of quarantine (its changes reached PostgreSQL, or it is gone). */
  Future<Void> release(String tenant, String id);

  /** Every quarantined session: {@code tenant:id} → detail. Quarantine holds a few poisoned sessions, not many. */
  Future<Map<String, String>> quarantined();

  /** The quarantine detail of one session, or {@code null} when it is not quarantined. */
  Future<String> quarantineOf(String tenant, String id);

  /**
   * The store's epoch: a marker written once into an empty store and kept until the store loses its
   * data (a restart without persistence, a failover to an empty replica, a FLUSHALL). Sets it to
   * {@code candidate} when there is none, and answers the marker now held: a value other than the one
   * an instance saw before means the store came back empty and must be refilled from PostgreSQL.
   */
  Future<String> epoch(String candidate);

  /** Takes the named lock for {@code ttlMs} unless someone holds it; true when taken. */
  Future<Boolean> tryLock(String name, String token, long ttlMs);

  /** Extends the lock while {@code token} holds it; false when it was lost. */
  Future<Boolean> renewLock(String name, String token, long ttlMs);

  /** Releases the lock if {@code token} still holds it. */
  Future<Void> unlock(String name, String token);

  /** Whether anyone holds the named lock. */
  Future<Boolean> locked(String name);

  /** Stores a small record of string fields (a job's progress) that expires after {@code ttlMs}. */
  Future<Void> putRecord(String name, Map<String, String> fields, long ttlMs);

  /** The record's fields; empty when there is none. */
  Future<Map<String, String>> getRecord(String name);
}
