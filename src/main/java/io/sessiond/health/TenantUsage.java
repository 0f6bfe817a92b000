package io.sessiond.health;

import io.sessiond.metrics.SessiondMeters;

import io.sessiond.session.SessionState;
import io.sessiond.session.SessionStatus;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreAccess;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreRequests.ListSessions;
import io.sessiond.store.StoreRequests.StatusPage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.function.Supplier;

/**
 * Counts each declared tenant's sessions, connected sessions and keys by paging through its session
 * statuses over the event bus, as any other client of the store would, and sets the tenant gauges.
 * Tenants come from the catalog, which administrators keep bounded, so the tenant label is bounded. Stops counting a tenant past
 * {@link #MAX_SESSIONS} sessions: a gauge must not cost a scan of millions of sessions.
 */
public final class TenantUsage {
  static final int PAGE = 1000;
  static final int MAX_SESSIONS = 100_000;

  private final StoreAccess access;
  private final SessiondMeters meters;
  private StoreClient store;
  private final Supplier<List<String>> tenants;

  /** @param tenants the tenants served now (the catalog can change while the daemon runs) */
  public TenantUsage(StoreAccess access, SessiondMeters meters, Supplier<List<String>> tenants) {
    this.access = access;
    this.meters = meters;
    this.tenants = tenants;
  }

  /** Opens the store client on the calling (health) verticle's context. */
  public Future<Void> open(Vertx vertx) {
    return access.open(vertx).onSuccess(c -> store = c).mapEmpty();
  }

  /** Counts every tenant, one after the other, so the store sees one page request at a time. */
  public Future<Void> collect() {
    Future<Void> chain = Future.succeededFuture();
    for (String tenant : tenants.get()) {
      chain = chain.compose(v -> count(tenant, null, new long[3]));
    }
    return chain;
  }

  private Future<Void> count(String tenant, String afterId, long[] totals) {
    return store.call(StoreAddresses.STATUS_ALL, new ListSessions(tenant, null, null, afterId, PAGE)).compose(page -> {
      add(page, totals);
      if (page.nextAfterId() == null || totals[0] >= MAX_SESSIONS) {
        meters.tenantCounts(tenant, totals[0], totals[1], totals[2]);
        return Future.succeededFuture();
      }
      return count(tenant, page.nextAfterId(), totals);
    });
  }

  private static void add(StatusPage page, long[] totals) {
    for (SessionStatus s : page.statuses()) {
      totals[0]++;
      if (s.state() == SessionState.CONNECTED) {
        totals[1]++;
      }
      for (Long n : s.keyCounts().values()) {
        totals[2] += n;
      }
    }
  }
}
