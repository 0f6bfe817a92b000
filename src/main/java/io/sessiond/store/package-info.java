/**
 * The store contract, and nothing of any backend: the {@link io.sessiond.store.SessionStore} operations
 * with their request and reply records ({@link io.sessiond.store.StoreRequests}) and failures, the
 * event-bus addresses of every operation ({@link io.sessiond.store.StoreAddresses}), the
 * {@link io.sessiond.store.StoreClient} callers use (over the bus or in-process, chosen once through a
 * {@link io.sessiond.store.StoreAccess}), the {@link io.sessiond.store.StoreBackend} a backend package
 * provides, and the store verticle that serves a backend over the bus. Backends live in
 * {@code store.memory}, {@code store.file} and {@code store.redis}.
 */
package io.sessiond.store;
