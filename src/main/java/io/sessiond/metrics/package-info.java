/**
 * Metrics: the Prometheus registry and the Vert.x instance built with it ({@link io.sessiond.metrics.Metrics}),
 * and sessiond's own meters, created once per daemon ({@link io.sessiond.metrics.SessiondMeters}).
 * Serves no event-bus address; {@code GET /metrics} is mounted by the HTTP edge.
 */
package io.sessiond.metrics;
