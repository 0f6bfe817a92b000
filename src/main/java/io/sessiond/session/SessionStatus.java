package io.sessiond.session;

import java.util.Map;

/**
 * A session's lifecycle state, activity and size, without its data. {@code bytes} is the session's size
 * as the tenant byte limit counts it (on Redis, key bytes are counted only while the tenant has a byte
 * limit; see docs/decisions.md).
 */
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
    long messageCount,
    long bytes) {
}
