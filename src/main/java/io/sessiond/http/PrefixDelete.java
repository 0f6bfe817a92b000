package io.sessiond.http;

import io.sessiond.session.Session;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests.ListSessions;
import io.sessiond.store.StoreRequests.SessionRef;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code DELETE /v1/sessions?prefix=}: deletes one page of a tenant's sessions whose id starts with
 * a prefix. Each session goes through the store's own DELETE, as if the client had deleted it, so
 * write-through and the sync change stream see ordinary deletes. One request reads one listing page
 * (at most {@link #MAX_PER_REQUEST} sessions, and no more sessions looked at than a listing page
 * looks at) and says whether sessions with the prefix may remain; the client calls again while they may.
 */
final class PrefixDelete {
  /** Sessions one request deletes at most. */
  static final int MAX_PER_REQUEST = 1000;
  /** Deletes in flight at once: a bulk delete must not flood the store (or PostgreSQL, with write-through). */
  private static final int IN_FLIGHT = 32;

  private final StoreClient store;

  PrefixDelete(StoreClient store) {
    this.store = store;
  }

  record Deleted(int deleted, boolean more) {
  }

  Future<Deleted> run(String tenant, String prefix) {
    ListSessions page = new ListSessions(tenant, null, prefix, null, MAX_PER_REQUEST);
    return store.call(StoreAddresses.LIST, page).compose(p -> {
      List<String> ids = p.sessions().stream().map(Session::id).toList();
      return deleteFrom(tenant, ids, 0, 0).map(n -> new Deleted(n, p.nextAfterId() != null));
    });
  }

  /** Deletes {@code ids} from {@code from} on, {@link #IN_FLIGHT} at a time; the number that existed. */
  private Future<Integer> deleteFrom(String tenant, List<String> ids, int from, int deleted) {
    if (from >= ids.size()) {
      return Future.succeededFuture(deleted);
    }
    List<Future<Integer>> batch = new ArrayList<>(IN_FLIGHT);
    for (int i = from; i < Math.min(from + IN_FLIGHT, ids.size()); i++) {
      batch.add(deleteOne(tenant, ids.get(i)));
    }
    return Future.all(batch).compose(all -> {
      int n = deleted;
      for (Future<Integer> f : batch) {
        n += f.result();
      }
      return deleteFrom(tenant, ids, from + IN_FLIGHT, n);
    });
  }

  /** 1 when deleted, 0 when the session was gone already (deleted or expired meanwhile). */
  private Future<Integer> deleteOne(String tenant, String id) {
    return store.call(StoreAddresses.DELETE, new SessionRef(tenant, id)).map(1).recover(e ->
        e instanceof StoreException se && se.failure() == StoreFailure.NOT_FOUND
            ? Future.succeededFuture(0) : Future.failedFuture(e));
  }
}
