/**
 * PostgreSQL sync: the durable copy behind the Redis store. Owns the PostgreSQL pool and the schema
 * migrations, and nothing else; reads the store's changes through the {@link io.sessiond.sync.ChangeFeed}
 * contract it defines (served by the store verticle), writes them behind, takes complete change
 * records from write-through, restores sessions into the store at start-up and as jobs. Serves
 * {@link io.sessiond.sync.SyncAddresses}; fails with {@link io.sessiond.sync.SyncFailure} codes.
 */
package io.sessiond.sync;
