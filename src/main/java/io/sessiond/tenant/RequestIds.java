package io.sessiond.tenant;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.internal.ContextInternal;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * Request ids: accepted from {@code X-Request-Id} (or generated), kept in the request's duplicated
 * Vert.x context, carried to other verticles as an event-bus header by one interceptor pair, and put
 * in the SLF4J MDC ({@value #MDC_KEY}) while a handler of the message runs.
 */
public final class RequestIds {
  public static final String HTTP_HEADER = "X-Request-Id";
  public static final String BUS_HEADER = "sessiond-request-id";
  public static final String MDC_KEY = "requestId";
  private static final Object LOCAL_KEY = new Object();
  /** What a client may send as its own id; anything else is replaced, so logs never carry junk. */
  private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:@+/=-]{1,128}");

  private RequestIds() {
  }

  /** The client's id when it is acceptable, else a new one. */
  public static String accept(String header) {
    return header != null && ACCEPTED.matcher(header).matches() ? header : newId();
  }

  /**
   * A random (version 4) UUID from {@link ThreadLocalRandom}: a request id must be unique, not
   * unguessable, and {@link UUID#randomUUID()} takes SecureRandom's lock on every request.
   */
  static String newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48);
    return new UUID(high, low).toString();
  }

  /** Remembers {@code id} for the rest of the current request (its duplicated context). */
  public static void bind(String id) {
    if (Vertx.currentContext() instanceof ContextInternal c && c.isDuplicate()) {
      c.putLocal(LOCAL_KEY, id);
    }
  }

  /** The id of the request being handled on this context, or {@code null}. */
  public static String current() {
    Context c = Vertx.currentContext();
    return c instanceof ContextInternal ci && ci.isDuplicate() ? ci.getLocal(LOCAL_KEY) : null;
  }

  /** Installs the interceptor pair on an instance's event bus (once per instance). */
  public static void install(EventBus bus) {
    bus.addOutboundInterceptor((Handler<DeliveryContext<Object>>) RequestIds::outbound);
    bus.addInboundInterceptor((Handler<DeliveryContext<Object>>) RequestIds::inbound);
  }

  private static void outbound(DeliveryContext<Object> dc) {
    String id = current();
    if (id != null && !dc.message().headers().contains(BUS_HEADER)) {
      dc.message().headers().add(BUS_HEADER, id);
    }
    dc.next();
  }

  private static void inbound(DeliveryContext<Object> dc) {
    String id = dc.message().headers().get(BUS_HEADER);
    if (id == null) {
      dc.next();
      return;
    }
    bind(id);
    MDC.put(MDC_KEY, id);
    try {
      dc.next();
    } finally {
      MDC.remove(MDC_KEY);
    }
  }
}
