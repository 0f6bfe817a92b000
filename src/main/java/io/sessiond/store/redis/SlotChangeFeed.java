package io.sessiond.store.redis;

import io.sessiond.sync.ChangeFeed;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The change feed on Redis Cluster: the changes are spread over one stream per hash slot
 * ({@link SlotStreams}), each with its own consumer group {@code sync}, created when first read.
 * Which streams to read comes from the hints (slots written to in the last seconds), the slots whose
 * last read was full, and a sweep of all 16384 streams ({@code XLEN}) at start and every minute, which
 * finds what a lost hint or a crashed instance left behind (in the background, so a slow sweep never
 * holds up a read). A slot whose node does not answer (a
 * failover) is skipped and read again on the next tick; the others go on. Entry ids carry their slot
 * ({@code <id>@<slot>}) so that {@link #done} acknowledges each in its own stream.
 */
final class SlotChangeFeed extends RedisChangeFeed {
  private static final Logger LOG = LoggerFactory.getLogger(SlotChangeFeed.class);
  /** Hints are read back this far before the last read: the per-process rate limit plus clock skew between hosts. */
  static final long HINT_MARGIN_MS = SlotStreams.HINT_EVERY_MS + 2000;
  static final long SWEEP_EVERY_MS = 60_000;
  /** A sweep that could not read every slot (a node down) is tried again this soon. */
  private static final long SWEEP_RETRY_MS = 5_000;
  /** Hints older than this are dropped from the sorted set (the sweep covers their slots anyway). */
  private static final long HINT_KEEP_MS = 600_000;
  /** Streams read in one call at most; the rest wait for the next call. */
  private static final int SLOTS_PER_READ = 512;
  private static final int SWEEP_CHUNK = 1024;
  /**
   * The backlog is counted at most this often; status calls in between get the last count. A count costs
   * an XLEN per active slot (~1,000 at 1,000 busy sessions), and readiness probes every 100 ms asked for it
   * ten times a second: more commands than the writes themselves.
   */
  static final long BACKLOG_EVERY_MS = 1000;

  private final RedisLink link;
  private final SlotStreams streams;
  private final SlotActivity activity;

  SlotChangeFeed(RedisLink link, LuaScripts scripts, SlotStreams streams, SlotActivity activity) {
    super(link, scripts, streams.prefix());
    this.link = link;
    this.streams = streams;
    this.activity = activity;
  }

  /** Groups are made per stream when first read. */
  @Override
  Future<Void> ensureGroup() {
    return Future.succeededFuture();
  }

  @Override
  public Future<List<Change>> fresh(String consumer, int count) {
    sweepIfDue(); // in the background: its findings are read on a later call
    return hinted().compose(hinted -> {
      Set<Integer> slots = new LinkedHashSet<>(activity.carry());
      slots.addAll(hinted);
      return read(consumer, count, new ArrayList<>(slots), ">");
    });
  }

  @Override
  public Future<List<Change>> pending(String consumer, int count) {
    return read(consumer, count, activity.pending(), "0");
  }

  /** Every {@code minIdleMs / 4} at most: XAUTOCLAIM on the slots known to hold entries. */
  @Override
  public Future<List<Change>> claim(String consumer, long minIdleMs, int count) {
    if (!activity.claimDue(System.currentTimeMillis(), Math.max(1000, minIdleMs / 4))) {
      return Future.succeededFuture(List.of());
    }
    List<Integer> slots = first(activity.backlog(), SLOTS_PER_READ);
    int per = Math.max(1, count / Math.max(1, slots.size()));
    return link.with(conn -> {
      List<Future<List<Change>>> claims = new ArrayList<>();
      for (int slot : slots) {
        Request r = Request.cmd(Command.XAUTOCLAIM).arg(streams.stream(slot)).arg(GROUP).arg(consumer).arg(minIdleMs)
            .arg("0-0").arg("COUNT").arg(per);
        claims.add(link.send(conn, r).map(reply -> tagged(entries(reply == null ? null : reply.get(1)), slot))
            .recover(e -> noGroup(e) ? Future.succeededFuture(List.of()) : Future.failedFuture(e)) // nothing was read there
            .andThen(ar -> {
              if (ar.succeeded()) {
                activity.claimed(slot, ar.result().size());
              }
            }));
      }
      return gathered(claims);
    });
  }

  @Override
  public Future<Void> done(List<String> entryIds) {
    Map<Integer, List<String>> bySlot = new HashMap<>();
    for (String tagged : entryIds) {
      int at = tagged.lastIndexOf('@');
      bySlot.computeIfAbsent(Integer.parseInt(tagged.substring(at + 1)), k -> new ArrayList<>()).add(tagged.substring(0, at));
    }
    if (bySlot.isEmpty()) {
      return Future.succeededFuture();
    }
    return link.with(conn -> {
      List<Future<Void>> acks = new ArrayList<>();
      bySlot.forEach((slot, ids) -> {
        Request ack = Request.cmd(Command.XACK).arg(streams.stream(slot)).arg(GROUP);
        Request del = Request.cmd(Command.XDEL).arg(streams.stream(slot));
        ids.forEach(id -> {
          ack.arg(id);
          del.arg(id);
        });
        // Sent together, as on one Redis: they run in order on the slot's node connection.
        acks.add(Future.all(link.send(conn, ack), link.send(conn, del)).mapEmpty());
      });
      return Future.all(acks).mapEmpty();
    });
  }

  /**
   * Entries waiting in the streams this process knows to be active, counted at most every
   * {@link #BACKLOG_EVERY_MS} (the last count otherwise).
   */
  @Override
  public Future<Long> backlog() {
    long now = System.currentTimeMillis();
    long last = activity.lastBacklog(now, BACKLOG_EVERY_MS);
    if (last >= 0) {
      return Future.succeededFuture(last);
    }
    return countBacklog().andThen(ar -> activity.backlogCounted(now, ar.succeeded() ? ar.result() : -1));
  }

  private Future<Long> countBacklog() {
    Set<Integer> slots = new LinkedHashSet<>(activity.backlog());
    slots.addAll(activity.carry());
    slots.addAll(activity.pending());
    return lengths(first(new ArrayList<>(slots), SWEEP_CHUNK)).map(lengths -> {
      long n = 0;
      for (long l : lengths.values()) {
        n += l;
      }
      return n;
    });
  }

  // ---- reading ----------------------------------------------------------------------------------

  private Future<List<Change>> read(String consumer, int count, List<Integer> candidates, String from) {
    if (candidates.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<Integer> slots = first(candidates, SLOTS_PER_READ);
    candidates.subList(slots.size(), candidates.size()).forEach(activity::unread);
    int per = Math.max(1, count / slots.size());
    return link.with(conn -> {
      List<Future<List<Change>>> reads = new ArrayList<>();
      for (int slot : slots) {
        reads.add(readSlot(conn, consumer, slot, per, from).andThen(ar -> {
          if (ar.failed()) {
            activity.unread(slot);
          } else if (from.equals(">")) {
            activity.read(slot, ar.result().size(), ar.result().size() >= per);
          } else if (ar.result().isEmpty()) {
            activity.pendingEmpty(slot);
          }
        }));
      }
      return gathered(reads);
    });
  }

  private Future<List<Change>> readSlot(RedisConnection conn, String consumer, int slot, int count, String from) {
    String stream = streams.stream(slot);
    Request r = Request.cmd(Command.XREADGROUP).arg("GROUP").arg(GROUP).arg(consumer).arg("COUNT").arg(count)
        .arg("STREAMS").arg(stream).arg(from);
    return link.send(conn, r)
        .recover(e -> noGroup(e) ? createGroup(conn, stream).compose(v -> link.send(conn, r)) : Future.failedFuture(e))
        .map(reply -> tagged(streamEntries(reply, stream), slot));
  }

  private static boolean noGroup(Throwable e) {
    return e.getMessage() != null && e.getMessage().contains("NOGROUP");
  }

  private Future<Void> createGroup(RedisConnection conn, String stream) {
    return link.send(conn, Request.cmd(Command.XGROUP).arg("CREATE").arg(stream).arg(GROUP).arg("0").arg("MKSTREAM"))
        .<Void>mapEmpty()
        .recover(e -> e.getMessage() != null && e.getMessage().contains("BUSYGROUP")
            ? Future.succeededFuture() : Future.failedFuture(e));
  }

  /** XREADGROUP's reply for one stream: {@code [[stream, entries]]} (RESP2) or {@code {stream: entries}} (RESP3). */
  private static List<Change> streamEntries(Response reply, String stream) {
    if (reply == null) {
      return List.of();
    }
    if (reply.isMap()) {
      return entries(reply.get(stream));
    }
    List<Change> out = new ArrayList<>();
    for (Response s : reply) {
      out.addAll(entries(s.get(1)));
    }
    return out;
  }

  private static List<Change> tagged(List<Change> changes, int slot) {
    List<Change> out = new ArrayList<>(changes.size());
    for (Change c : changes) {
      out.add(new Change(c.entryId() + "@" + slot, c.tenant(), c.id(), c.deleted(), c.version(), c.createdAt(), c.parts()));
    }
    return out;
  }

  /** The changes of every slot that answered; fails only when none did (the cluster is unreachable). */
  private static Future<List<Change>> gathered(List<Future<List<Change>>> reads) {
    return Future.join(reads).transform(ar -> {
      List<Change> out = new ArrayList<>();
      Throwable failure = null;
      for (Future<List<Change>> f : reads) {
        if (f.succeeded()) {
          out.addAll(f.result());
        } else {
          failure = f.cause();
        }
      }
      return failure != null && out.isEmpty() && reads.stream().noneMatch(Future::succeeded)
          ? Future.failedFuture(failure) : Future.succeededFuture(out);
    });
  }

  // ---- hints and the sweep ------------------------------------------------------------------------

  /** Slots hinted since the last read of the hints (minus the margin). */
  private Future<List<Integer>> hinted() {
    long now = System.currentTimeMillis();
    long since = activity.hintsReadAt() - HINT_MARGIN_MS;
    Request r = Request.cmd(Command.ZRANGEBYSCORE).arg(streams.hints()).arg(since).arg("+inf");
    return link.with(conn -> link.send(conn, r)).map(reply -> {
      activity.hintsRead(now);
      List<Integer> slots = new ArrayList<>();
      if (reply != null) {
        for (Response s : reply) {
          slots.add(s.toInteger());
        }
      }
      return slots;
    }).otherwise(e -> List.of()); // the hints' node is failing over: read the other slots, hints again next time
  }

  /**
   * At start and every minute: the length of every slot's stream (16 pipelined rounds of 1024 XLEN);
   * a non-empty one is read and claimed from.
   */
  private Future<Void> sweepIfDue() {
    long now = System.currentTimeMillis();
    if (!activity.sweepDue(now, SWEEP_EVERY_MS)) {
      return Future.succeededFuture();
    }
    activity.swept(now - SWEEP_EVERY_MS + SWEEP_RETRY_MS, List.of()); // no second sweep meanwhile
    return sweepFrom(0, new ArrayList<>(), true).compose(complete -> {
      activity.swept(complete.complete ? now : now - SWEEP_EVERY_MS + SWEEP_RETRY_MS, complete.nonEmpty);
      if (!complete.nonEmpty.isEmpty()) {
        LOG.debug("Change streams of {} slots hold entries", complete.nonEmpty.size());
      }
      Request trim = Request.cmd(Command.ZREMRANGEBYSCORE).arg(streams.hints()).arg("-inf").arg(now - HINT_KEEP_MS);
      return link.with(conn -> link.send(conn, trim)).<Void>mapEmpty().otherwiseEmpty();
    });
  }

  private record Sweep(List<Integer> nonEmpty, boolean complete) {
  }

  private Future<Sweep> sweepFrom(int from, List<Integer> nonEmpty, boolean complete) {
    if (from >= RedisSlots.COUNT) {
      return Future.succeededFuture(new Sweep(nonEmpty, complete));
    }
    List<Integer> chunk = new ArrayList<>(SWEEP_CHUNK);
    for (int s = from; s < Math.min(RedisSlots.COUNT, from + SWEEP_CHUNK); s++) {
      chunk.add(s);
    }
    return lengths(chunk).compose(lengths -> {
      lengths.forEach((slot, n) -> {
        if (n > 0) {
          nonEmpty.add(slot);
        }
      });
      return sweepFrom(from + SWEEP_CHUNK, nonEmpty, complete && lengths.size() == chunk.size());
    });
  }

  /** XLEN of each slot's stream, pipelined; slots whose node did not answer are left out. */
  private Future<Map<Integer, Long>> lengths(List<Integer> slots) {
    if (slots.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return link.with(conn -> {
      List<Future<Response>> lens = new ArrayList<>(slots.size());
      for (int slot : slots) {
        lens.add(link.send(conn, Request.cmd(Command.XLEN).arg(streams.stream(slot))));
      }
      return Future.join(lens).transform(ar -> {
        Map<Integer, Long> out = new HashMap<>();
        for (int i = 0; i < slots.size(); i++) {
          if (lens.get(i).succeeded()) {
            Response r = lens.get(i).result();
            out.put(slots.get(i), r == null ? 0L : r.toLong());
          }
        }
        return Future.succeededFuture(out);
      });
    });
  }

  private static List<Integer> first(List<Integer> slots, int n) {
    return slots.size() <= n ? slots : new ArrayList<>(slots.subList(0, n));
  }
}
