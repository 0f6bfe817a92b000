package io.sessiond.store.memory;

import io.sessiond.store.OnceRequests.Claim;
import io.sessiond.store.OnceRequests.ClaimKey;
import io.sessiond.store.OnceRequests.ClaimState;
import io.sessiond.store.OnceRequests.Once;
import io.sessiond.store.OnceRequests.ReleaseKey;
import io.sessiond.store.OnceRequests.SettleKey;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The idempotency records of the embedded stores, on the store's one thread: per tenant and scope
 * (a session for appends and transitions, the tenant for claimed requests) and key, the digest of the
 * request and its outcome, until they expire. They live in memory only, so a restart forgets them
 * (see docs/RELIABILITY.md). Expired records are dropped as later calls come in, oldest first.
 */
final class OnceTable {
  /** @param outcome the recorded result (or answer); {@code null} while a claim is pending */
  private record Entry(String digest, Object outcome, long expiresAt) {
  }

  private record Expiry(String name, long at) {
  }

  private final Map<String, Entry> entries = new HashMap<>();
  private final PriorityQueue<Expiry> expiries = new PriorityQueue<>((a, b) -> Long.compare(a.at, b.at));

  /** The outcome recorded for {@code once} in {@code scope}, or {@code null}; KEY_REUSED when the digest differs. */
  Object recorded(String tenant, String scope, Once once, long now) {
    Entry e = live(name(tenant, scope, once.key()), now);
    if (e == null) {
      return null;
    }
    if (!e.digest.equals(once.digest())) {
      throw reused(once.key());
    }
    return e.outcome;
  }

  void record(String tenant, String scope, Once once, Object outcome, long now) {
    put(name(tenant, scope, once.key()), new Entry(once.digest(), outcome, now + once.ttlSeconds() * 1000));
  }

  Claim claim(ClaimKey r, long now) {
    String name = name(r.tenant(), "", r.key());
    Entry e = live(name, now);
    if (e == null) {
      put(name, new Entry(r.digest(), null, now + r.pendingMs()));
      return new Claim(ClaimState.CLAIMED, null, 0);
    }
    if (!e.digest.equals(r.digest())) {
      return new Claim(ClaimState.CONFLICT, null, 0);
    }
    return e.outcome == null ? new Claim(ClaimState.IN_FLIGHT, null, e.expiresAt - now)
        : new Claim(ClaimState.DONE, (String) e.outcome, 0);
  }

  void settle(SettleKey r, long now) {
    String name = name(r.tenant(), "", r.key());
    Entry e = live(name, now);
    if (e != null && e.outcome == null && e.digest.equals(r.digest())) {
      put(name, new Entry(r.digest(), r.answer(), now + r.ttlSeconds() * 1000));
    }
  }

  void release(ReleaseKey r, long now) {
    boolean recorded = r.sessionId() != null;
    String name = name(r.tenant(), recorded ? r.sessionId() : "", r.key());
    Entry e = live(name, now);
    if (e != null && (recorded || e.outcome == null) && e.digest.equals(r.digest())) {
      entries.remove(name);
    }
  }

  static StoreException reused(String key) {
    return new StoreException(StoreFailure.KEY_REUSED, "Idempotency-Key '" + key
        + "' was used before with a different request (method, path or body); use a new key for a new request");
  }

  private Entry live(String name, long now) {
    dropExpired(now);
    Entry e = entries.get(name);
    return e == null || e.expiresAt <= now ? null : e;
  }

  private void put(String name, Entry e) {
    entries.put(name, e);
    expiries.add(new Expiry(name, e.expiresAt));
  }

  private void dropExpired(long now) {
    while (!expiries.isEmpty() && expiries.peek().at <= now) {
      Expiry x = expiries.poll();
      Entry e = entries.get(x.name);
      if (e != null && e.expiresAt <= now) {
        entries.remove(x.name);
      }
    }
  }

  private static String name(String tenant, String scope, String key) {
    return tenant + '\u0000' + scope + '\u0000' + key;
  }
}
