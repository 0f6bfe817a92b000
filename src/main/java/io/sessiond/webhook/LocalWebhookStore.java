package io.sessiond.webhook;

import io.sessiond.store.EventIds;
import io.sessiond.store.SessionEvent;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreRequests.EventPage;
import io.sessiond.store.StoreRequests.ReadEvents;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Webhooks of the memory and file stores, beside their event log in the process: each webhook has a
 * cursor in the log (every event up to it acknowledged) and hands out the events after it to the one
 * dispatcher of the process. With a {@link WebhookFile} (the file store) the registrations, cursors and
 * dead letters are written to disk (a registration before it is answered, the rest within a second),
 * and on a clean stop the events not yet acknowledged are written too (the log itself lives only as long
 * as the process): after a restart they are delivered first, at least once. After a stop that wrote no
 * such list (a crash), each webhook is sent the events-lost marker. Safe to call from any thread.
 */
public final class LocalWebhookStore implements WebhookStore {
  private static final long SAVE_DELAY_MS = 1_000;
  private static final int PAGE = 500;

  private final Vertx vertx;
  private final StoreClient log;
  private final WebhookFile file;
  private final int backlogMax;
  private final Map<String, Map<String, Hook>> tenants = new LinkedHashMap<>();
  private Future<Void> lastWrite = Future.succeededFuture();
  private long saveTimer = -1;
  private boolean closed;

  /** A webhook and where it is in the log. */
  static final class Hook {
    final Webhook webhook;
    /** Every event up to this one is acknowledged. */
    String cursor;
    /** Every event up to this one was handed out. */
    String readCursor;
    /** Handed out in log order; true once acknowledged. */
    final TreeMap<String, Boolean> pending = new TreeMap<>(EventIds::compare);
    /** Events of an earlier run not acknowledged yet, in order; handed out first. */
    final List<SessionEvent> backlog = new ArrayList<>();
    final Set<String> backlogHanded = new HashSet<>();
    /** The events-lost marker to send with the next batch: the id after which events are gone, or null. */
    String lostAfter;
    /** Newest first. */
    final Deque<JsonObject> dead = new ArrayDeque<>();

    Hook(Webhook webhook, String cursor) {
      this.webhook = webhook;
      this.cursor = cursor;
      this.readCursor = cursor;
    }
  }

  /**
   * @param log        the store, for its event log (over the bus)
   * @param file       where the webhooks are kept across restarts ({@code null}: in memory only)
   * @param backlogMax the most events kept per webhook on a clean stop (the log's length)
   */
  private LocalWebhookStore(Vertx vertx, StoreClient log, WebhookFile file, int backlogMax) {
    this.vertx = vertx;
    this.log = log;
    this.file = file;
    this.backlogMax = backlogMax;
  }

  /** In memory only (the memory store). */
  public static LocalWebhookStore inMemory(Vertx vertx, StoreClient log, int backlogMax) {
    return new LocalWebhookStore(vertx, log, null, backlogMax);
  }

  /** Kept in {@code file} (the file store), loaded from it first. */
  public static Future<LocalWebhookStore> inFile(Vertx vertx, StoreClient log, WebhookFile file, int backlogMax) {
    LocalWebhookStore store = new LocalWebhookStore(vertx, log, file, backlogMax);
    return file.load(vertx).map(saved -> {
      store.restore(saved);
      return store;
    });
  }

  private synchronized void restore(WebhookFile.Saved saved) {
    for (WebhookFile.SavedHook s : saved.hooks()) {
      // The log is new (it lives as long as the process): the webhook reads it from its start.
      Hook h = new Hook(s.webhook(), EventIds.ZERO);
      h.backlog.addAll(s.backlog());
      h.lostAfter = s.lostAfter() != null ? s.lostAfter() : saved.clean() ? null : s.cursor();
      h.dead.addAll(s.dead());
      tenants.computeIfAbsent(s.webhook().tenant(), t -> new LinkedHashMap<>()).put(s.webhook().id(), h);
    }
  }

  private synchronized Hook hook(String tenant, String id) {
    Map<String, Hook> hooks = tenants.get(tenant);
    return hooks == null ? null : hooks.get(id);
  }

  @Override
  public Future<Webhook> create(Webhook w, int maxPerTenant) {
    if (count(w.tenant()) >= maxPerTenant) {
      return Future.failedFuture(limit(maxPerTenant));
    }
    // The log's last id now: the webhook receives what comes after it.
    return log.call(StoreAddresses.READ_EVENTS, new ReadEvents(w.tenant(), null, 1)).compose(page -> {
      synchronized (this) {
        Map<String, Hook> hooks = tenants.computeIfAbsent(w.tenant(), t -> new LinkedHashMap<>());
        if (hooks.size() >= maxPerTenant) {
          return Future.failedFuture(limit(maxPerTenant));
        }
        hooks.put(w.id(), new Hook(w, page.lastId()));
      }
      return saveNow().map(w);
    });
  }

