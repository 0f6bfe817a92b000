package io.sessiond.store.redis;

import io.sessiond.store.StoreRequests.ListSessions;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-tenant indexes: {@code {tenant}:ids} (every session id, score 0, paged by ZRANGEBYLEX) and
 * {@code {tenant}:expiry} (a lower bound of each session's expiry, for the sweeper). They live in the
 * tenant's slot, not the session's, so they are kept by a second step after each session script.
 * The rule that keeps them right without a cross-slot transaction:
 * <ul>
 *   <li>before creating a session, its id is added ({@link #reserve}, which also enforces
 *       maxSessions), and added again after the create succeeded;</li>
 *   <li>after deleting a session, its id is removed, then the session is read again and the id put
 *       back if the session exists by then (a concurrent create);</li>
 *   <li>so the last index step for an id always follows the last change of the session and agrees
 *       with it. A crash between the two steps can only leave an extra id (listing skips it and
 *       repairs it), never hide a session.</li>
 * </ul>
 * Expiry scores only move down here (ZADD LT); writes that extend a session do not touch the index,
 * and the sweeper moves a score up to the real expiry when it finds a live session.
 */
final class RedisIndex {
  private final RedisLink link;
  private final RedisKeys keys;
  private final LuaScripts scripts;
  private final ChangeRecording recording;
  private final Set<String> knownTenants = ConcurrentHashMap.newKeySet();

  RedisIndex(RedisLink link, RedisKeys keys, LuaScripts scripts, ChangeRecording recording) {
    this.recording = recording;
    this.link = link;
    this.keys = keys;
    this.scripts = scripts;
  }

  /** Adds the id unless the tenant is full; false when full. */
  Future<Boolean> reserve(RedisConnection conn, String tenant, String id, long expiresAt, long maxSessions) {
    return register(conn, tenant)
        .compose(v -> index(conn, "reserve", tenant, id, expiresAt, maxSessions))
        .map(r -> r.toLong() == 1);
  }

  Future<Void> add(RedisConnection conn, String tenant, String id, long expiresAt) {
    return index(conn, "add", tenant, id, expiresAt, 0).mapEmpty();
  }

  /** Removes the id, then puts it back if the session exists again by now. */
  Future<Void> remove(RedisConnection conn, String tenant, String id) {
    return index(conn, "del", tenant, id, 0, 0)
        .compose(v -> link.send(conn, Request.cmd(Command.HGET).arg(keys.meta(tenant, id)).arg("expires")))
        .compose(expires -> expires == null ? Future.succeededFuture() : add(conn, tenant, id, expires.toLong()));
  }

  /** Moves a live session's expiry score to its real expiry (0: it no longer expires). */
  Future<Void> rescore(RedisConnection conn, String tenant, String id, long expiresAt) {
    Request r = expiresAt > 0
        ? Request.cmd(Command.ZADD).arg(keys.expiry(tenant)).arg("XX").arg(expiresAt).arg(id)
        : Request.cmd(Command.ZREM).arg(keys.expiry(tenant)).arg(id);
    return link.send(conn, r).mapEmpty();
  }

  /**
   * Up to {@code count} ids after {@code afterId} ({@code null}: from the start) that start with
   * {@code prefix} ({@code null}: any), in id order. A prefix is the lex range [prefix, prefixEnd):
   * ids are ASCII, so Redis's byte order is Java's char order.
   */
  Future<List<String>> ids(RedisConnection conn, String tenant, String prefix, String afterId, int count) {
    String min = afterId == null ? "-" : "(" + afterId;
    String max = "+";
    if (prefix != null) {
      if (afterId == null || afterId.compareTo(prefix) < 0) {
        min = "[" + prefix;
      }
      max = "(" + ListSessions.prefixEnd(prefix);
    }
    Request r = Request.cmd(Command.ZRANGEBYLEX).arg(keys.ids(tenant)).arg(min).arg(max)
        .arg("LIMIT").arg(0).arg(count);
    return link.send(conn, r).map(RedisIndex::strings);
  }

  /**
   * The number of ids in the tenant's index (ZCARD): its sessions, counted in O(1). An id the sweeper
   * has not removed yet, or left behind by a crash between a session script and its index step (see
   * above), counts until it is swept or repaired.
   */
  Future<Long> count(String tenant) {
    return link.with(conn -> link.send(conn, Request.cmd(Command.ZCARD).arg(keys.ids(tenant))))
        .map(r -> r == null ? 0L : r.toLong());
  }

  /** Removes every session expired at {@code now}, tenant by tenant; the number this call removed. */
  Future<Integer> sweep(long now) {
    return link.with(conn -> link.send(conn, Request.cmd(Command.SMEMBERS).arg(keys.tenants()))
        .map(RedisIndex::strings)
        .compose(tenants -> sweepTenants(conn, tenants, 0, now, 0)));
  }

  /** Removes the tenant's sessions expired at {@code now}; with events on, ends its lapsed leases and trims its log by age. */
  Future<Integer> sweepTenant(RedisConnection conn, String tenant, long now) {
    return sweepBatch(conn, tenant, now, 0)
        .compose(n -> sweepLeases(conn, tenant, now).compose(v -> trimEvents(conn, tenant, now)).map(n));
  }

  /**
   * Drops the tenant's events older than the log's age bound (events_trim.lua), here rather than in every
   * write, which keeps only the length bound: one trim per tenant and sweep instead of one per change.
   */
  private Future<Void> trimEvents(RedisConnection conn, String tenant, long now) {
    long maxAgeMs = recording.eventsMaxAgeMs();
    if (maxAgeMs <= 0) {
      return Future.succeededFuture();
    }
    return link.eval(conn, scripts.eventsTrim, keys.events(tenant), List.of(Long.toString(now - maxAgeMs))).mapEmpty();
  }

  /**
   * Ends the tenant's leases that lapsed with nobody taking them over, recording their lease-lost
   * (lease_expire.lua); the lease index ({@code <prefix>events:<tenant>:leases}) exists only with events on.
   */
  private Future<Void> sweepLeases(RedisConnection conn, String tenant, long now) {
    Request due = Request.cmd(Command.ZRANGEBYSCORE).arg(keys.events(tenant) + ":leases").arg("-inf").arg(now)
        .arg("LIMIT").arg(0).arg(100);
    return link.send(conn, due).map(RedisIndex::strings).compose(ids -> {
      if (ids.isEmpty()) {
        return Future.succeededFuture();
      }
      List<Future<Response>> each = new ArrayList<>();
      for (String id : ids) {
        each.add(recording.eval(link, conn, scripts.leaseExpire, keys.session(tenant, id), List.of(Long.toString(now))));
      }
      return Future.all(each).compose(v -> ids.size() < 100 ? Future.succeededFuture() : sweepLeases(conn, tenant, now));
    });
  }

  private Future<Integer> sweepTenants(RedisConnection conn, List<String> tenants, int i, long now, int removed) {
    if (i == tenants.size()) {
      return Future.succeededFuture(removed);
    }
    return sweepTenant(conn, tenants.get(i), now).compose(n -> sweepTenants(conn, tenants, i + 1, now, removed + n));
  }

  private Future<Integer> sweepBatch(RedisConnection conn, String tenant, long now, int removed) {
    Request due = Request.cmd(Command.ZRANGEBYSCORE).arg(keys.expiry(tenant)).arg("-inf").arg(now)
        .arg("LIMIT").arg(0).arg(100);
    return link.send(conn, due).map(RedisIndex::strings).compose(ids -> {
      if (ids.isEmpty()) {
        return Future.succeededFuture(removed);
      }
      List<Future<Integer>> each = new ArrayList<>();
      for (String id : ids) {
        each.add(sweepOne(conn, tenant, id, now));
      }
      return Future.all(each).compose(all -> {
        int n = removed;
        for (int j = 0; j < each.size(); j++) {
          n += all.<Integer>resultAt(j);
        }
        return sweepBatch(conn, tenant, now, n);
      });
    });
  }

  /** Deletes one candidate if it expired (1), or fixes its index entry (0). Safe against other sweepers. */
  private Future<Integer> sweepOne(RedisConnection conn, String tenant, String id, long now) {
    return recording.eval(link, conn, scripts.sweep, keys.session(tenant, id), List.of(Long.toString(now))).compose(r -> {
      long outcome = r.get(0).toLong();
      if (outcome == 0) {
        return rescore(conn, tenant, id, r.get(1).toLong()).map(0);
      }
      return remove(conn, tenant, id).map(outcome == 1 ? 1 : 0);
    });
  }

  private Future<Void> register(RedisConnection conn, String tenant) {
    if (knownTenants.contains(tenant)) {
      return Future.succeededFuture();
    }
    return link.send(conn, Request.cmd(Command.SADD).arg(keys.tenants()).arg(tenant))
        .onSuccess(r -> knownTenants.add(tenant))
        .mapEmpty();
  }

  private Future<Response> index(RedisConnection conn, String op, String tenant, String id, long expiresAt, long max) {
    return link.eval(conn, scripts.index, keys.tenant(tenant),
        List.of(op, id, Long.toString(expiresAt), Long.toString(max)));
  }

  private static List<String> strings(Response r) {
    List<String> out = new ArrayList<>(r == null ? 0 : r.size());
    if (r != null) {
      r.forEach(item -> out.add(item.toString()));
    }
    return out;
  }
}
