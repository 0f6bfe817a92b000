package io.sessiond.http;

import io.sessiond.store.SessionEvent;
import io.sessiond.store.StoreAddresses;
import io.sessiond.store.StoreClient;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.sessiond.store.StoreRequests.EventPage;
import io.sessiond.store.StoreRequests.ReadEvents;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open {@code GET /v1/events} response: reads the tenant's event log from its cursor page by page,
 * writes the events the filter keeps as Server-Sent Events (the log's id as the SSE {@code id}), reads
 * again at once while pages come full and every {@code EVENTS_POLL_MS} once caught up, waits while the
 * client is slow (the write queue is full), and sends a comment line every {@code EVENTS_HEARTBEAT_MS}.
 * The log is shared by every replica, so whichever one a client reconnects to goes on from its
 * {@code Last-Event-ID} with the next change: each exactly once, in the log's order.
 */
final class EventStream {
  private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);
  static final int PAGE = 500;
  private static final Buffer HEARTBEAT = Buffer.buffer(": heartbeat\n\n");

  private final Vertx vertx;
  private final StoreClient store;
  private final HttpServerResponse response;
  private final String tenant;
  private final EventFilter filter;
  private final long pollMs;
  private final Runnable onClose;
  private final Consumer<Throwable> refuse;
  private String cursor;
  private boolean closed;
  private long pollTimer = -1;
  private final long heartbeatTimer;

  EventStream(Vertx vertx, StoreClient store, HttpServerResponse response, String tenant, EventFilter filter,
              long pollMs, long heartbeatMs, Runnable onClose, Consumer<Throwable> refuse) {
    this.refuse = refuse;
    this.vertx = vertx;
    this.store = store;
    this.response = response;
    this.tenant = tenant;
    this.filter = filter;
    this.pollMs = pollMs;
    this.onClose = onClose;
    this.heartbeatTimer = vertx.setPeriodic(heartbeatMs, id -> {
      if (!closed && response.headWritten() && !response.writeQueueFull()) {
        response.write(HEARTBEAT);
      }
    });
    response.closeHandler(v -> closed());
    response.exceptionHandler(e -> closed());
  }

  /**
   * Reads the first page (which says whether events were lost), then sends the headers with an opening
   * comment: a client that sees the response has a fixed starting point, so a change it makes after
   * that is always in its stream. Goes on from there.
   */
  void start() {
    store.call(StoreAddresses.READ_EVENTS, new ReadEvents(tenant, filter.lastEventId(), PAGE))
        .onSuccess(page -> {
          if (closed) {
            return;
          }
          response.write(": events of tenant " + tenant + "\nretry: 1000\n\n");
          if (page.lost()) {
            response.write(lostMarker(page));
          }
          deliver(page);
        })
        .onFailure(t -> {
          // Nothing sent yet: the request fails as any other would (503 while the store is down).
          closed();
          refuse.accept(t);
        });
  }

  /** Ends the stream (the server is stopping); the client reconnects to another replica. */
  void end() {
    if (!closed) {
      response.end();
      closed();
    }
  }

  private void read() {
    pollTimer = -1;
    if (closed) {
      return;
    }
    store.call(StoreAddresses.READ_EVENTS, new ReadEvents(tenant, cursor, PAGE))
        .onSuccess(this::deliver)
        .onFailure(this::failed);
  }

  private void deliver(EventPage page) {
    if (closed) {
      return;
    }
    for (SessionEvent e : page.events()) {
      if (filter.matches(e)) {
        response.write(frame(e));
      }
    }
    boolean more = page.events().size() == PAGE && !page.lastId().equals(cursor);
    cursor = page.lastId();
    if (response.writeQueueFull()) {
      response.drainHandler(v -> {
        response.drainHandler(null);
        next(more);
      });
    } else {
      next(more);
    }
  }

  private void next(boolean more) {
    if (closed) {
      return;
    }
    if (more) {
      read();
    } else {
      pollTimer = vertx.setTimer(pollMs, id -> read());
    }
  }

  /** The store cannot answer now (Redis down): the stream stays open and tries again at the next poll. */
  private void failed(Throwable t) {
    if (closed) {
      return;
    }
    if (t instanceof StoreException se && se.failure() == StoreFailure.UNAVAILABLE) {
      pollTimer = vertx.setTimer(pollMs, id -> read());
      return;
    }
    LOG.warn("event stream of tenant {} ends: {}", tenant, t.toString());
    end();
  }

  private void closed() {
    if (closed) {
      return;
    }
    closed = true;
    vertx.cancelTimer(heartbeatTimer);
    if (pollTimer >= 0) {
      vertx.cancelTimer(pollTimer);
    }
    onClose.run();
  }

  static Buffer frame(SessionEvent e) {
    return Buffer.buffer("id: " + e.id() + "\nevent: " + e.type().wire() + "\ndata: " + e.json() + "\n\n");
  }

  private Buffer lostMarker(EventPage page) {
    String data = new JsonText().open()
        .string("requestedId", filter.lastEventId())
        .string("detail", "events after the requested id are no longer in the log (it keeps EVENTS_MAX_LEN events"
            + " for EVENTS_MAX_AGE_SECONDS, or it was reset): read the sessions again, then go on from the events below")
        .close().toString();
    return Buffer.buffer("event: events-lost\ndata: " + data + "\n\n");
  }
}
