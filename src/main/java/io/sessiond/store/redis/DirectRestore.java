package io.sessiond.store.redis;

import io.sessiond.session.CredsVersion;
import io.sessiond.session.Session;
import io.sessiond.session.StoredMessage;
import io.sessiond.store.BulkFrames;
import io.sessiond.store.FramedKeys;
import io.sessiond.store.FramedMessages;
import io.sessiond.store.RequestChecks;
import io.sessiond.store.StoreRequests.ImportSession;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The RESP of one direct restore ({@link RedisSessionStore#restoreAll} on a single Redis): sessions of
 * one tenant that Redis holds nothing of are written straight into their keys by plain commands in one
 * MULTI ... EXEC, under a WATCH of what any change to them would write. First {@link #check}: WATCH of each
 * session's meta and tombstone (and of the tenant's index when the tenant has a session limit), one EXISTS
 * per session of all its keys (meta, tombstone, types, blobs, creds, messages, creds history, its key
 * hashes), and the index's size. Then {@link #commit} of the sessions found absent: their writes as restore_staged.lua
 * leaves a session new to Redis without a TTL, the index entries and the tenant. The EXEC runs only if no
 * watched key changed in between: a session written, deleted or restored meanwhile makes Redis refuse the
 * whole transaction (a nil reply), and the caller restores the group the staged way, by the script's rules.
 * Each session's commands are encoded once, into a buffer of its own, as the values are turned into bytes;
 * the sizes ({@code bytes}, {@code kbytes}) are counted from those bytes, as import.lua's {@code #} counts.
 */
final class DirectRestore {
  private static final byte[] META = bytes(":meta");
  private static final byte[] GONE = bytes(":gone");
  private static final byte[] TYPES = bytes(":types");
  private static final byte[] BLOBS = bytes(":blobs");
  private static final byte[] CREDS = bytes(":creds");
  private static final byte[] MSGS = bytes(":msgs");
  private static final byte[] CREDSH = bytes(":credsh");
  private static final int FIXED_KEYS = 7;

  /** One session taken the direct way: where it is in the request, its keys and its encoded writes. */
  record Planned(int index, ImportSession request, byte[] base, List<byte[]> typeKeys, Buffer writes, int commands,
                 long version, long createdAt) {
  }

  private final RedisKeys keys;
  private final String tenant;
  private final long now;
  private final int maxMessages;
  private final int credsHistory;
  final List<Planned> planned = new ArrayList<>();

  DirectRestore(RedisKeys keys, String tenant, long now, int maxMessages, int credsHistory) {
    this.keys = keys;
    this.tenant = tenant;
    this.now = now;
    this.maxMessages = maxMessages;
    this.credsHistory = credsHistory;
  }

  /**
   * Whether a session can go the direct way at all: one that would end with a TTL, a version of 0 (a
   * change to record) or past the tenant's byte limit goes through the script.
   */
  static boolean eligible(Session in) {
    return in.ttlSeconds() <= 0 && in.version() >= 1;
  }

  /** Encodes the session's writes; false (nothing added) when it is larger than {@code maxBytes} allows. */
  boolean add(int index, ImportSession r, long maxBytes) {
    Session in = r.export().session();
    byte[] base = bytes(keys.session(tenant, in.id()));
    Buffer w = Buffer.buffer(8192);
    int[] commands = {0};
    List<byte[]> typeKeys = new ArrayList<>(2);
    long kbytes = r.export().keys() instanceof FramedKeys framed ? framedKeyTypes(w, base, framed, typeKeys, commands)
        : keyTypes(w, base, r.export().keys(), typeKeys, commands);
    long size = kbytes;
    long lastSeq;
    if (r.export().messages() instanceof FramedMessages framed) {
      size += framedMessages(w, base, framed, commands);
      lastSeq = framed.lastSeq();
    } else {
      List<StoredMessage> all = r.export().messages() == null ? List.of() : r.export().messages();
      size += messages(w, base, all.subList(Math.max(0, all.size() - maxMessages), all.size()), commands);
      lastSeq = all.isEmpty() ? 0 : all.get(all.size() - 1).seq();
    }
    size += creds(w, base, RequestChecks.clearable(in.credsJson()), commands);
    size += history(w, base, r.export().credsHistory(), commands);
    byte[] data = bytes(in.dataJson());
    size += data.length;
    if (maxBytes > 0 && size > maxBytes) {
      return false;
    }
    long createdAt = in.createdAt() > 0 ? in.createdAt() : now;
    long version = Math.max(in.version(), 1);
    // restore_staged.lua's staged meta: what bump writes for a session new in Redis without a TTL.
    RestorePipe.array(w, 26).bulk(w, "HSET").key(w, base, META).bulk(w, "state").bulk(w, in.state().wire())
        .bulk(w, "data").bulk(w, data).bulk(w, "ttl").bulk(w, in.ttlSeconds()).bulk(w, "created").bulk(w, createdAt)
        .bulk(w, "seq").bulk(w, lastSeq).bulk(w, "ver").bulk(w, version).bulk(w, "updated").bulk(w, now)
        .bulk(w, "activity").bulk(w, now).bulk(w, "expires").bulk(w, 0L).bulk(w, "bytes").bulk(w, size)
        .bulk(w, "kbytes").bulk(w, kbytes).bulk(w, "pexp").bulk(w, 0L);
    planned.add(new Planned(index, r, base, typeKeys, w, commands[0] + 1, version, createdAt));
    return true;
  }

  private static long keyTypes(Buffer w, byte[] base, Map<String, Map<String, String>> all, List<byte[]> typeKeys,
                               int[] commands) {
    if (all == null) {
      return 0;
    }
    long kbytes = 0;
    List<byte[]> names = new ArrayList<>(2);
    for (Map.Entry<String, Map<String, String>> type : all.entrySet()) {
      if (!type.getValue().isEmpty()) {
        byte[] name = bytes(type.getKey());
        byte[] suffix = bytes(":keys:" + type.getKey());
        kbytes += keyType(w, base, suffix, type.getValue(), commands);
        names.add(name);
        typeKeys.add(suffix);
      }
    }
    if (!names.isEmpty()) {
      RestorePipe.Resp resp = RestorePipe.array(w, 2 + names.size()).bulk(w, "SADD").key(w, base, TYPES);
      names.forEach(n -> resp.bulk(w, n));
      commands[0]++;
    }
    return kbytes;
  }

  /** {@link #keyTypes} of keys PostgreSQL framed: each type's frames copied as they are. */
  private static long framedKeyTypes(Buffer w, byte[] base, FramedKeys all, List<byte[]> typeKeys, int[] commands) {
    long kbytes = 0;
    for (FramedKeys.Type type : all.types()) {
      byte[] suffix = bytes(":keys:" + type.name());
      kbytes += framedKeyType(w, base, suffix, type.frames(), commands);
      typeKeys.add(suffix);
    }
    if (!typeKeys.isEmpty()) {
      RestorePipe.Resp resp = RestorePipe.array(w, 2 + typeKeys.size()).bulk(w, "SADD").key(w, base, TYPES);
      all.types().forEach(t -> resp.bulk(w, t.name()));
      commands[0]++;
    }
    return kbytes;
  }

  /**
   * One type's HSETs from its frames (id, value, id, value, ...): at most
   * {@link RedisSessionStore#STAGED_PAIRS_PER_COMMAND} pairs a command, as {@link #keyType} writes them.
   */
  private static long framedKeyType(Buffer w, byte[] base, byte[] suffix, Buffer frames, int[] commands) {
    BulkFrames f = new BulkFrames(frames);
    int values = 0;
    long kbytes = 0;
    while (f.next()) {
      values++;
      kbytes += f.length();
    }
    if (values == 0 || values % 2 != 0) {
      throw new IllegalArgumentException("a framed key type needs whole pairs");
    }
    int left = values / 2;
    f = new BulkFrames(frames);
    int from = 0;
    while (left > 0) {
      int n = Math.min(left, RedisSessionStore.STAGED_PAIRS_PER_COMMAND);
      RestorePipe.array(w, 2 + 2 * n).bulk(w, "HSET").key(w, base, suffix);
      int to = frames.length();
      if (n < left) {
        for (int i = 0; i < 2 * n; i++) {
          f.next();
        }
        to = f.frameEnd();
      }
      w.appendBuffer(frames, from, to - from);
      commands[0]++;
      from = to;
      left -= n;
    }
    return kbytes;
  }

  /** {@link #messages} of messages PostgreSQL framed: the newest {@code maxMessages} frames copied as they are. */
  private long framedMessages(Buffer w, byte[] base, FramedMessages all, int[] commands) {
    int skip = Math.max(0, all.size() - maxMessages);
    BulkFrames f = new BulkFrames(all.frames());
    int seen = 0;
    int from = 0;
    long size = 0;
    while (f.next()) {
      if (seen++ < skip) {
        from = f.frameEnd();
      } else {
        size += f.length();
      }
    }
    if (seen != all.size()) {
      throw new IllegalArgumentException("framed messages and their seq numbers differ in number");
    }
    if (seen == skip) {
      return 0;
    }
    RestorePipe.array(w, 2 + seen - skip).bulk(w, "RPUSH").key(w, base, MSGS);
    w.appendBuffer(all.frames(), from, all.frames().length() - from);
    commands[0]++;
    return size;
  }

  private static long keyType(Buffer w, byte[] base, byte[] suffix, Map<String, String> values, int[] commands) {
    long kbytes = 0;
    int left = values.size();
    int pairs = 0;
    for (Map.Entry<String, String> kv : values.entrySet()) {
      if (pairs == 0) {
        int n = Math.min(left, RedisSessionStore.STAGED_PAIRS_PER_COMMAND);
        RestorePipe.array(w, 2 + 2 * n).bulk(w, "HSET").key(w, base, suffix);
        commands[0]++;
        pairs = n;
        left -= n;
      }
      byte[] k = bytes(kv.getKey());
      byte[] v = bytes(kv.getValue());
      RestorePipe.RESP.bulk(w, k).bulk(w, v);
      kbytes += k.length + v.length;
      pairs--;
    }
    return kbytes;
  }

  private static long messages(Buffer w, byte[] base, List<StoredMessage> window, int[] commands) {
    if (window.isEmpty()) {
      return 0;
    }
    long size = 0;
    RestorePipe.Resp resp = RestorePipe.array(w, 2 + window.size()).bulk(w, "RPUSH").key(w, base, MSGS);
    for (StoredMessage m : window) {
      byte[] b = bytes(m.json());
      resp.bulk(w, b);
      size += b.length;
    }
    commands[0]++;
    return size;
  }

  private static long creds(Buffer w, byte[] base, String creds, int[] commands) {
    if (creds == null || creds.isEmpty()) {
      return 0;
    }
    byte[] b = bytes(creds);
    RestorePipe.array(w, 3).bulk(w, "SET").key(w, base, CREDS).bulk(w, b);
    commands[0]++;
    return b.length;
  }

  private long history(Buffer w, byte[] base, List<CredsVersion> all, int[] commands) {
    List<CredsVersion> kept = all == null ? List.of() : all.subList(0, Math.min(all.size(), credsHistory));
    if (kept.isEmpty()) {
      return 0;
    }
    long size = 0;
    RestorePipe.Resp resp = RestorePipe.array(w, 2 + kept.size()).bulk(w, "RPUSH").key(w, base, CREDSH);
    for (CredsVersion h : kept) {
      String entry = RedisReplies.historyEntry(h);
      byte[] b = bytes(entry);
      resp.bulk(w, b);
      // Only the creds text counts; '<version> <at> ' is ASCII.
      size += b.length - (entry.length() - h.credsJson().length());
    }
    commands[0]++;
    return size;
  }

  /** WATCH of every planned session's keys (and {@code ids}, when not null), an EXISTS of them each, ZCARD of {@code ids}. */
  Buffer check(byte[] ids) {
    Buffer b = Buffer.buffer(planned.size() * 512);
    // Every script that creates or changes a session writes its meta, and one that deletes it writes its
    // tombstone, in the same atomic call: those two keys are enough to watch (Redis 7.0's WATCH compares
    // each key with every key the connection already watches, so fewer is also cheaper).
    RestorePipe.Resp resp = RestorePipe.array(b, 1 + 2 * planned.size() + (ids == null ? 0 : 1)).bulk(b, "WATCH");
    for (Planned p : planned) {
      resp.key(b, p.base(), META).key(b, p.base(), GONE);
    }
    if (ids != null) {
      resp.bulk(b, ids);
    }
    for (Planned p : planned) {
      RestorePipe.array(b, 1 + FIXED_KEYS + p.typeKeys().size()).bulk(b, "EXISTS");
      sessionKeys(b, resp, p);
    }
    if (ids != null) {
      RestorePipe.array(b, 2).bulk(b, "ZCARD").bulk(b, ids);
    }
    return b;
  }

  /** The replies {@link #check} gets. */
  int checkReplies(boolean limited) {
    return 1 + planned.size() + (limited ? 1 : 0);
  }

  private static void sessionKeys(Buffer b, RestorePipe.Resp resp, Planned p) {
    resp.key(b, p.base(), META).key(b, p.base(), GONE).key(b, p.base(), TYPES).key(b, p.base(), BLOBS)
        .key(b, p.base(), CREDS).key(b, p.base(), MSGS).key(b, p.base(), CREDSH);
    for (byte[] t : p.typeKeys()) {
      resp.key(b, p.base(), t);
    }
  }

  /** Whether the check found the {@code i}-th planned session absent (none of its keys exists). */
  static boolean absent(List<Response> checked, int i) {
    Response r = checked.get(1 + i);
    return r != null && r.type() == ResponseType.NUMBER && r.toLong() == 0;
  }

  /** MULTI, the writes of {@code chosen}, their index entries, the tenant, EXEC; {@code replies[0]} gets how many replies. */
  Buffer commit(List<Planned> chosen, byte[] ids, byte[] tenants, int[] replies) {
    int size = 64;
    int commands = 2;
    for (Planned p : chosen) {
      size += p.writes().length() + p.base().length + 16;
      commands += p.commands();
    }
    Buffer b = Buffer.buffer(size);
    RestorePipe.array(b, 1).bulk(b, "MULTI");
    for (Planned p : chosen) {
      b.appendBuffer(p.writes());
    }
    RestorePipe.Resp resp = RestorePipe.array(b, 3 + 2 * chosen.size()).bulk(b, "ZADD").bulk(b, ids).bulk(b, "NX");
    for (Planned p : chosen) {
      resp.bulk(b, "0").bulk(b, p.request().export().session().id());
    }
    RestorePipe.array(b, 3).bulk(b, "SADD").bulk(b, tenants).bulk(b, tenant);
    RestorePipe.array(b, 1).bulk(b, "EXEC");
    replies[0] = 1 + commands + 1;
    return b;
  }

  /** The restored session as the script would have answered it (version, times, no expiry). */
  Session restored(Planned p) {
    Session in = p.request().export().session();
    return new Session(in.id(), in.state(), in.dataJson(), in.credsJson(), p.version(), p.createdAt(), now, now,
        in.ttlSeconds(), 0);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
