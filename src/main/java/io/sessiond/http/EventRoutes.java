package io.sessiond.http;

import io.sessiond.config.EventsConfig;
import io.sessiond.store.StoreClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /v1/events}: the caller's tenant's change events as Server-Sent Events (see
 * docs/events.md), filtered by session id prefix and event type, resumable with {@code Last-Event-ID}.
 * Open streams are counted across the instance's HTTP verticles ({@code EVENTS_MAX_STREAMS}, 429
 * beyond) and ended when the verticle stops, so a shutdown does not wait for them.
 */
final class EventRoutes {
  private final Vertx vertx;
  private final StoreClient store;
  private final EventsConfig config;
  private final AtomicInteger openStreams;
  private final Set<EventStream> streams = new HashSet<>();

  /** @param openStreams the instance's count of open event streams, shared by its HTTP verticles */
  EventRoutes(Vertx vertx, StoreClient store, EventsConfig config, AtomicInteger openStreams) {
    this.vertx = vertx;
    this.store = store;
    this.config = config;
    this.openStreams = openStreams;
  }

  void mount(ApiRouter api) {
    api.get("/v1/events", this::stream);
  }

  private void stream(RoutingContext ctx) {
    if (!config.enabled()) {
      throw new ApiException(404, "change events are off on this instance (EVENTS_ENABLED=false)");
    }
    EventFilter filter = EventFilter.of(ctx);
    if (openStreams.incrementAndGet() > config.maxStreams()) {
      openStreams.decrementAndGet();
      ctx.response().putHeader("Retry-After", "5");
      throw new ApiException(429, "this instance already serves its maximum of " + config.maxStreams()
          + " event streams (EVENTS_MAX_STREAMS)", "rate-limited");
    }
    HttpServerResponse response = ctx.response().setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        // nginx would otherwise buffer the stream.
        .putHeader("X-Accel-Buffering", "no");
    EventStream[] self = new EventStream[1];
    self[0] = new EventStream(vertx, store, response, Requests.tenant(ctx), filter, config.pollMs(),
        config.heartbeatMs(), () -> {
          openStreams.decrementAndGet();
          streams.remove(self[0]);
        }, ctx::fail);
    streams.add(self[0]);
    self[0].start();
  }

  /** Ends every open stream (the verticle stops). */
  void endAll() {
    List<EventStream> open = new ArrayList<>(streams);
    open.forEach(EventStream::end);
  }
}
