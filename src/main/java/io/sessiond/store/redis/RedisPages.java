package io.sessiond.store.redis;

import io.sessiond.store.RequestChecks;
import io.sessiond.store.StoreException;
import io.sessiond.session.SessionState;
import io.sessiond.store.redis.LuaScripts.Script;
import io.sessiond.store.StoreRequests.ListSessions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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
   * one past the limit to know whether a next page exists, or after looking at
   * {@link RequestChecks#MAX_SCANNED_PER_PAGE} sessions (a short page whose cursor goes on from there).
   * The chunks are read one after the other by a loop that completes one promise, never by a chain
   * of nested futures, so a long scan cannot overflow the stack.
   */
  <T> Future<Page<T>> page(ListSessions r, Script script, Decoder<T> decoder,
                           Function<T, SessionState> stateOf) {
    try {
      RequestChecks.listing(r);
    } catch (StoreException e) {
      return Future.failedFuture(e);
    }
    long now = System.currentTimeMillis();
    // A state filter may skip most sessions: larger chunks, fewer round trips.
    int chunk = r.state() == null ? Math.min(Math.max(r.limit() + 1, 16), 1000) : 500;
    return link.with(conn -> {
      Promise<Page<T>> done = Promise.promise();
      new Scan<>(conn, r, script, decoder, stateOf, chunk, now, done).step(r.afterId());
      return done.future();
    });
  }

  /** One page's scan: its state, and one step per chunk of ids. */
  private final class Scan<T> {
    private final RedisConnection conn;
    private final ListSessions r;
    private final Script script;
    private final Decoder<T> decoder;
    private final Function<T, SessionState> stateOf;
    private final int chunk;
    private final long now;
    private final Promise<Page<T>> done;
    private final List<T> found = new ArrayList<>();
    private final List<String> foundIds = new ArrayList<>();
    private int scanned;

    Scan(RedisConnection conn, ListSessions r, Script script, Decoder<T> decoder, Function<T, SessionState> stateOf,
         int chunk, long now, Promise<Page<T>> done) {
      this.conn = conn;
      this.r = r;
      this.script = script;
      this.decoder = decoder;
      this.stateOf = stateOf;
      this.chunk = chunk;
      this.now = now;
      this.done = done;
    }

    void step(String afterId) {
      int want = Math.min(chunk, RequestChecks.MAX_SCANNED_PER_PAGE - scanned);
      index.ids(conn, r.tenant(), r.prefix(), afterId, want).compose(ids -> {
        List<Future<Response>> loads = new ArrayList<>(ids.size());
        for (String id : ids) {
          loads.add(link.eval(conn, script, keys.session(r.tenant(), id), List.of(Long.toString(now))));
        }
        return Future.all(loads).map(all -> {
          take(ids, all);
          return ids;
        });
      }).onFailure(done::tryFail).onSuccess(ids -> next(ids, want));
    }

    private void take(List<String> ids, io.vertx.core.CompositeFuture all) {
      for (int i = 0; i < ids.size() && found.size() <= r.limit(); i++) {
        scanned++;
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
        }
      }
    }

    private void next(List<String> ids, int asked) {
      if (found.size() > r.limit()) {
        done.tryComplete(new Page<>(found.subList(0, r.limit()), foundIds.get(r.limit() - 1)));
      } else if (ids.size() < asked) {
        done.tryComplete(new Page<>(found, null)); // the index has no more
      } else if (scanned >= RequestChecks.MAX_SCANNED_PER_PAGE) {
        done.tryComplete(new Page<>(found, ids.get(ids.size() - 1))); // enough work for one request
      } else {
        step(ids.get(ids.size() - 1));
      }
    }
  }
}
