/**
 * The store: the {@link io.sessiond.store.SessionStore} contract with its request and reply records
 * and failures, the event-bus addresses of every operation ({@link io.sessiond.store.StoreAddresses}),
 * the client other verticles call it through, the verticle that serves it, the {@link
 * io.sessiond.store.LocalStore} both run an operation with, and its backends (memory, file, Redis).
 */
package io.sessiond.store;
