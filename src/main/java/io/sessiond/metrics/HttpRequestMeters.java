package io.sessiond.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MetricsNaming;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The HTTP server's request meters: the same meters vertx-micrometer reports (names, help texts, types and
 * labels: {@code method} on the request's own meters, {@code route}, {@code method} and {@code code} on the
 * answer's), but each looked up once per method, route and status instead of on every request. Vert.x's own
 * implementation built tags and looked up five meters in the registry per request (a tenth of the daemon's CPU
 * per GET). Connection meters (opened connections, bytes read and written) stay vertx-micrometer's: {@link #server}
 * wraps its HTTP server metrics and passes them on.
 */
final class HttpRequestMeters {
  private static final String METHOD = Label.HTTP_METHOD.toString();
  private static final String ROUTE = Label.HTTP_ROUTE.toString();
  private static final String CODE = Label.HTTP_CODE.toString();

  private final MeterRegistry registry;
  private final MetricsNaming names;
  private final ConcurrentMap<HttpMethod, ByMethod> byMethod = new ConcurrentHashMap<>();

  /** @param naming the options' naming, whose names vertx-micrometer prefixes with {@code vertx.http.server} */
  HttpRequestMeters(MeterRegistry registry, MetricsNaming naming) {
    this.registry = registry;
    this.names = naming.withBaseName(MetricsDomain.HTTP_SERVER.getPrefix());
  }

  /** A server's metrics: requests here, connections and bytes by vertx-micrometer's {@code tcp}. */
  @SuppressWarnings("unchecked")
  HttpServerMetrics<?, ?, ?> server(HttpServerMetrics<?, ?, ?> tcp) {
    return tcp == null ? null : new Server((HttpServerMetrics<Object, Object, Object>) tcp);
  }

  private ByMethod of(HttpMethod method) {
    ByMethod m = byMethod.get(method);
    return m != null ? m : byMethod.computeIfAbsent(method, ByMethod::new);
  }

  /** The meters of one method, and those of its answers by route and status. */
  private final class ByMethod {
    final String method;
    final LongAdder active = new LongAdder();
    final DistributionSummary requestBytes;
    final Tags tags;
    final ConcurrentMap<Answer, Answered> answers = new ConcurrentHashMap<>();

    ByMethod(HttpMethod method) {
      this.method = method.toString();
      tags = Tags.of(METHOD, this.method);
      Gauge.builder(names.getHttpActiveRequests(), active, LongAdder::doubleValue)
          .description("Number of requests being processed").tags(tags).strongReference(true).register(registry);
      requestBytes = DistributionSummary.builder(names.getHttpRequestBytes()).description("Size of requests in bytes")
          .tags(tags).register(registry);
    }

    /** Registered on the first reset, as Vert.x does: no series of zero resets before. */
    Counter resets() {
      return Counter.builder(names.getHttpRequestResetsCount()).description("Number of request resets").tags(tags)
          .register(registry);
    }

    Answered answered(Answer key) {
      Answered a = answers.get(key);
      return a != null ? a : answers.computeIfAbsent(key, this::register);
    }

    private Answered register(Answer key) {
      Tags tags = Tags.of(METHOD, method, ROUTE, key.route(), CODE, Integer.toString(key.code()));
      return new Answered(
          Counter.builder(names.getHttpRequestsCount()).description("Number of processed requests").tags(tags)
              .register(registry),
          Timer.builder(names.getHttpResponseTime()).description("Request processing time").tags(tags).register(registry),
          DistributionSummary.builder(names.getHttpResponseBytes()).description("Size of responses in bytes").tags(tags)
              .register(registry));
    }
  }

  private record Answered(Counter count, Timer time, DistributionSummary bytes) {
  }

  /**
   * An answer's meters by the routes the request matched (vertx-web reports each; the label joins them
   * with {@code >}) and its status. The routes are the routes' own name strings, so their hashes are cached.
   */
  private record Answer(String first, String second, String rest, int code) {
    String route() {
      if (first == null) {
        return "";
      }
      String route = second == null ? first : first + ">" + second;
      return rest == null ? route : route + ">" + rest;
    }
  }

  /** One request: when it began, the routes it matched, and which of its ends were seen. */
  static final class Request {
    private final ByMethod meters;
    private final long startNanos = System.nanoTime();
    private String first;
    private String second;
    private String rest;
    private boolean requestEnded;
    private boolean responseEnded;
    private boolean reset;

    private Request(ByMethod meters) {
      this.meters = meters;
    }

    private void routed(String route) {
      if (route == null) {
        return;
      }
      if (first == null) {
        first = route;
      } else if (second == null) {
        second = route;
      } else {
        rest = rest == null ? route : rest + ">" + route;
      }
    }
  }

  private final class Server implements HttpServerMetrics<Request, Object, Object> {
    private final HttpServerMetrics<Object, Object, Object> tcp;

    Server(HttpServerMetrics<Object, Object, Object> tcp) {
      this.tcp = tcp;
    }

    @Override
    public Request requestBegin(Object socket, HttpRequest request) {
      Request r = new Request(of(request.method()));
      r.meters.active.increment();
      return r;
    }

    @Override
    public void requestEnd(Request r, HttpRequest request, long bytesRead) {
      if (r == null) {
        return; // a request Vert.x reports without its beginning
      }
      r.meters.requestBytes.record(bytesRead);
      r.requestEnded = true;
      if (!r.reset && r.responseEnded) {
        r.meters.active.decrement();
      }
    }

    @Override
    public void requestReset(Request r) {
      if (r == null) {
        return;
      }
      r.meters.resets().increment();
      r.meters.active.decrement();
      r.reset = true;
    }

    @Override
    public Request responsePushed(Object socket, HttpMethod method, String uri, HttpResponse response) {
      Request r = new Request(of(method));
      r.meters.active.increment();
      return r;
    }

    @Override
    public void responseEnd(Request r, HttpResponse response, long bytesWritten) {
      if (r == null) {
        return;
      }
      Answered a = r.meters.answered(new Answer(r.first, r.second, r.rest, response.statusCode()));
      a.count().increment();
      a.time().record(System.nanoTime() - r.startNanos, TimeUnit.NANOSECONDS);
      a.bytes().record(bytesWritten);
      r.responseEnded = true;
      if (!r.reset && r.requestEnded) {
        r.meters.active.decrement();
      }
    }

    @Override
    public void requestRouted(Request r, String route) {
      if (r != null) {
        r.routed(route);
      }
    }

    @Override
    public Object connected(Object socket, Request r, ServerWebSocket webSocket) {
      return null; // the API serves no WebSockets
    }

    @Override
    public Object connected(SocketAddress remote, String remoteName) {
      return tcp.connected(remote, remoteName);
    }

    @Override
    public void disconnected(Object socket, SocketAddress remote) {
      tcp.disconnected(socket, remote);
    }

    @Override
    public void bytesRead(Object socket, SocketAddress remote, long bytes) {
      tcp.bytesRead(socket, remote, bytes);
    }

    @Override
    public void bytesWritten(Object socket, SocketAddress remote, long bytes) {
      tcp.bytesWritten(socket, remote, bytes);
    }

    @Override
    public void exceptionOccurred(Object socket, SocketAddress remote, Throwable t) {
      tcp.exceptionOccurred(socket, remote, t);
    }

    @Override
    public void close() {
      tcp.close();
    }
  }
}
