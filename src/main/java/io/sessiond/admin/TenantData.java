package io.sessiond.admin;

import io.sessiond.session.Session;
import io.sessiond.session.SessionStatus;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests.ListSessions;
import io.sessiond.store.StoreRequests.SessionRef;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * A tenant's sessions, reached through the store's own operations as any client would: counted for
 * its usage, and removed page by page when the tenant is deleted. Each delete is the store's DELETE, so
 * the change stream, write-through and the file journal see ordinary deletes.
 */
final class TenantData {
  static final int PAGE = 1000;
  /** Sessions a usage request counts at most: an answer must not cost a scan of millions of sessions. */
  static final int MAX_COUNTED = 100_000;
  private static final int IN_FLIGHT = 32;

  private final StoreClient store;

  TenantData(StoreClient store) {
    this.store = store;
  }

  /** Sessions and bytes: {@code {sessions, bytes, complete (1/0)}}. */
  Future<long[]> usage(String tenant) {
    return count(tenant, null, new long[] {0, 0, 1});
  }

  private Future<long[]> count(String tenant, String after, long[] totals) {
    return store.call(StoreAddresses.STATUS_ALL, new ListSessions(tenant, null, null, after, PAGE)).compose(page -> {
      for (SessionStatus s : page.statuses()) {
        totals[0]++;
        totals[1] += s.bytes();
      }
      if (page.nextAfterId() == null) {
        return Future.succeededFuture(totals);
      }
      if (totals[0] >= MAX_COUNTED) {
        totals[2] = 0;
        return Future.succeededFuture(totals);
      }
      return count(tenant, page.nextAfterId(), totals);
    });
  }

  /**
   * Deletes every session of the tenant: sweeps its listing page by page, and sweeps again while a
   * sweep found sessions (ones created while it ran); {@code progress} hears the running total after
   * each page. The number deleted.
   */
  Future<Long> deleteAll(String tenant, LongConsumer progress) {
    return sweep(tenant, null, 0, 0, 1, progress);
  }

  /** Sweeps a tenant's listing at most this many times. */
  private static final int MAX_SWEEPS = 20;

  private Future<Long> sweep(String tenant, String after, long total, long thisSweep, int sweeps, LongConsumer progress) {
    return store.call(StoreAddresses.LIST, new ListSessions(tenant, null, null, after, PAGE)).compose(page -> {
      List<String> ids = page.sessions().stream().map(Session::id).toList();
      return deleteFrom(tenant, ids, 0, 0).compose(n -> {
        progress.accept(total + n);
        if (page.nextAfterId() != null) {
          return sweep(tenant, page.nextAfterId(), total + n, thisSweep + n, sweeps, progress);
        }
        if (thisSweep + n == 0) {
          return Future.succeededFuture(total + n);
        }
        if (sweeps >= MAX_SWEEPS) {
          return Future.failedFuture(new AdminException(AdminFailure.UNAVAILABLE, "sessions of the tenant were still "
              + "being created after " + MAX_SWEEPS + " sweeps; delete the tenant again to go on"));
        }
        return sweep(tenant, null, total + n, 0, sweeps + 1, progress);
      });
    });
  }

  /** Deletes the named sessions of {@code tenant} (those already gone are skipped); how many were deleted. */
  Future<Integer> delete(String tenant, List<String> ids) {
    return deleteFrom(tenant, ids, 0, 0);
  }

  private Future<Integer> deleteFrom(String tenant, List<String> ids, int from, int deleted) {
    if (from >= ids.size()) {
      return Future.succeededFuture(deleted);
    }
    List<Future<Integer>> batch = new ArrayList<>(IN_FLIGHT);
    for (int i = from; i < Math.min(from + IN_FLIGHT, ids.size()); i++) {
      batch.add(store.call(StoreAddresses.DELETE, new SessionRef(tenant, ids.get(i))).map(1).recover(e ->
          e instanceof StoreException se && se.failure() == StoreFailure.NOT_FOUND
              ? Future.succeededFuture(0) : Future.failedFuture(e)));
    }
    return Future.all(batch).compose(all -> {
      int n = deleted;
      for (Future<Integer> f : batch) {
        n += f.result();
      }
      return deleteFrom(tenant, ids, from + IN_FLIGHT, n);
    });
  }
}
