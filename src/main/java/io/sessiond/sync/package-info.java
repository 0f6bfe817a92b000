/**
 * PostgreSQL sync: the durable copy behind the Redis store. Owns the PostgreSQL pool and the schema
 * migrations; drains the change stream the store's scripts write (write-behind), restores sessions
 * into Redis at start-up and as jobs. Serves {@link io.sessiond.sync.SyncAddresses}.
 */
package io.sessiond.sync;