  private synchronized int count(String tenant) {
    Map<String, Hook> hooks = tenants.get(tenant);
    return hooks == null ? 0 : hooks.size();
  }

  private static WebhookException limit(int max) {
    return new WebhookException(WebhookException.Kind.LIMIT, "the tenant already has " + max
        + " webhooks, the most it may have (WEBHOOKS_MAX_PER_TENANT); delete one first");
  }

  @Override
  public synchronized Future<List<Webhook>> list(String tenant) {
    Map<String, Hook> hooks = tenants.get(tenant);
    return Future.succeededFuture(hooks == null ? List.of() : hooks.values().stream().map(h -> h.webhook).toList());
  }

  @Override
  public Future<Webhook> get(String tenant, String id) {
    Hook h = hook(tenant, id);
    return Future.succeededFuture(h == null ? null : h.webhook);
  }

  @Override
  public Future<Boolean> delete(String tenant, String id) {
    synchronized (this) {
      Map<String, Hook> hooks = tenants.get(tenant);
      if (hooks == null || hooks.remove(id) == null) {
        return Future.succeededFuture(false);
      }
      if (hooks.isEmpty()) {
        tenants.remove(tenant);
      }
    }
    return saveNow().map(true);
  }

  @Override
  public Future<List<JsonObject>> deadLetters(Webhook w, int max) {
    Hook h = hook(w.tenant(), w.id());
    List<JsonObject> out = new ArrayList<>();
    if (h != null) {
      synchronized (this) {
        for (JsonObject letter : h.dead) {
          if (out.size() == max) {
            break;
          }
          out.add(letter.copy());
        }
      }
    }
    return Future.succeededFuture(out);
  }

  @Override
  public synchronized Future<List<Webhook>> all() {
    List<Webhook> out = new ArrayList<>();
    tenants.values().forEach(hooks -> hooks.values().forEach(h -> out.add(h.webhook)));
    return Future.succeededFuture(out);
  }

  @Override
  public Future<Batch> read(Webhook w, String consumer, int count) {
    Hook h = hook(w.tenant(), w.id());
    if (h == null) {
      return Future.succeededFuture(Batch.EMPTY);
    }
    String after;
    synchronized (this) {
      String lost = h.lostAfter;
      h.lostAfter = null;
      List<SessionEvent> earlier = new ArrayList<>();
      for (SessionEvent e : h.backlog) {
        if (earlier.size() == count) {
          break;
        }
        if (h.backlogHanded.add(e.id())) {
          earlier.add(e);
        }
      }
      if (!earlier.isEmpty() || lost != null) {
        return Future.succeededFuture(new Batch(earlier, lost));
      }
      after = h.readCursor;
    }
    return log.call(StoreAddresses.READ_EVENTS, new ReadEvents(w.tenant(), after, count)).map(page -> handOut(h, after, page));
  }

  private synchronized Batch handOut(Hook h, String after, EventPage page) {
    h.readCursor = page.lastId();
    for (SessionEvent e : page.events()) {
      h.pending.put(e.id(), false);
    }
    if (page.lost()) {
      // Whatever was handed out before is gone from the log too: the cursor moves on with the log.
      h.pending.keySet().removeIf(id -> EventIds.compare(id, after) <= 0);
      advance(h);
    }
    return new Batch(page.events(), page.lost() ? after : null);
  }

  @Override
  public Future<List<SessionEvent>> claim(Webhook w, String consumer, long idleMs, int count) {
    return Future.succeededFuture(List.of()); // one dispatcher per process: nobody else took any
  }

  @Override
  public Future<Void> touch(Webhook w, String consumer, String eventId) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> ack(Webhook w, String eventId) {
    Hook h = hook(w.tenant(), w.id());
    if (h != null) {
      synchronized (this) {
        if (h.backlogHanded.remove(eventId)) {
          h.backlog.removeIf(e -> e.id().equals(eventId));
        } else if (h.pending.containsKey(eventId)) {
          h.pending.put(eventId, true);
          advance(h);
        }
      }
      saveSoon();
    }
    return Future.succeededFuture();
  }

