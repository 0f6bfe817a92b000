package io.sessiond.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Closes connections that hold the server without sending requests: a new connection that has not
 * completed a request's headers within {@code HTTP_HEADER_TIMEOUT_MS} (a slowloris trickling its
 * headers a byte at a time never trips a plain idle timeout), and a kept-alive connection that starts
 * no request within {@code HTTP_IDLE_TIMEOUT_MS} of its last answer. A connection with a request in
 * flight is left alone (its request has a deadline of its own). One sweep a second per HTTP verticle.
 */
final class ConnectionGuard implements Handler<RoutingContext> {
  private final long headerTimeoutMs;
  private final long idleTimeoutMs;
  private final Map<HttpConnection, State> connections = new HashMap<>();
  private final Vertx vertx;
  private final long timer;

  /** A connection's state; {@link #authenticated} is {@link TenantAuth}'s. */
  static final class State {
    long since = System.currentTimeMillis();
    boolean served;
    int inFlight;
    TenantAuth.Authenticated authenticated;
  }

  ConnectionGuard(Vertx vertx, long headerTimeoutMs, long idleTimeoutMs) {
    this.vertx = vertx;
    this.headerTimeoutMs = headerTimeoutMs;
    this.idleTimeoutMs = idleTimeoutMs;
    this.timer = vertx.setPeriodic(Math.max(50, Math.min(1_000, headerTimeoutMs / 4)), id -> sweep());
  }

  /** For the server's connection handler: starts the header clock of a new connection. */
  void opened(HttpConnection conn) {
    connections.put(conn, new State());
    conn.closeHandler(v -> connections.remove(conn));
  }

  /** The state of a connection this guard saw open, else {@code null}. */
  State of(HttpConnection conn) {
    return connections.get(conn);
  }

  /** The first route of every request: its headers are complete; the connection is busy until it ends. */
  @Override
  public void handle(RoutingContext ctx) {
    State s = connections.get(ctx.request().connection());
    if (s != null) {
      s.inFlight++;
      ctx.addEndHandler(ar -> {
        s.inFlight--;
        s.served = true;
        s.since = System.currentTimeMillis();
      });
    }
    ctx.next();
  }

  private void sweep() {
    long now = System.currentTimeMillis();
    Iterator<Map.Entry<HttpConnection, State>> it = connections.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<HttpConnection, State> e = it.next();
      State s = e.getValue();
      if (s.inFlight == 0 && now - s.since > (s.served ? idleTimeoutMs : headerTimeoutMs)) {
        it.remove();
        e.getKey().close();
      }
    }
  }

  void close() {
    vertx.cancelTimer(timer);
  }
}
