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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Counts each declared tenant's sessions, connected sessions and keys by paging through its session
 * statuses over the event bus, as any other client of the store would, and sets the tenant gauges.
 * Tenants come from the catalog, which administrators keep bounded, so the tenant label is bounded.
 * The work is bounded too: one
 * round reads at most {@link #BUDGET} statuses over all tenants, taking the tenants in turn and going
 * on where the last round stopped, so an idle daemon costs the same whatever the number of sessions.
 * A tenant's gauges are set when its walk through all its sessions ends: every round for tenants
 * smaller than the budget, every {@code sessions / BUDGET} rounds for larger ones. Stops counting a
 * tenant past {@link #MAX_SESSIONS} sessions.
 */
public final class TenantUsage {
  static final int PAGE = 1000;
  static final int MAX_SESSIONS = 100_000;
  /** Statuses read per round at most (one round per {@code TENANT_METRICS_INTERVAL_MS}). */
  static final int BUDGET = 2_000;

  private final StoreAccess access;
  private final SessiondMeters meters;
  private final int budget;
  private StoreClient store;
  private final Supplier<List<String>> tenants;
  /** Where each tenant's walk is: the last id read and the totals so far (sessions, connected, keys). */
  private final Map<String, Walk> walks = new HashMap<>();
  private int next;

  private static final class Walk {
    String afterId;
    final long[] totals = new long[3];
  }

  /** @param tenants the tenants served now (the catalog can change while the daemon runs) */
  public TenantUsage(StoreAccess access, SessiondMeters meters, Supplier<List<String>> tenants) {
    this(access, meters, tenants, BUDGET);
  }

  TenantUsage(StoreAccess access, SessiondMeters meters, Supplier<List<String>> tenants, int budget) {
    this.access = access;
    this.meters = meters;
    this.tenants = tenants;
    this.budget = budget;
  }

  /** Opens the store client on the calling (health) verticle's context. */
  public Future<Void> open(Vertx vertx) {
    return access.open(vertx).onSuccess(c -> store = c).mapEmpty();
  }

  /** One round: pages of the tenants in turn, one page at a time, until the budget is spent or every tenant was visited. */
  public Future<Void> collect() {
    List<String> now = List.copyOf(tenants.get());
    walks.keySet().retainAll(now);
    return round(now, budget, now.size());
  }

  private Future<Void> round(List<String> tenants, int left, int tenantsLeft) {
    if (left <= 0 || tenantsLeft <= 0 || tenants.isEmpty()) {
      return Future.succeededFuture();
    }
    String tenant = tenants.get(next % tenants.size());
    Walk walk = walks.computeIfAbsent(tenant, t -> new Walk());
    int limit = Math.min(PAGE, left);
    return store.call(StoreAddresses.STATUS_ALL, new ListSessions(tenant, null, null, walk.afterId, limit)).compose(page -> {
      add(page, walk.totals);
      int read = page.statuses().size();
      if (page.nextAfterId() == null || walk.totals[0] >= MAX_SESSIONS) {
        meters.tenantCounts(tenant, walk.totals[0], walk.totals[1], walk.totals[2]);
        walks.remove(tenant);
        next++;
        return round(tenants, left - Math.max(read, 1), tenantsLeft - 1);
      }
      walk.afterId = page.nextAfterId();
      return round(tenants, left - Math.max(read, 1), tenantsLeft);
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
