package io.sessiond.webhook;

import io.sessiond.store.SessionEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Where webhooks live and how their events are handed out: on Redis ({@link WebhookRedis}: consumer
 * groups on the tenant's event stream, shared by the fleet), or in the process beside the memory and file
 * stores' event log ({@link LocalWebhookStore}). The dispatcher reads a webhook's events, delivers them,
 * and acknowledges each once delivered or dead-lettered; an event handed out but not acknowledged is
 * handed out again (to another replica, after a restart) rather than lost.
 */
public interface WebhookStore {

  /**
   * Events handed out to one consumer.
   *
   * @param events    in log order
   * @param lostAfter when events recorded after this id (the webhook's last read) are gone from the log
   *                  before they were handed out (trimmed, or the log was reset): the id, else {@code null}
   */
  record Batch(List<SessionEvent> events, String lostAfter) {
    public Batch {
      events = List.copyOf(events);
    }

    static final Batch EMPTY = new Batch(List.of(), null);
  }

  /** Registers the webhook; it receives the events recorded after this. LIMIT at {@code maxPerTenant}. */
  Future<Webhook> create(Webhook w, int maxPerTenant);

  Future<List<Webhook>> list(String tenant);

  /** The webhook, or {@code null}. */
  Future<Webhook> get(String tenant, String id);

  /** Removes the webhook, its cursor and its dead letters; false when there was none. */
  Future<Boolean> delete(String tenant, String id);

  /** The newest {@code max} dead letters, each {@code {event, attempts, lastError, failedAt}}. */
  Future<List<JsonObject>> deadLetters(Webhook w, int max);

  /** Every tenant's webhooks. */
  Future<List<Webhook>> all();

  /** Up to {@code count} events not handed out yet, now {@code consumer}'s. */
  Future<Batch> read(Webhook w, String consumer, int count);

  /** Events handed out to a consumer that has not touched them for {@code idleMs} (it stopped), now {@code consumer}'s. */
  Future<List<SessionEvent>> claim(Webhook w, String consumer, long idleMs, int count);

  /** Resets the idle time of an event this consumer still works on (a retry waits), so nobody claims it. */
  Future<Void> touch(Webhook w, String consumer, String eventId);

  /** Done with the event: delivered, dead-lettered, or not of a type the webhook wants. */
  Future<Void> ack(Webhook w, String eventId);

  /**
   * Keeps a delivery among the webhook's dead letters (the newest {@code keep}), then acknowledges its
   * event ({@code eventId} is {@code null} for a delivery that is no event of the log, such as the
   * events-lost marker).
   */
  Future<Void> deadLetter(Webhook w, String eventId, JsonObject body, int attempts, String lastError, long now, int keep);

  /** The dispatcher stops: what it was given and has not acknowledged must be handed out again later. */
  default Future<Void> shutdown() {
    return Future.succeededFuture();
  }

  Future<Void> close();

  /** A dead letter as the API shows it. */
  static JsonObject letter(JsonObject body, int attempts, String lastError, long now) {
    return new JsonObject().put("event", body).put("attempts", attempts).put("lastError", lastError)
        .put("failedAt", java.time.Instant.ofEpochMilli(now).toString());
  }
}
