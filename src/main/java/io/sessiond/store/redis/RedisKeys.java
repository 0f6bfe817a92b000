package io.sessiond.store.redis;

/**
 * Redis key names. Every key of one session carries the hash tag {@code {tenant:id}}, so they share a
 * cluster slot and one Lua script can change them together:
 * <pre>
 *   sessiond:{acme:bot-1}:meta          hash: state, data, version, times, ttl, byte counters, last seq
 *   sessiond:{acme:bot-1}:creds         string: the credentials JSON
 *   sessiond:{acme:bot-1}:keys:pre-key  hash per key type: keyId → value JSON
 *   sessiond:{acme:bot-1}:types         set: the key types present
 *   sessiond:{acme:bot-1}:msgs          list: the message window, oldest first
 *   sessiond:{acme:bot-1}:credsh        list: the kept creds versions, newest first ('version at creds')
 *   sessiond:{acme:bot-1}:lease         hash: holder, expires, token, granted (not part of the session)
 *   sessiond:{acme}:ids                 zset, score 0: the tenant's session ids, paged with ZRANGEBYLEX
 *   sessiond:{acme}:expiry              zset: id → a lower bound of its expiry, driving the sweeper
 *   sessiond:{acme:bot-1}:once:KEY      string: an Idempotency-Key's record of an append or transition (once.lua)
 *   sessiond:{acme}:once:KEY            hash: an Idempotency-Key claimed by another request (key_claim.lua)
 *   sessiond:tenants                    set: tenants that have indexes, for the sweeper
 *   sessiond:events:acme                stream: the tenant's change events (t, s, v, at)
 *   sessiond:events:acme:floor          string: the first id left by the last trim that dropped events
 * </pre>
 * Session ids and tenant ids cannot contain braces, and the prefix is refused when it does, so the
 * hash tag is always the one above.
 */
final class RedisKeys {
  private final String prefix;

  RedisKeys(String prefix) {
    this.prefix = prefix;
  }

  /** The base every key of the session starts with; KEYS[1] of every session script. */
  String session(String tenant, String id) {
    return prefix + "{" + tenant + ":" + id + "}";
  }

  String meta(String tenant, String id) {
    return session(tenant, id) + ":meta";
  }

  /** The base of the tenant's index keys; KEYS[1] of the index script. */
  String tenant(String tenant) {
    return prefix + "{" + tenant + "}";
  }

  String ids(String tenant) {
    return tenant(tenant) + ":ids";
  }

  String expiry(String tenant) {
    return tenant(tenant) + ":expiry";
  }

  /** A tenant's claim of an idempotency key (see key_claim.lua). */
  String once(String tenant, String key) {
    return tenant(tenant) + ":once:" + key;
  }

  /** The tenant's change event stream. */
  String events(String tenant) {
    return eventsPrefix(prefix) + tenant;
  }

  /** What every tenant's event stream key starts with. */
  static String eventsPrefix(String prefix) {
    return prefix + "events:";
  }

  String tenants() {
    return prefix + "tenants";
  }
}
