package io.sessiond.admin;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests per tenant, added up across replicas: each instance adds what it counted every second to
 * {@code <prefix>{admin}:requests} (a hash, one field per tenant), or to the process for an embedded store.
 */
interface RequestTotals {
  void add(Map<String, Long> counts);

  Future<Long> get(String tenant);

  Future<Void> forget(String tenant);

  static RequestTotals local() {
    Map<String, Long> totals = new ConcurrentHashMap<>();
    return new RequestTotals() {
      public void add(Map<String, Long> counts) {
        counts.forEach((t, n) -> totals.merge(t, n, Long::sum));
      }

      public Future<Long> get(String tenant) {
        return Future.succeededFuture(totals.getOrDefault(tenant, 0L));
      }

      public Future<Void> forget(String tenant) {
        totals.remove(tenant);
        return Future.succeededFuture();
      }
    };
  }

  static RequestTotals redis(AdminRedis redis) {
    String key = redis.admin() + ":requests";
    return new RequestTotals() {
      public void add(Map<String, Long> counts) {
        List<Future<?>> sent = new ArrayList<>();
        counts.forEach((t, n) -> sent.add(redis.send(Request.cmd(Command.HINCRBY).arg(key).arg(t).arg(n))));
        // A count lost to a Redis outage is lost: these are usage figures, not billing records.
      }

      public Future<Long> get(String tenant) {
        return redis.send(Request.cmd(Command.HGET).arg(key).arg(tenant)).map(r -> r == null ? 0L : r.toLong());
      }

      public Future<Void> forget(String tenant) {
        return redis.send(Request.cmd(Command.HDEL).arg(key).arg(tenant)).mapEmpty();
      }
    };
  }
}
