package io.sessiond.sync;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one daemon knows of a refill: Redis came back empty (its epoch changed) and is being filled
 * again from PostgreSQL. Shared by the sync verticle, which notices and runs or waits for the refill
 * ({@link EpochWatch}), and the HTTP stores, which restore a session on demand before they touch it
 * ({@link RestoreOnDemand}) so that no synced session answers 404 and no write lands on an empty
 * session while the refill has not reached it. Safe to use from any thread.
 */
public final class Refill {
  /** Sessions remembered as restored (or absent from PostgreSQL) during one refill; past it, each is asked again. */
  static final int REMEMBERED_MAX = 200_000;

  private volatile String epoch;
  private volatile boolean active;
  private final Set<String> ready = ConcurrentHashMap.newKeySet();
  private final AtomicLong restored = new AtomicLong();
  private final AtomicLong lastAsked = new AtomicLong();

  /** Whether a refill is running now: sessions must be restored on demand before use. */
  public boolean active() {
    return active;
  }

  /** Sessions restored from PostgreSQL since the current (or last) refill began, on demand or by the refill itself. */
  public long restored() {
    return restored.get();
  }

  /** The epoch the store had when it was last seen whole; {@code null} before the first look. */
  String epoch() {
    return epoch;
  }

  /** The store's epoch as first seen at start-up: nothing to refill. */
  void known(String current) {
    epoch = current;
  }

  /** The store came back empty under {@code current}: sessions are restored on demand until {@link #end}. */
  synchronized void begin(String current) {
    epoch = current;
    ready.clear();
    restored.set(0);
    active = true;
  }

  /** The refill of {@code finished} is complete; ignored when the store has moved to another epoch since. */
  synchronized void end(String finished) {
    if (finished.equals(epoch)) {
      active = false;
      ready.clear();
    }
  }

  /** Whether the session was already restored (or found absent) in this refill. */
  boolean isReady(String tenant, String id) {
    return ready.contains(key(tenant, id));
  }

  /** The session is in Redis now (or PostgreSQL has none): later requests go straight to the store. */
  void ready(String tenant, String id, boolean restoredNow) {
    if (restoredNow) {
      restored.incrementAndGet();
    }
    if (ready.size() < REMEMBERED_MAX) {
      ready.add(key(tenant, id));
    }
  }

  /**
   * Whether a request that found no session may ask for an immediate epoch check: at most one every
   * {@code 100 ms} per daemon, so a client sending requests for missing sessions costs Redis nothing more.
   */
  boolean mayAskNow() {
    long now = System.currentTimeMillis();
    long last = lastAsked.get();
    return now - last >= 100 && lastAsked.compareAndSet(last, now);
  }

  void counted(long sessions) {
    restored.addAndGet(sessions);
  }

  private static String key(String tenant, String id) {
    return tenant + '\u0000' + id;
  }
}
