package io.sessiond.session;

import java.util.List;
import java.util.Map;

/**
 * A whole session for backup and migration: its document, every key ({@code type → keyId → value
 * JSON}) and its message window, oldest first.
 */
public record SessionExport(Session session, Map<String, Map<String, String>> keys, List<StoredMessage> messages) {
}
