/**
 * The embedded in-memory backend ({@link io.sessiond.store.memory.MemoryBackend}): the reference
 * semantics of the store contract, single-threaded on the store verticle. Its engine and change
 * records ({@code MemorySessionStore}, {@code StoreChange}, {@code StoredBlob}) are public only for
 * {@code store.file}, which journals them.
 */
package io.sessiond.store.memory;
