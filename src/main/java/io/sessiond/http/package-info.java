/**
 * The HTTP edge: routes per resource, authentication by API key, validation into store requests,
 * and one failure handler that answers every failure as {@code application/problem+json}. It reaches
 * the store through a {@link io.sessiond.store.StoreClient}: over the event bus, or, on the Redis
 * store, directly on a store running on its own event loop (docs/decisions.md).
 */
package io.sessiond.http;
