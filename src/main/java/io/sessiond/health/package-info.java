/**
 * Health: periodic probes of the instance's dependencies (the store over the event bus, PostgreSQL
 * sync), the latest report served on {@code sessiond.health.report}, readiness changes published on
 * {@code sessiond.health.changed}, and the per-tenant usage gauges ({@link io.sessiond.health.TenantUsage}).
 */
package io.sessiond.health;
