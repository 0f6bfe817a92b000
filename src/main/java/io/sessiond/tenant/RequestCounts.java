package io.sessiond.tenant;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Requests each tenant made on this instance since the last {@link #drain()}: counted by the HTTP edge
 * (one uncontended add per request), drained now and then into the shared per-tenant totals.
 */
public final class RequestCounts {
  private final ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();

  public void count(String tenant) {
    counts.computeIfAbsent(tenant, t -> new LongAdder()).increment();
  }

  /** The counts since the last drain, by tenant (tenants with none are left out). */
  public Map<String, Long> drain() {
    Map<String, Long> out = new HashMap<>();
    counts.forEach((tenant, adder) -> {
      long n = adder.sumThenReset();
      if (n > 0) {
        out.put(tenant, n);
      }
    });
    return out;
  }
}
