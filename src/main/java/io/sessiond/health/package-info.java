/**
 * Health: periodic probes of the instance's dependencies (the store over the event bus), the
 * latest report served on {@code sessiond.health.report}, and readiness changes published on
 * {@code sessiond.health.changed}.
 */
package io.sessiond.health;
