package io.sessiond.store.redis;

import io.sessiond.sync.ChangeFeed;
import io.sessiond.sync.ChangeFeed.Change;

import io.sessiond.sync.ChangeParts;
import io.sessiond.sync.SessionParts;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The PostgreSQL change stream ({@code <prefix>sync}) as sync reads it ({@link ChangeFeed}), plus the
 * few coordination keys sync needs (the restore lock, restore jobs), on the connections of the store
 * verticle's Redis store. One consumer group, {@code sync}, read by every instance with non-blocking
 * XREADGROUP on a timer: the connections are shared and pipelined, so a blocking read is never sent
 * (see {@link RedisLink}). Entries are acknowledged and deleted once their changes are committed in
 * PostgreSQL, so the stream holds only the backlog.
 */
class RedisChangeFeed implements ChangeFeed {
  static final String GROUP = "sync";

  private final RedisLink link;
  private final String stream;
  private final String prefix;
  private final SyncReads reads;

  RedisChangeFeed(RedisLink link, LuaScripts scripts, String prefix) {
    this.link = link;
    this.reads = new SyncReads(link, new RedisKeys(prefix), scripts);
    this.prefix = prefix;
    this.stream = RedisSessionStore.changeStream(prefix);
  }

  /** Creates the group (reading from the stream's start) unless it exists; also after a FLUSHALL. */
  Future<Void> ensureGroup() {
    return link.with(conn -> link.send(conn, Request.cmd(Command.XGROUP).arg("CREATE").arg(stream).arg(GROUP).arg("0")
            .arg("MKSTREAM")))
        .<Void>mapEmpty()
        .recover(e -> e.getMessage() != null && e.getMessage().contains("BUSYGROUP")
            ? Future.succeededFuture() : Future.failedFuture(e));
  }

  /** Entries delivered to this consumer and not yet acknowledged (a failed batch, read again). */
  @Override
  public Future<List<Change>> pending(String consumer, int count) {
    return read(consumer, count, "0");
  }

  /** Entries never delivered to any consumer. */
  @Override
  public Future<List<Change>> fresh(String consumer, int count) {
    return read(consumer, count, ">");
  }

  private Future<List<Change>> read(String consumer, int count, String from) {
    Request r = Request.cmd(Command.XREADGROUP).arg("GROUP").arg(GROUP).arg(consumer).arg("COUNT").arg(count)
        .arg("STREAMS").arg(stream).arg(from);
    return link.with(conn -> link.send(conn, r)).map(this::streamEntries).recover(this::regroupOnNoGroup);
  }

  /** Takes over entries another consumer read but did not acknowledge for {@code minIdleMs} (a crashed instance). */
  @Override
  public Future<List<Change>> claim(String consumer, long minIdleMs, int count) {
    Request r = Request.cmd(Command.XAUTOCLAIM).arg(stream).arg(GROUP).arg(consumer).arg(minIdleMs).arg("0-0")
        .arg("COUNT").arg(count);
    return link.with(conn -> link.send(conn, r)).map(reply -> entries(reply == null ? null : reply.get(1)))
        .recover(this::regroupOnNoGroup);
  }

  private <T> Future<T> regroupOnNoGroup(Throwable e) {
    if (e.getMessage() != null && e.getMessage().contains("NOGROUP")) {
      return ensureGroup().transform(ar -> Future.failedFuture(e));
    }
    return Future.failedFuture(e);
  }

  /** Acknowledges and deletes synced entries: the stream keeps only what is not in PostgreSQL yet. */
  @Override
  public Future<Void> done(List<String> entryIds) {
    if (entryIds.isEmpty()) {
      return Future.succeededFuture();
    }
    Request ack = Request.cmd(Command.XACK).arg(stream).arg(GROUP);
    Request del = Request.cmd(Command.XDEL).arg(stream);
    entryIds.forEach(id -> {
      ack.arg(id);
      del.arg(id);
    });
    // Sent together (they run in order on the connection): an entry deleted but left unacknowledged is
    // read again without fields and acknowledged then.
    return link.with(conn -> Future.all(link.send(conn, ack), link.send(conn, del))).mapEmpty();
  }

  /** Entries waiting in the stream (recorded, not yet in PostgreSQL). */
  @Override
  public Future<Long> backlog() {
    return link.with(conn -> link.send(conn, Request.cmd(Command.XLEN).arg(stream))).map(r -> r == null ? 0L : r.toLong());
  }

  /**
   * The current state of the parts each request names (see {@code sync_read.lua}), pipelined; one
   * result per request, {@code null} for a session that is gone.
   */
  @Override
  public Future<List<SessionParts>> readParts(List<SessionParts.Request> requests) {
    return requests.isEmpty() ? Future.succeededFuture(List.of()) : reads.read(requests);
  }

  // ---- coordination ---------------------------------------------------------------------------

  /** Takes the named lock for {@code ttlMs} unless someone holds it; true when taken. */
  @Override
  public Future<Void> quarantine(String tenant, String id, String detail) {
    return link.with(conn -> link.send(conn, Request.cmd(Command.HSET).arg(quarantineKey()).arg(tenant + ":" + id)
        .arg(detail))).mapEmpty();
  }

  @Override
  public Future<Void> release(String tenant, String id) {
    return link.with(conn -> link.send(conn, Request.cmd(Command.HDEL).arg(quarantineKey()).arg(tenant + ":" + id)))
        .mapEmpty();
  }

