/**
 * The Redis backend ({@link io.sessiond.store.redis.RedisBackend}): one Lua script per operation over
 * a session's hash-tagged keys, the per-tenant indexes, the pipelined connection ({@code RedisLink}),
 * and, with PostgreSQL sync on, the change stream served to sync as its
 * {@link io.sessiond.sync.ChangeFeed}. Everything but the backend class is package-private.
 */
package io.sessiond.store.redis;
