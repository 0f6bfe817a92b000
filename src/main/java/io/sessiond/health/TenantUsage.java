package io.sessiond.health;

import io.sessiond.metrics.SessiondMeters;

import io.sessiond.session.SessionState;
import io.sessiond.session.SessionStatus;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreAccess;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreRequests.CountSessions;
import io.sessiond.store.StoreRequests.ListSessions;
import io.sessiond.store.StoreRequests.StatusPage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Feeds the tenant gauges over the event bus, as any other client of the store would, at a cost that
 * does not grow with the number of sessions. Tenants come from the catalog, which administrators keep
 * bounded, so the tenant label is bounded. Each round (one per {@code TENANT_METRICS_INTERVAL_MS}):
 * <ul>
 *   <li>every tenant's number of sessions is read from the store's index of them
 *       ({@link StoreAddresses#COUNT_SESSIONS}: one ZCARD on Redis), so that gauge is exact every round
 *       whatever the size;</li>
 *   <li>connected sessions and keys need each session's status: a round reads at most {@code budget}
 *       statuses, shared equally by the tenants (at least one each), each tenant's walk going on where
 *       the last round stopped. A tenant's two gauges are set when its walk through all its sessions
 *       ends: every round for a tenant smaller than its share, every {@code sessions / share} rounds for
 *       a larger one. A walk stops at {@link #MAX_SESSIONS} sessions.</li>
 * </ul>
 */
public final class TenantUsage {
  static final int PAGE = 1000;
  static final int MAX_SESSIONS = 100_000;
  /** Statuses read per round at most by default ({@code TENANT_METRICS_BUDGET}). */
  public static final int BUDGET = 2_000;

  private final StoreAccess access;
  private final SessiondMeters meters;
  private final int budget;
  private StoreClient store;
  private final Supplier<List<String>> tenants;
  /** Where each tenant's walk is: the last id read and the totals so far (sessions, connected, keys). */
  private final Map<String, Walk> walks = new HashMap<>();

  private static final class Walk {
    String afterId;
    final long[] totals = new long[3];
  }

  /**
   * @param tenants the tenants served now (the catalog can change while the daemon runs)
   * @param budget  session statuses one round reads at most
   */
  public TenantUsage(StoreAccess access, SessiondMeters meters, Supplier<List<String>> tenants, int budget) {
    this.access = access;
    this.meters = meters;
    this.tenants = tenants;
    this.budget = budget;
  }

  /** Opens the store client on the calling (health) verticle's context. */
  public Future<Void> open(Vertx vertx) {
    return access.open(vertx).onSuccess(c -> store = c).mapEmpty();
  }

  /** One round: every tenant's count, then a share of the budget of status reads for each tenant's walk. */
  public Future<Void> collect() {
    List<String> now = List.copyOf(tenants.get());
    walks.keySet().retainAll(now);
    int share = Math.max(1, budget / Math.max(1, now.size()));
    return counts(now, 0).compose(v -> walkAll(now, 0, share));
  }

  /** The tenants' numbers of sessions, one request at a time (each costs the store O(1)). */
  private Future<Void> counts(List<String> tenants, int i) {
    if (i == tenants.size()) {
      return Future.succeededFuture();
    }
    String tenant = tenants.get(i);
    return store.call(StoreAddresses.COUNT_SESSIONS, new CountSessions(tenant))
        .compose(n -> {
          meters.tenantSessions(tenant, n);
          return counts(tenants, i + 1);
        });
  }

  /** Each tenant's walk goes on by up to {@code share} statuses, so a large tenant never starves a small one. */
  private Future<Void> walkAll(List<String> tenants, int i, int share) {
    if (i == tenants.size()) {
      return Future.succeededFuture();
    }
    return walk(tenants.get(i), share).compose(v -> walkAll(tenants, i + 1, share));
  }

  private Future<Void> walk(String tenant, int left) {
    Walk walk = walks.computeIfAbsent(tenant, t -> new Walk());
    int limit = Math.min(PAGE, left);
    return store.call(StoreAddresses.STATUS_ALL, new ListSessions(tenant, null, null, walk.afterId, limit)).compose(page -> {
      add(page, walk.totals);
      if (page.nextAfterId() == null || walk.totals[0] >= MAX_SESSIONS) {
        meters.tenantActivity(tenant, walk.totals[1], walk.totals[2]);
        walks.remove(tenant);
        return Future.succeededFuture();
      }
      walk.afterId = page.nextAfterId();
      int rest = left - Math.max(1, page.statuses().size());
      return rest > 0 ? walk(tenant, rest) : Future.<Void>succeededFuture();
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
