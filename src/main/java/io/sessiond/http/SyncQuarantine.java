package io.sessiond.http;

import io.sessiond.session.SessionStatus;
import io.sessiond.sync.SyncAddresses;
import io.sessiond.sync.SyncRequests.QuarantineQuery;
import io.sessiond.sync.SyncRequests.QuarantineState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

/**
 * Asks PostgreSQL sync whether a session is quarantined (its changes refused by PostgreSQL), for the
 * session's status. Without sync, or when sync cannot answer, the status simply has no sync part: the
 * store's answer is never held back by it.
 */
final class SyncQuarantine {
  private final Vertx vertx;
  private final DeliveryOptions options;

  SyncQuarantine(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.options = new DeliveryOptions().setSendTimeout(Math.max(1, timeoutMs / 2));
  }

  /** The session's quarantine detail (JSON), or {@code null}. */
  Future<String> of(SessionStatus status, String tenant) {
    // Without sync there is no consumer: the request fails at once (no handlers) and the answer is null.
    return vertx.eventBus().<QuarantineState>request(SyncAddresses.QUARANTINE, new QuarantineQuery(tenant, status.id()),
        options).map(m -> m.body().detailJson()).otherwise((String) null);
  }
}
