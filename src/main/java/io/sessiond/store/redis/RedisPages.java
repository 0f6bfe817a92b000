package io.sessiond.store.redis;

import io.sessiond.store.RequestChecks;
import io.sessiond.store.StoreException;
import io.sessiond.session.SessionState;
import io.sessiond.store.redis.LuaScripts.Script;
import io.sessiond.store.StoreRequests.ListSessions;
import io.vertx.core.Future;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Id-ordered pages of a tenant's sessions (or statuses) for {@link RedisSessionStore}, from the tenant's id index. */
final class RedisPages {
  private final RedisLink link;
  private final RedisKeys keys;
  private final RedisIndex index;

  RedisPages(RedisLink link, RedisKeys keys, RedisIndex index) {
    this.link = link;
    this.keys = keys;
    this.index = index;
  }

  record Page<T>(List<T> items, String nextAfterId) {
  }

  interface Decoder<T> {
    T decode(String id, Response reply);
  }

  /**
   * One page of live sessions in id order: reads ids from the index in chunks, loads each with a
   * read script (pipelined on one connection), skips expired, stale and filtered-out ones, and stops
   * one past the limit to know whether a next page exists.
   */
  <T> Future<Page<T>> page(ListSessions r, Script script, Decoder<T> decoder,
                                   Function<T, SessionState> stateOf) {
    try {
      RequestChecks.pageLimit(r.limit());
    } catch (StoreException e) {
      return Future.failedFuture(e);
    }
    long now = System.currentTimeMillis();
    int chunk = Math.min(Math.max(r.limit() + 1, 16), 1000);
    return link.with(conn -> collect(conn, r, script, decoder, stateOf, r.afterId(), chunk, now, new ArrayList<>(),
        new ArrayList<>()));
  }

  private <T> Future<Page<T>> collect(RedisConnection conn, ListSessions r, Script script, Decoder<T> decoder,
                                      Function<T, SessionState> stateOf, String afterId, int chunk, long now,
                                      List<T> found, List<String> foundIds) {
    return index.ids(conn, r.tenant(), afterId, chunk).compose(ids -> {
      List<Future<Response>> loads = new ArrayList<>(ids.size());
      for (String id : ids) {
        loads.add(link.eval(conn, script, keys.session(r.tenant(), id), List.of(Long.toString(now))));
      }
      return Future.all(loads).compose(all -> {
        for (int i = 0; i < ids.size(); i++) {
          Response reply = all.resultAt(i);
          if (!"OK".equals(RedisReplies.text(reply.get(0)))) {
            if (!RedisReplies.expiredNotFound(reply)) {
              index.remove(conn, r.tenant(), ids.get(i)); // a stale entry left by a crash: repair, don't wait
            }
            continue;
          }
          T item = decoder.decode(ids.get(i), reply);
          if (r.state() == null || r.state() == stateOf.apply(item)) {
            found.add(item);
            foundIds.add(ids.get(i));
            if (found.size() > r.limit()) {
              return Future.succeededFuture(new Page<>(found.subList(0, r.limit()), foundIds.get(r.limit() - 1)));
            }
          }
        }
        if (ids.size() < chunk) {
          return Future.succeededFuture(new Page<>(found, null));
        }
        return collect(conn, r, script, decoder, stateOf, ids.get(ids.size() - 1), chunk, now, found, foundIds);
      });
    });
  }
}