  @Override
  public Future<Map<String, String>> quarantined() {
    return link.with(conn -> link.send(conn, Request.cmd(Command.HGETALL).arg(quarantineKey())))
        .map(RedisChangeFeed::fields);
  }

  @Override
  public Future<String> quarantineOf(String tenant, String id) {
    return link.with(conn -> link.send(conn, Request.cmd(Command.HGET).arg(quarantineKey()).arg(tenant + ":" + id)))
        .map(r -> r == null ? null : r.toString());
  }

  private String quarantineKey() {
    return stream + ":quarantine";
  }

  /** {@code <prefix>epoch}, set only when absent: it never expires and goes only with the data itself. */
  @Override
  public Future<String> epoch(String candidate) {
    return evalInline("redis.call('SET', KEYS[1], ARGV[1], 'NX') return redis.call('GET', KEYS[1])",
        prefix + "epoch", candidate).map(r -> r == null ? null : r.toString());
  }

  @Override
  public Future<Boolean> tryLock(String name, String token, long ttlMs) {
    Request r = Request.cmd(Command.SET).arg(prefix + "lock:" + name).arg(token).arg("NX").arg("PX").arg(ttlMs);
    return link.with(conn -> link.send(conn, r)).map(reply -> reply != null && "OK".equals(reply.toString()));
  }

  /** Extends the lock while {@code token} holds it; false when it was lost. */
  @Override
  public Future<Boolean> renewLock(String name, String token, long ttlMs) {
    return evalInline("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0",
        prefix + "lock:" + name, token, Long.toString(ttlMs)).map(r -> r != null && r.toLong() == 1);
  }

  /** Releases the lock if {@code token} still holds it. */
  @Override
  public Future<Void> unlock(String name, String token) {
    return evalInline("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        prefix + "lock:" + name, token).mapEmpty();
  }

  /** Whether anyone holds the named lock. */
  @Override
  public Future<Boolean> locked(String name) {
    return link.with(conn -> link.send(conn, Request.cmd(Command.EXISTS).arg(prefix + "lock:" + name)))
        .map(r -> r != null && r.toLong() == 1);
  }

  /** Stores a small record of string fields (a job's progress) that expires after {@code ttlMs}. */
  @Override
  public Future<Void> putRecord(String name, Map<String, String> fields, long ttlMs) {
    Request hset = Request.cmd(Command.HSET).arg(prefix + name);
    fields.forEach((k, v) -> hset.arg(k).arg(v));
    return link.with(conn -> link.send(conn, hset)
        .compose(v -> link.send(conn, Request.cmd(Command.PEXPIRE).arg(prefix + name).arg(ttlMs)))).mapEmpty();
  }

  /** The record's fields; empty when there is none. */
  @Override
  public Future<Map<String, String>> getRecord(String name) {
    return link.with(conn -> link.send(conn, Request.cmd(Command.HGETALL).arg(prefix + name)))
        .map(RedisChangeFeed::fields);
  }

  /** The fields of a hash (HGETALL) or of a stream entry: a map in RESP3, a flat list in RESP2. */
  private static Map<String, String> fields(Response r) {
    Map<String, String> out = new HashMap<>();
    if (r != null && r.isMap()) {
      r.getKeys().forEach(k -> out.put(k, r.get(k).toString()));
    } else if (r != null) {
      for (int i = 0; i + 1 < r.size(); i += 2) {
        out.put(r.get(i).toString(), r.get(i + 1).toString());
      }
    }
    return out;
  }

  private Future<Response> evalInline(String script, String key, String... args) {
    Request r = Request.cmd(Command.EVAL).arg(script).arg(1).arg(key);
    for (String a : args) {
      r.arg(a);
    }
    return link.with(conn -> link.send(conn, r));
  }

  // ---- reply decoding -------------------------------------------------------------------------

  /** XREADGROUP's reply: {@code [[stream, entries]]} (RESP2) or {@code {stream: entries}} (RESP3). */
  private List<Change> streamEntries(Response reply) {
    if (reply == null) {
      return List.of();
    }
    if (reply.isMap()) {
      return entries(reply.get(stream));
    }
    List<Change> out = new ArrayList<>();
    for (Response s : reply) {
      out.addAll(entries(s.get(1)));
    }
    return out;
  }

  static List<Change> entries(Response list) {
    List<Change> out = new ArrayList<>();
    if (list == null) {
      return out;
    }
    for (Response e : list) {
      if (e != null) {
        out.add(change(e.get(0).toString(), e.size() > 1 ? e.get(1) : null));
      }
    }
    return out;
  }

  /** An entry's fields; an entry deleted meanwhile (nil fields) or unreadable names no session. */
  static Change change(String entryId, Response fields) {
    Map<String, String> f = fields(fields);
    String tag = f.get("s");
    int colon = tag == null ? -1 : tag.indexOf(':');
    if (colon < 0) {
      return new Change(entryId, null, null, false, 0, 0, ChangeParts.FULL);
    }
    return new Change(entryId, tag.substring(0, colon), tag.substring(colon + 1), "d".equals(f.get("o")),
        parse(f.get("v")), parse(f.get("c")), ChangeParts.parse(f.get("p"), f.get("k"), f.get("m")));
  }

  private static long parse(String s) {
    try {
      return s == null ? 0 : Long.parseLong(s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
