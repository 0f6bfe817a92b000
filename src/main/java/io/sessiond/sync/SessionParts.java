package io.sessiond.sync;

import io.sessiond.session.CredsVersion;
import io.sessiond.session.Session;
import io.sessiond.session.StoredMessage;
import io.sessiond.store.StoreRequests.BlobInfo;
import java.util.List;
import java.util.Map;

/**
 * The current state of the parts of one session that the sync copies into PostgreSQL, read from Redis
 * in one step (every part is of {@code session.version()}).
 *
 * @param full      the whole session: every key, every message, the blobs (asked for, or PostgreSQL
 *                  held no row or another incarnation of the session)
 * @param allKeys   {@code keys} is every key the session has (full, or after a clear)
 * @param keys      type → keyId → value; unless {@code allKeys}, exactly the named ids, a {@code null}
 *                  value meaning the key is gone
 * @param window    whether messages were read (full, or messages named): PostgreSQL then drops those
 *                  below {@code lowestSeq}
 * @param messages  full: the window; otherwise the window from the lowest named seq on (maybe empty)
 * @param lowestSeq the window's lowest seq, 0 when it is empty
 * @param blobs     the committed blobs; {@code null} when not asked for
 * @param credsHistory the kept creds versions, newest first (full, or the creds changed); {@code null}
 *                  when not read
 */
public record SessionParts(String tenant, Session session, boolean full, boolean allKeys,
                           Map<String, Map<String, String>> keys, boolean window, List<StoredMessage> messages, long lowestSeq,
                           List<BlobInfo> blobs, List<CredsVersion> credsHistory) {

  /** Read the parts {@code parts} names of a session; {@code pgCreatedAt} is what PostgreSQL holds (null: no row). */
  public record Request(String tenant, String id, Long pgCreatedAt, ChangeParts parts) {
  }
}
