package io.sessiond.store.redis;

import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The change streams of Redis Cluster, one per hash slot: {@code <prefix>sync:<slot>:{<tag>}}, where
 * the tag falls in that slot ({@link RedisSlots#tag}). A session script records its change in the
 * stream of its own slot, so the record is written atomically with the change on the node that holds
 * the session (a script may touch one slot only). Which slots have changes is hinted in the sorted set
 * {@code <prefix>sync:slots} (slot → when a change was last recorded there), written after the script;
 * a hint lost in a crash only delays the change until the next full sweep of all slots
 * ({@link SlotChangeFeed}). One object per process, shared by the store verticles: it rate-limits the
 * hints (one per slot per second per process).
 */
final class SlotStreams {
  /** A slot is hinted again at most this often by one process. */
  static final long HINT_EVERY_MS = 1000;

  private final String prefix;
  private final AtomicLongArray lastHint = new AtomicLongArray(RedisSlots.COUNT);

  SlotStreams(String prefix) {
    this.prefix = prefix;
  }

  String prefix() {
    return prefix;
  }

  /** The change stream of {@code slot}. */
  String stream(int slot) {
    return prefix + "sync:" + slot + ":{" + RedisSlots.tag(slot) + "}";
  }

  /** The change stream of the slot {@code sessionKey} lives in. */
  String streamOf(String sessionKey) {
    return stream(RedisSlots.of(sessionKey));
  }

  /** The sorted set of hinted slots. */
  String hints() {
    return prefix + "sync:slots";
  }

  /**
   * After a script recorded a change for {@code sessionKey}: hints its slot unless this process did
   * within {@link #HINT_EVERY_MS}. Sent without waiting for the reply (a lost hint costs latency, not data).
   */
  void hint(RedisLink link, RedisConnection conn, String sessionKey) {
    int slot = RedisSlots.of(sessionKey);
    long now = System.currentTimeMillis();
    long last = lastHint.get(slot);
    if (now - last < HINT_EVERY_MS || !lastHint.compareAndSet(slot, last, now)) {
      return;
    }
    link.send(conn, Request.cmd(Command.ZADD).arg(hints()).arg(now).arg(slot))
        .onFailure(e -> lastHint.compareAndSet(slot, now, 0));
  }
}
