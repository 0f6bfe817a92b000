/**
 * Tenant administration: the tenant catalog (Redis, Redis backed by PostgreSQL, or the process with a
 * file), the rules of its changes, the replicas' polling of it, tenant deletion jobs and request totals.
 * The admin verticle serves {@link io.sessiond.admin.AdminAddresses}; the HTTP edge mounts {@code /v1/admin}.
 */
package io.sessiond.admin;
