/**
 * The HTTP edge: routes per resource, authentication by API key, validation into store requests,
 * and one failure handler that answers every failure as {@code application/problem+json}. It reaches
 * the store only over the event bus.
 */
package io.sessiond.http;
