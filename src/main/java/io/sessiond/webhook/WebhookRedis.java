package io.sessiond.webhook;

import io.sessiond.config.RedisConfig;
import io.sessiond.store.EventType;
import io.sessiond.store.SessionEvent;
import io.sessiond.store.redis.RedisClientOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Webhooks in Redis, on a small client of their own (apart from the store's pipelined connections):
 * <pre>
 *   &lt;prefix&gt;webhooks:tenants             set: tenants with webhooks
 *   &lt;prefix&gt;webhooks:&lt;tenant&gt;             hash: webhook id → the webhook (JSON, with its secret)
 *   &lt;prefix&gt;webhooks:&lt;tenant&gt;:&lt;id&gt;:dead    list: the webhook's dead letters, newest first
 * </pre>
 * Each webhook reads its tenant's event stream ({@code <prefix>events:<tenant>}) through a consumer group
 * of its own ({@code webhook:<id>}), created at the stream's end when the webhook is: every replica reads
 * with its own consumer name, so each event goes to one replica, which acknowledges it once delivered or
 * dead-lettered. An event whose replica stopped stays pending and is claimed by another.
 */
public final class WebhookRedis implements WebhookStore {
  /** Checks for events trimmed before the group read them, then reads (lua/webhook_read.lua). */
  private static final String READ_SCRIPT = script("/lua/webhook_read.lua");
  private final Redis redis;
  private final String prefix;
  private final long timeoutMs;

  private final SecretSeal seal;

  public WebhookRedis(Vertx vertx, RedisConfig config, SecretSeal seal) {
    this.seal = seal;
    this.redis = Redis.createClient(vertx, RedisClientOptions.of(config));
    this.prefix = config.prefix();
    this.timeoutMs = config.timeoutMs();
  }

  private static String script(String resource) {
    try (java.io.InputStream in = WebhookRedis.class.getResourceAsStream(resource)) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException | NullPointerException e) {
      throw new IllegalStateException("cannot read " + resource, e);
    }
  }

  private String tenants() {
    return prefix + "webhooks:tenants";
  }

  private String hooks(String tenant) {
    return prefix + "webhooks:" + tenant;
  }

  private String dead(Webhook w) {
    return hooks(w.tenant()) + ":" + w.id() + ":dead";
  }

  private String stream(String tenant) {
    return prefix + "events:" + tenant;
  }

  private static String group(String id) {
    return "webhook:" + id;
  }

  private Future<Response> send(Request r) {
    return redis.send(r).timeout(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /** Registers the webhook, its group at the stream's end (it gets the events after this); LIMIT at maxPerTenant. */
  @Override
  public Future<Webhook> create(Webhook w, int maxPerTenant) {
    return send(Request.cmd(Command.HLEN).arg(hooks(w.tenant()))).compose(n -> {
      if (n.toLong() >= maxPerTenant) {
        return Future.failedFuture(new WebhookException(WebhookException.Kind.LIMIT, "the tenant already has "
            + n.toLong() + " webhooks, the most it may have (WEBHOOKS_MAX_PER_TENANT); delete one first"));
      }
      return send(Request.cmd(Command.XGROUP).arg("CREATE").arg(stream(w.tenant())).arg(group(w.id())).arg("$")
          .arg("MKSTREAM"))
          .compose(v -> send(Request.cmd(Command.HSET).arg(hooks(w.tenant())).arg(w.id()).arg(w.stored(seal))))
          .compose(v -> send(Request.cmd(Command.SADD).arg(tenants()).arg(w.tenant())))
          .map(w);
    });
  }

  @Override
  public Future<List<Webhook>> list(String tenant) {
    return send(Request.cmd(Command.HVALS).arg(hooks(tenant))).map(r -> {
      List<Webhook> out = new ArrayList<>();
      if (r != null) {
        for (Response v : r) {
          out.add(Webhook.parse(v.toString(), seal));
        }
      }
      out.sort(Comparator.comparingLong(Webhook::createdAt).thenComparing(Webhook::id));
      return out;
    });
  }

  /** The webhook, or {@code null}. */
  @Override
  public Future<Webhook> get(String tenant, String id) {
    return send(Request.cmd(Command.HGET).arg(hooks(tenant)).arg(id)).map(r -> r == null ? null : Webhook.parse(r.toString(), seal));
  }

  /** Removes the webhook, its group and its dead letters; false when there was none. */
  @Override
  public Future<Boolean> delete(String tenant, String id) {
    return send(Request.cmd(Command.HDEL).arg(hooks(tenant)).arg(id)).compose(n -> {
      if (n.toLong() == 0) {
        return Future.succeededFuture(false);
      }
      return send(Request.cmd(Command.XGROUP).arg("DESTROY").arg(stream(tenant)).arg(group(id)))
          .recover(e -> Future.succeededFuture())
          .compose(v -> send(Request.cmd(Command.DEL).arg(hooks(tenant) + ":" + id + ":dead")))
          .map(true);
    });
  }

  /** The newest {@code max} dead letters, each {@code {event, attempts, lastError, failedAt}}. */
  @Override
  public Future<List<JsonObject>> deadLetters(Webhook w, int max) {
    return send(Request.cmd(Command.LRANGE).arg(dead(w)).arg(0).arg(max - 1)).map(r -> {
      List<JsonObject> out = new ArrayList<>();
      if (r != null) {
        for (Response v : r) {
          out.add(new JsonObject(v.toString()));
        }
      }
      return out;
    });
  }

  /** Every tenant's webhooks. */
  @Override
  public Future<List<Webhook>> all() {
    return send(Request.cmd(Command.SMEMBERS).arg(tenants())).compose(r -> {
      List<Future<List<Webhook>>> each = new ArrayList<>();
      if (r != null) {
        for (Response t : r) {
          each.add(list(t.toString()));
        }
      }
      return Future.all(each).map(v -> {
        List<Webhook> out = new ArrayList<>();
        each.forEach(f -> out.addAll(f.result()));
        return out;
      });
    });
  }

  /** Up to {@code count} events no consumer of the webhook's group was given yet, now given to {@code consumer}. */
  @Override
  public Future<Batch> read(Webhook w, String consumer, int count) {
    String stream = stream(w.tenant());
    return send(Request.cmd(Command.EVAL).arg(READ_SCRIPT).arg(1).arg(stream).arg(group(w.id())).arg(consumer)
        .arg(count)).map(reply -> {
          String lost = reply.get(0).toString();
          Response read = reply.get(1);
          List<SessionEvent> out = new ArrayList<>();
          if (read != null) {
            for (Response s : read) {
              out.addAll(events(s.get(1)));
            }
          }
          return new Batch(out, lost.isEmpty() ? null : lost);
        });
  }

  /** Events of the group left untouched for {@code idleMs} (their replica stopped), now {@code consumer}'s. */
  @Override
  public Future<List<SessionEvent>> claim(Webhook w, String consumer, long idleMs, int count) {
    return send(Request.cmd(Command.XAUTOCLAIM).arg(stream(w.tenant())).arg(group(w.id())).arg(consumer).arg(idleMs)
        .arg("0-0").arg("COUNT").arg(count)).map(reply -> reply == null ? List.of() : events(reply.get(1)));
  }

  /** Resets the idle time of an event this consumer still works on (a retry waits), so nobody claims it. */
  @Override
  public Future<Void> touch(Webhook w, String consumer, String eventId) {
    return send(Request.cmd(Command.XCLAIM).arg(stream(w.tenant())).arg(group(w.id())).arg(consumer).arg(0)
        .arg(eventId).arg("JUSTID")).mapEmpty();
  }

  /** Done with the event: delivered, dead-lettered, or not of a type the webhook wants. */
  @Override
  public Future<Void> ack(Webhook w, String eventId) {
    return send(Request.cmd(Command.XACK).arg(stream(w.tenant())).arg(group(w.id())).arg(eventId)).mapEmpty();
  }

  @Override
  public Future<Void> deadLetter(Webhook w, String eventId, JsonObject body, int attempts, String lastError, long now,
                                 int keep) {
    String letter = WebhookStore.letter(body, attempts, lastError, now).encode();
    return send(Request.cmd(Command.LPUSH).arg(dead(w)).arg(letter))
        .compose(v -> send(Request.cmd(Command.LTRIM).arg(dead(w)).arg(0).arg(keep - 1)))
        .compose(v -> eventId == null ? Future.<Void>succeededFuture() : ack(w, eventId));
  }

  /** Entries {@code [[id, [field, value, …]], …]}; one whose fields are gone (trimmed) becomes an UNREADABLE event. */
  private static List<SessionEvent> events(Response entries) {
    List<SessionEvent> out = new ArrayList<>();
    if (entries == null) {
      return out;
    }
    for (Response entry : entries) {
      if (entry == null) {
        continue;
      }
      out.add(event(entry.get(0).toString(), entry.size() > 1 ? entry.get(1) : null));
    }
    return out;
  }

  private static SessionEvent event(String id, Response fields) {
    String type = null;
    String session = null;
    long version = 0;
    long time = 0;
    String holder = null;
    long token = 0;
    if (fields != null) {
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        String value = fields.get(i + 1).toString();
        switch (fields.get(i).toString()) {
          case "t" -> type = value;
          case "s" -> session = value;
          case "v" -> version = Long.parseLong(value);
          case "at" -> time = Long.parseLong(value);
          case "h" -> holder = value;
          case "k" -> token = Long.parseLong(value);
          default -> { }
        }
      }
    }
    EventType t = type == null ? null : EventType.fromWire(type);
    return new SessionEvent(id, t, session, version, time, holder, token);
  }

  @Override
  public Future<Void> close() {
    redis.close();
    return Future.succeededFuture();
  }
}
