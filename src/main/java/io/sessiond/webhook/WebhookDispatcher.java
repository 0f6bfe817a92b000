package io.sessiond.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sessiond.config.WebhooksConfig;
import io.sessiond.store.SessionEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers each tenant's change events to its webhooks, on one event loop, without blocking it: every
 * {@code WEBHOOKS_POLL_MS} it reads, for each webhook not busy with a batch, new events through the
 * webhook's consumer group (so the fleet's replicas share the events, each going to one), POSTs each
 * event signed ({@link WebhookSignature}), retries a failure after an exponential backoff, and
 * acknowledges the event once delivered or dead-lettered after {@code WEBHOOKS_MAX_ATTEMPTS}. Events a
 * stopped replica had taken are claimed after {@code WEBHOOKS_CLAIM_IDLE_MS}; a replica waiting to retry
 * an event touches it meanwhile so that nobody claims it. At most {@code WEBHOOKS_MAX_IN_FLIGHT} events
 * are in delivery (or waiting for a retry) at once; a webhook's next batch waits for its current one, so
 * a failing receiver delays its own events only.
 */
public final class WebhookDispatcher extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookDispatcher.class);
  private static final int MAX_BATCH = 16;
  private static final long REFRESH_MS = 1_000;
  private static final int MAX_ERROR_LENGTH = 300;

  private final WebhooksConfig config;
  private final WebhookStore store;
  private final String consumer = UUID.randomUUID().toString();
  private final Counter delivered;
  private final Counter failed;
  private final Counter deadLettered;
  private final Timer latency;
  private final Timer attempts;
  private final Set<String> busy = new HashSet<>();
  private Map<String, Webhook> hooks = Map.of();
  private HttpClient client;
  private int inFlight;
  private long timer = -1;
  private long lastRefresh;
  private long lastClaim;
  private boolean refreshing;

  public WebhookDispatcher(WebhooksConfig config, WebhookStore store, MeterRegistry registry) {
    this.config = config;
    this.store = store;
    this.delivered = outcome(registry, "delivered");
    this.failed = outcome(registry, "failed");
    this.deadLettered = outcome(registry, "dead-lettered");
    this.latency = Timer.builder("sessiond.webhook.delivery.latency")
        .description("From an event's change to its delivery's acknowledgement by the receiver").register(registry);
    this.attempts = Timer.builder("sessiond.webhook.attempt.duration")
        .description("How long one delivery attempt took (request to answer)").register(registry);
  }

  private static Counter outcome(MeterRegistry registry, String outcome) {
    return Counter.builder("sessiond.webhook.deliveries").tag("outcome", outcome)
        .description("Webhook delivery attempts by outcome: delivered, failed (to be retried or dead-lettered), dead-lettered (events)")
        .register(registry);
  }

  @Override
  public Future<?> start() {
    client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) config.timeoutMs())
            .setKeepAlive(true).setIdleTimeout(30).setIdleTimeoutUnit(TimeUnit.SECONDS),
        new PoolOptions().setHttp1MaxSize(Math.min(config.maxInFlight(), 16)).setMaxWaitQueueSize(config.maxInFlight()));
    lastClaim = System.currentTimeMillis();
    timer = vertx.setPeriodic(config.pollMs(), id -> tick());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return store.shutdown().eventually(client::close);
  }

  private void tick() {
    long now = System.currentTimeMillis();
    if (!refreshing && now - lastRefresh >= Math.min(REFRESH_MS, config.pollMs() * 5)) {
      refreshing = true;
      store.all().onComplete(ar -> {
        refreshing = false;
        lastRefresh = System.currentTimeMillis();
        if (ar.succeeded()) {
          Map<String, Webhook> next = new HashMap<>();
          ar.result().forEach(w -> next.put(w.id(), w));
          hooks = next;
        } else {
          LOG.debug("reading the webhooks failed: {}", ar.cause().toString());
        }
      });
    }
    boolean claim = now - lastClaim >= config.claimIdleMs() / 2;
    if (claim) {
      lastClaim = now;
    }
    for (Webhook w : hooks.values()) {
      int room = Math.min(MAX_BATCH, config.maxInFlight() - inFlight);
      if (room <= 0) {
        return;
      }
      if (busy.add(w.id())) {
        Future<WebhookStore.Batch> batch = claim
            ? store.claim(w, consumer, config.claimIdleMs(), room)
                .compose(c -> c.isEmpty() ? store.read(w, consumer, room)
                    : Future.succeededFuture(new WebhookStore.Batch(c, null)))
            : store.read(w, consumer, room);
        inFlight += room; // reserved while the read is out
        batch.onComplete(ar -> {
          inFlight -= room;
          if (ar.failed()) {
            busy.remove(w.id());
            LOG.debug("reading events for webhook {} failed: {}", w.id(), ar.cause().toString());
            return;
          }
          deliverAll(w, ar.result()).onComplete(done -> busy.remove(w.id()));
        });
      }
    }
  }

  private Future<Void> deliverAll(Webhook w, WebhookStore.Batch batch) {
    List<SessionEvent> events = batch.events();
    List<Future<Void>> each = new ArrayList<>(events.size() + 1);
    if (batch.lostAfter() != null) {
      LOG.info("webhook {} of tenant {}: events after {} left the log before delivery; sending events-lost", w.id(),
          w.tenant(), batch.lostAfter());
      inFlight++;
      each.add(attempt(w, Outgoing.lost(batch.lostAfter(), System.currentTimeMillis()), 1).andThen(ar -> inFlight--));
    }
    inFlight += events.size();
    for (SessionEvent e : events) {
      each.add(handle(w, e).andThen(ar -> inFlight--));
    }
    return Future.join(each).mapEmpty();
  }

  private Future<Void> handle(Webhook w, SessionEvent e) {
    if (e.type() == null || !w.wants(e.type())) {
      return store.ack(w, e.id());
    }
    return attempt(w, Outgoing.of(e), 1);
  }

  private Future<Void> attempt(Webhook w, Outgoing e, int attempt) {
    if (!hooks.containsKey(w.id()) && lastRefresh > 0) {
      return Future.succeededFuture(); // deleted meanwhile: its group is gone with it
    }
    long started = System.nanoTime();
    return post(w, e, attempt).transform(ar -> {
      attempts.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      if (ar.succeeded() && ar.result() >= 200 && ar.result() < 300) {
        delivered.increment();
        latency.record(Math.max(0, System.currentTimeMillis() - e.time()), TimeUnit.MILLISECONDS);
        return e.eventId() == null ? Future.<Void>succeededFuture() : store.ack(w, e.eventId());
      }
      failed.increment();
      String error = ar.succeeded() ? "HTTP " + ar.result() : String.valueOf(ar.cause().getMessage());
      if (error.length() > MAX_ERROR_LENGTH) {
        error = error.substring(0, MAX_ERROR_LENGTH);
      }
      if (attempt >= config.maxAttempts()) {
        deadLettered.increment();
        LOG.info("webhook {} of tenant {}: {} {} dead-lettered after {} attempts ({})", w.id(), w.tenant(), e.type(),
            e.eventId(), attempt, error);
        return store.deadLetter(w, e.eventId(), new JsonObject(e.body()), attempt, error, System.currentTimeMillis(),
            config.deadLetters());
      }
      return waitTouching(w, e, config.backoffAfter(attempt)).compose(v -> attempt(w, e, attempt + 1));
    });
  }

  /** Waits {@code ms}, touching the pending event at least every third of the claim idle time. */
  private Future<Void> waitTouching(Webhook w, Outgoing e, long ms) {
    long step = Math.max(1, Math.min(ms, config.claimIdleMs() / 3));
    return vertx.timer(step).compose(t -> {
      if (ms - step <= 0) {
        return Future.<Void>succeededFuture();
      }
      Future<Void> touched = e.eventId() == null ? Future.succeededFuture()
          : store.touch(w, consumer, e.eventId()).recover(x -> Future.succeededFuture());
      return touched.compose(v -> waitTouching(w, e, ms - step));
    });
  }

  /** POSTs the event; the answer's status (its body is read and dropped). */
  private Future<Integer> post(Webhook w, Outgoing e, int attempt) {
    String body = e.body();
    String signature = WebhookSignature.header(w.secret(), System.currentTimeMillis() / 1000, body);
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(w.url())
        .setFollowRedirects(false)
        .setConnectTimeout(config.timeoutMs()).setIdleTimeout(config.timeoutMs())
        .putHeader("Content-Type", "application/json")
        .putHeader("User-Agent", "sessiond-webhooks")
        .putHeader(WebhookSignature.HEADER, signature)
        .putHeader("Sessiond-Webhook-Id", w.id())
        .putHeader("Sessiond-Event-Type", e.type())
        .putHeader("Sessiond-Delivery-Attempt", Integer.toString(attempt));
    if (e.eventId() != null) {
      options.putHeader("Sessiond-Event-Id", e.eventId());
    }
    Promise<Integer> answer = Promise.promise();
    // Checked at every attempt (a name may resolve elsewhere by now); the connection goes to the checked address.
    Future<RequestOptions> checked = config.allowPrivate() ? Future.succeededFuture(options)
        : WebhookAddresses.check(vertx, w.url()).map(to -> options.setServer(
            SocketAddress.inetSocketAddress(to.port(), to.address().getHostAddress())));
    checked.compose(client::request)
        .compose(req -> req.send(body))
        .compose(resp -> {
          resp.handler(b -> { });
          return resp.end().map(v -> resp.statusCode());
        })
        .timeout(config.timeoutMs(), TimeUnit.MILLISECONDS)
        .onComplete(answer);
    return answer.future();
  }
}
