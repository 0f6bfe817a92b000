package io.sessiond.session;

import java.util.Map;

/** A session's lifecycle state, activity and size, without its data. */
public record SessionStatus(
    String id,
    SessionState state,
    long version,
    long createdAt,
    long updatedAt,
    long lastActivityAt,
    long ttlSeconds,
    long expiresAt,
    boolean hasCreds,
    Map<String, Long> keyCounts,
    long messageCount) {
}
