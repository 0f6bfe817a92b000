package io.sessiond.store.memory;

import io.sessiond.store.LeaseRequests;
import io.sessiond.store.LeaseRequests.AcquireLease;
import io.sessiond.store.LeaseRequests.LeaseGrant;
import io.sessiond.store.LeaseRequests.LeaseInfo;
import io.sessiond.store.LeaseRequests.LeaseReleased;
import io.sessiond.store.StoreRequests;
import io.sessiond.store.StoreRequests.FencedWrite;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The leases of the embedded stores, in memory only (a restart ends every lease; tokens still rise,
 * as they are never below the clock at their grant). The same rules as the Redis store's lease
 * scripts: an ended lease keeps its token for a minute, so the next grant counts on from it.
 */
final class LeaseTable {
  /** How long an ended lease's token is kept (as the Redis store keeps its lease hash). */
  private static final long KEEP_MS = 60_000;

  private record Lease(String holder, long token, long expiresAt, long grantedAt) {
    boolean liveAt(long now) {
      return holder != null && expiresAt > now;
    }
  }

  private final Map<String, Lease> leases = new HashMap<>();

  LeaseGrant acquire(AcquireLease r, long now) {
    String key = key(r.tenant(), r.id());
    Lease l = leases.get(key);
    boolean live = l != null && l.liveAt(now);
    if (live && !l.holder().equals(r.holder())) {
      throw LeaseRequests.held(l.holder(), l.expiresAt());
    }
    if (r.fence() != StoreRequests.NO_FENCE && !(live && l.token() == r.fence())) {
      throw LeaseRequests.fenced(r.fence(), live ? l.token() : 0);
    }
    long expires = now + r.ttlSeconds() * 1000;
    if (live) {
      leases.put(key, new Lease(l.holder(), l.token(), expires, l.grantedAt()));
      return new LeaseGrant(l.holder(), l.token(), expires, false, null, 0);
    }
    long token = Math.max(l == null ? 1 : l.token() + 1, now);
    leases.put(key, new Lease(r.holder(), token, expires, now));
    boolean lapsed = l != null && l.holder() != null;
    return new LeaseGrant(r.holder(), token, expires, true, lapsed ? l.holder() : null, lapsed ? l.token() : 0);
  }

  LeaseReleased release(String tenant, String id, long token, long now) {
    String key = key(tenant, id);
    Lease l = leases.get(key);
    boolean live = l != null && l.liveAt(now);
    if (!live || l.token() != token) {
      throw LeaseRequests.fenced(token, live ? l.token() : 0);
    }
    leases.put(key, new Lease(null, l.token(), now, 0));
    return new LeaseReleased(l.holder(), l.token());
  }

  LeaseInfo get(String tenant, String id, long now) {
    Lease l = leases.get(key(tenant, id));
    return l != null && l.liveAt(now) ? new LeaseInfo(l.holder(), l.token(), l.expiresAt(), l.grantedAt()) : LeaseInfo.FREE;
  }

  /** Refuses a write whose fencing token is not the live lease's. */
  void checkFence(FencedWrite w, long now) {
    if (w.fence() == StoreRequests.NO_FENCE) {
      return;
    }
    Lease l = leases.get(key(w.tenant(), w.id()));
    boolean live = l != null && l.liveAt(now);
    if (!live || l.token() != w.fence()) {
      throw LeaseRequests.fenced(w.fence(), live ? l.token() : 0);
    }
  }

  /** A lease that lapsed with nobody taking it over. */
  record Lapsed(String tenant, String id, String holder, long token) {
  }

  /**
   * Ends the leases that lapsed at {@code now} with nobody taking them over (their tokens are kept for
   * the next grant, as a release keeps them), so each end is reported once: here, or by the grant that
   * takes a lapsed lease over when the sweeper has not run yet.
   */
  List<Lapsed> lapse(long now) {
    List<Lapsed> out = new ArrayList<>();
    for (Map.Entry<String, Lease> e : leases.entrySet()) {
      Lease l = e.getValue();
      if (l.holder() != null && l.expiresAt() <= now) {
        int cut = e.getKey().indexOf('\n');
        out.add(new Lapsed(e.getKey().substring(0, cut), e.getKey().substring(cut + 1), l.holder(), l.token()));
        e.setValue(new Lease(null, l.token(), l.expiresAt(), 0));
      }
    }
    return out;
  }

  /** Forgets leases that ended over a minute ago (called by the sweeper). */
  void forgetEnded(long now) {
    for (Iterator<Lease> it = leases.values().iterator(); it.hasNext(); ) {
      if (it.next().expiresAt() + KEEP_MS <= now) {
        it.remove();
      }
    }
  }

  private static String key(String tenant, String id) {
    return tenant + '\n' + id;
  }
}
