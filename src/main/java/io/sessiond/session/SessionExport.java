package io.sessiond.session;

import java.util.List;
import java.util.Map;

/**
 * A whole session for backup and migration: its document, every key ({@code type → keyId → value
 * JSON}), its message window, oldest first, and the kept versions of its creds, newest first.
 */
public record SessionExport(Session session, Map<String, Map<String, String>> keys, List<StoredMessage> messages,
                            List<CredsVersion> credsHistory) {
  public SessionExport {
    credsHistory = credsHistory == null ? List.of() : List.copyOf(credsHistory);
  }

  /** An export without creds history. */
  public SessionExport(Session session, Map<String, Map<String, String>> keys, List<StoredMessage> messages) {
    this(session, keys, messages, List.of());
  }
}
