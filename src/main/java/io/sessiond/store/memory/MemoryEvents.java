package io.sessiond.store.memory;

import io.sessiond.store.EventIds;
import io.sessiond.store.EventLogSettings;
import io.sessiond.store.EventType;
import io.sessiond.store.SessionEvent;
import io.sessiond.store.StoreRequests.EventPage;
import io.sessiond.store.StoreRequests.ReadEvents;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The change event log of the memory and file stores: per tenant, the newest events in memory, bounded
 * by length and age, with ids of the Redis stream form ({@code <ms>-<n>}, increasing). It lives only as
 * long as the process (the file store does not journal it): a client that resumes after a restart
 * gets the events-lost marker. Called on the store's one thread only. An event is kept as one object
 * with its id's two numbers (its text is made when it is read), so a write keeps little for the
 * collector to copy.
 */
public final class MemoryEvents {
  private final EventLogSettings settings;
  private final Map<String, Log> logs = new HashMap<>();
  private long lastMs;
  private long lastN;

  /** One kept event: its id is {@code ms-n}. */
  private record Kept(long ms, long n, EventType type, String sessionId, long version, long time, String holder,
                      long token) {
    SessionEvent event() {
      return new SessionEvent(EventIds.of(ms, n), type, sessionId, version, time, holder, token);
    }
  }

  private static final class Log {
    final ArrayDeque<Kept> events = new ArrayDeque<>();
    long lastMs;
    long lastN;
    /** The newest event dropped by trimming, or {@code null} while none was. */
    Kept lastDropped;

    String lastId() {
      return lastMs == 0 && lastN == 0 ? EventIds.ZERO : EventIds.of(lastMs, lastN);
    }
  }

  public MemoryEvents(EventLogSettings settings) {
    this.settings = settings;
  }

  /**
   * Records one event. Every write of the memory store calls this once after it applied its change.
   */
  public void record(String tenant, EventType type, String sessionId, long version, long now) {
    record(tenant, type, sessionId, version, now, null, 0);
  }

  /** Records a lease event, with the lease's holder and fencing token. */
  public void record(String tenant, EventType type, String sessionId, long version, long now, String holder,
                     long token) {
    if (!settings.enabled()) {
      return;
    }
    nextId(now);
    Log log = logs.computeIfAbsent(tenant, t -> new Log());
    log.events.addLast(new Kept(lastMs, lastN, type, sessionId, version, now, holder, token));
    log.lastMs = lastMs;
    log.lastN = lastN;
    trim(log, now);
  }

  /** A page after {@code afterId} (see {@link io.sessiond.store.SessionStore#readEvents}). */
  public EventPage read(ReadEvents r, long now) {
    Log log = logs.get(r.tenant());
    String last = log == null ? EventIds.ZERO : log.lastId();
    if (r.afterId() == null) {
      return new EventPage(List.of(), last, false);
    }
    if (log != null) {
      trim(log, now);
    }
    // Lost: newer than anything this log ever held (it was reset), or older than an event it dropped.
    boolean lost = EventIds.compare(r.afterId(), last) > 0
        || (log != null && log.lastDropped != null
            && EventIds.compare(log.lastDropped.ms(), log.lastDropped.n(), r.afterId()) > 0);
    List<SessionEvent> page = new ArrayList<>();
    if (log != null) {
      for (Kept e : log.events) {
        if (page.size() == r.max()) {
          break;
        }
        if (lost || EventIds.compare(e.ms(), e.n(), r.afterId()) > 0) {
          page.add(e.event());
        }
      }
    }
    String cursor = page.isEmpty() ? (lost ? last : r.afterId()) : page.get(page.size() - 1).id();
    return new EventPage(page, cursor, lost);
  }

  /** Drops every tenant's events past the log's bounds at {@code now} (the sweep: a tenant that writes nothing). */
  public void trimAll(long now) {
    for (Log log : logs.values()) {
      trim(log, now);
    }
  }

  private void trim(Log log, long now) {
    Iterator<Kept> it = log.events.iterator();
    while (it.hasNext()) {
      Kept e = it.next();
      if (log.events.size() <= settings.maxLength() && now - e.time() <= settings.maxAgeMs()) {
        return;
      }
      it.remove();
      log.lastDropped = e;
    }
  }

  private void nextId(long now) {
    if (now > lastMs) {
      lastMs = now;
      lastN = 0;
    } else {
      lastN++;
    }
  }
}
