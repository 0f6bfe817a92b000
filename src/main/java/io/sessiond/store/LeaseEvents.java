package io.sessiond.store;

/**
 * Where a store reports its leases' changes: a grant, and the end of a lease it sees (a release, or
 * a lapsed lease taken over by a new grant). The change event log ({@code lease-acquired},
 * {@code lease-lost}) plugs in here for the memory and file stores; the Redis store's lease scripts
 * call {@code leaseEvent} in common.lua, the same hook in Lua. A renewal is not a change. A lease
 * that simply runs out is reported when the next grant takes over from it. Called on the store's
 * context, after the change is applied.
 */
@FunctionalInterface
public interface LeaseEvents {
  /** Records nothing. */
  LeaseEvents NONE = (tenant, sessionId, kind, holder, token, at) -> { };

  /** What happened to the lease. */
  enum Kind { ACQUIRED, LOST }

  void leaseChanged(String tenant, String sessionId, Kind kind, String holder, long token, long at);
}
