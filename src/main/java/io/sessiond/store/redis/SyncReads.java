package io.sessiond.store.redis;

import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.sync.ChangeParts;
import io.sessiond.sync.SessionParts;
import io.sessiond.session.Session;
import io.sessiond.store.StoreRequests.BlobInfo;
import io.vertx.core.Future;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs {@code sync_read.lua} for the sessions of a sync batch, one script call per session, all sent
 * at once so that they are pipelined on the shared connections, and decodes the replies.
 */
final class SyncReads {
  private final RedisLink link;
  private final RedisKeys keys;
  private final LuaScripts.Script script;

  SyncReads(RedisLink link, RedisKeys keys, LuaScripts scripts) {
    this.link = link;
    this.keys = keys;
    this.script = scripts.syncRead;
  }

  /** One result per request, in order; {@code null} for a session that is gone (its deletion entry removes it). */
  Future<List<SessionParts>> read(List<SessionParts.Request> requests) {
    String now = Long.toString(System.currentTimeMillis());
    List<Future<SessionParts>> reads = new ArrayList<>(requests.size());
    for (SessionParts.Request r : requests) {
      reads.add(link.with(conn -> link.eval(conn, script, keys.session(r.tenant(), r.id()), args(now, r)))
          .map(reply -> decode(r, reply)));
    }
    return Future.all(reads).map(all -> {
      List<SessionParts> out = new ArrayList<>(reads.size());
      reads.forEach(f -> out.add(f.result()));
      return out;
    });
  }

  private static List<String> args(String now, SessionParts.Request r) {
    ChangeParts p = r.parts();
    List<String> args = new ArrayList<>();
    args.add(now);
    args.add(r.pgCreatedAt() == null ? "" : Long.toString(r.pgCreatedAt()));
    args.add(p.full() ? "1" : "0");
    args.add(p.allKeys() ? "1" : "0");
    args.add(Long.toString(p.fromSeq()));
    args.add(p.blobs() ? "1" : "0");
    args.add(p.history() ? "1" : "0");
    if (!p.full() && !p.allKeys()) {
      p.keys().forEach((type, ids) -> ids.forEach(id -> {
        args.add(type);
        args.add(id);
      }));
    }
    return args;
  }

  private static SessionParts decode(SessionParts.Request r, Response reply) {
    if ("E".equals(RedisReplies.text(reply.get(0)))) {
      if ("NOT_FOUND".equals(RedisReplies.text(reply.get(1)))) {
        return null;
      }
      throw new StoreException(StoreFailure.UNAVAILABLE, "sync read of session " + r.id() + " failed: " + reply);
    }
    boolean full = "F".equals(RedisReplies.text(reply.get(1)));
    Session session = RedisReplies.session(r.id(), reply.get(2), reply.get(3));
    boolean allKeys = full || r.parts().allKeys();
    Map<String, Map<String, String>> values = allKeys ? allKeys(reply.get(4)) : namedKeys(reply.get(4));
    return new SessionParts(r.tenant(), session, full, allKeys, values, full || r.parts().fromSeq() > 0,
        RedisReplies.messages(reply.get(5)),
        RedisReplies.number(reply.get(6)), blobs(reply.get(7), session.version()),
        full || r.parts().history() ? RedisReplies.history(reply.get(8)) : null);
  }

  /** {type, {keyId, value, ...}, ...}. */
  private static Map<String, Map<String, String>> allKeys(Response types) {
    Map<String, Map<String, String>> out = new TreeMap<>();
    for (int i = 0; types != null && i + 1 < types.size(); i += 2) {
      Map<String, String> values = new HashMap<>();
      Response flat = types.get(i + 1);
      for (int j = 0; j + 1 < flat.size(); j += 2) {
        values.put(flat.get(j).toString(), flat.get(j + 1).toString());
      }
      out.put(types.get(i).toString(), values);
    }
    return out;
  }

  /** {type, keyId, value or nil, ...}. */
  private static Map<String, Map<String, String>> namedKeys(Response triples) {
    Map<String, Map<String, String>> out = new TreeMap<>();
    for (int i = 0; triples != null && i + 2 < triples.size(); i += 3) {
      out.computeIfAbsent(triples.get(i).toString(), t -> new HashMap<>())
          .put(triples.get(i + 1).toString(), RedisReplies.text(triples.get(i + 2)));
    }
    return out;
  }

  private static List<BlobInfo> blobs(Response items, long version) {
    if (items == null) {
      return null;
    }
    List<BlobInfo> out = new ArrayList<>();
    for (int i = 0; i + 3 < items.size(); i += 4) {
      out.add(new BlobInfo(items.get(i).toString(), items.get(i + 1).toString(), RedisReplies.number(items.get(i + 2)),
          (int) RedisReplies.number(items.get(i + 3)), version));
    }
    return out;
  }
}
