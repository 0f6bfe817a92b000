/**
 * The embedded durable backend ({@link io.sessiond.store.file.FileBackend}): the memory engine with a
 * CRC-framed, group-committed journal and snapshots in {@code DATA_DIR}, replayed at start-up.
 */
package io.sessiond.store.file;
