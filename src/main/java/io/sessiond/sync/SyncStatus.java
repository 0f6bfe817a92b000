package io.sessiond.sync;

/**
 * The sync verticle's state, for health checks and metrics.
 *
 * @param restoreInProgress whether the start-up restore is still running
 * @param restoredSessions  sessions the start-up restore wrote into Redis so far
 * @param backlog           changes recorded in the stream and not yet in PostgreSQL
 * @param lagMs             how long the newest synced (or oldest waiting) change took or waits
 * @param postgresUp        whether the last PostgreSQL call succeeded
 * @param quarantined       sessions whose changes PostgreSQL refuses (-1 when unknown)
 * @param refilling         whether Redis came back empty and is being refilled from PostgreSQL (sessions are
 *                          restored on demand meanwhile)
 * @param refilledSessions  sessions this instance restored since the refill began
 */
public record SyncStatus(boolean restoreInProgress, long restoredSessions, long backlog, long lagMs, boolean postgresUp,
                         long quarantined, boolean refilling, long refilledSessions) {
}