  /** Moves the cursor over the acknowledged events at the front of the pending ones. */
  private static void advance(Hook h) {
    while (!h.pending.isEmpty() && h.pending.firstEntry().getValue()) {
      h.cursor = h.pending.pollFirstEntry().getKey();
    }
    if (h.pending.isEmpty() && EventIds.compare(h.readCursor, h.cursor) > 0) {
      h.cursor = h.readCursor;
    }
  }

  @Override
  public Future<Void> deadLetter(Webhook w, String eventId, JsonObject body, int attempts, String lastError, long now,
                                 int keep) {
    Hook h = hook(w.tenant(), w.id());
    if (h == null) {
      return Future.succeededFuture();
    }
    synchronized (this) {
      h.dead.addFirst(WebhookStore.letter(body, attempts, lastError, now));
      while (h.dead.size() > keep) {
        h.dead.removeLast();
      }
    }
    return eventId == null ? saveSoon() : ack(w, eventId);
  }

  /**
   * On a clean stop, writes the webhooks with the events each was not given or did not acknowledge yet,
   * read from the log while it is still there; nothing is written after this.
   */
  @Override
  public Future<Void> shutdown() {
    if (file == null) {
      return Future.succeededFuture();
    }
    List<Hook> hooks;
    synchronized (this) {
      hooks = new ArrayList<>();
      tenants.values().forEach(t -> hooks.addAll(t.values()));
    }
    List<Future<Void>> each = new ArrayList<>();
    for (Hook h : hooks) {
      each.add(unacknowledged(h, cursorOf(h), new ArrayList<>()));
    }
    return Future.join(each).transform(ar -> {
      synchronized (this) {
        closed = true;
        vertx.cancelTimer(saveTimer);
        WebhookFile.Saved saved = snapshot(true);
        lastWrite = lastWrite.transform(x -> file.write(vertx, saved));
        return lastWrite;
      }
    });
  }

  private synchronized String cursorOf(Hook h) {
    return h.cursor;
  }

  /** Appends the log's events after {@code after} the webhook wants to its backlog, up to the bound. */
  private Future<Void> unacknowledged(Hook h, String after, List<SessionEvent> found) {
    return log.call(StoreAddresses.READ_EVENTS, new ReadEvents(h.webhook.tenant(), after, PAGE)).compose(page -> {
      for (SessionEvent e : page.events()) {
        if (e.type() != null && h.webhook.wants(e.type()) && found.size() < backlogMax) {
          found.add(e);
        }
      }
      boolean more = page.events().size() == PAGE && found.size() < backlogMax && !page.lastId().equals(after);
      if (more) {
        return unacknowledged(h, page.lastId(), found);
      }
      synchronized (this) {
        h.backlog.addAll(found);
        if (page.lost() && h.lostAfter == null) {
          h.lostAfter = after;
        }
      }
      return Future.<Void>succeededFuture();
    });
  }

  private synchronized WebhookFile.Saved snapshot(boolean clean) {
    List<WebhookFile.SavedHook> hooks = new ArrayList<>();
    for (Map<String, Hook> t : tenants.values()) {
      for (Hook h : t.values()) {
        hooks.add(new WebhookFile.SavedHook(h.webhook, h.cursor, List.copyOf(h.backlog), h.lostAfter,
            List.copyOf(h.dead)));
      }
    }
    return new WebhookFile.Saved(clean, hooks);
  }

  /** Writes the webhooks now (after any write before it); done when they are on disk. */
  private synchronized Future<Void> saveNow() {
    if (file == null || closed) {
      return Future.succeededFuture();
    }
    WebhookFile.Saved saved = snapshot(false);
    lastWrite = lastWrite.transform(x -> file.write(vertx, saved));
    return lastWrite;
  }

  /** Writes the webhooks within {@value #SAVE_DELAY_MS} ms: cursors move with every delivery, writes are coalesced. */
  private synchronized Future<Void> saveSoon() {
    if (file != null && !closed && saveTimer < 0) {
      saveTimer = vertx.setTimer(SAVE_DELAY_MS, id -> {
        synchronized (this) {
          saveTimer = -1;
        }
        saveNow();
      });
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    return log.close();
  }

  /** A saved event as the log had it. */
  static SessionEvent event(JsonObject o) {
    return new SessionEvent(o.getString("id"), io.sessiond.store.EventType.fromWire(o.getString("type")),
        o.getString("sessionId"), o.getLong("version", 0L), java.time.Instant.parse(o.getString("time")).toEpochMilli(),
        o.getString("holder"), o.getLong("token", 0L));
  }

  static JsonArray events(List<SessionEvent> events) {
    JsonArray a = new JsonArray();
    events.forEach(e -> a.add(new JsonObject(e.json())));
    return a;
  }
}
