package io.sessiond.store.redis;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What this process knows about the per-slot change streams of a cluster, shared by the store
 * verticles that serve the change feed (calls of one sync worker reach them in turn): slots that had
 * more entries than the last read took, slots where this process holds delivered entries not yet
 * acknowledged, slots whose streams held entries at the last sweep, and when hints and the sweep were
 * last read. Only an optimisation: losing it (a restart) costs a sweep, never a change.
 */
final class SlotActivity {
  private final Set<Integer> carry = new LinkedHashSet<>();
  private final Set<Integer> pending = new LinkedHashSet<>();
  private final Set<Integer> backlog = new LinkedHashSet<>();
  private long hintsReadAt;
  private long sweptAt;
  private long claimedAt;
  private long backlogAt;
  private long counted = -1;
  private boolean counting;

  synchronized long hintsReadAt() {
    return hintsReadAt;
  }

  synchronized void hintsRead(long at) {
    hintsReadAt = at;
  }

  synchronized boolean sweepDue(long now, long everyMs) {
    return now - sweptAt >= everyMs;
  }

  /** A sweep found entries in these slots: read them (new entries) and claim from them (a crashed instance's). */
  synchronized void swept(long at, List<Integer> nonEmpty) {
    sweptAt = at;
    backlog.addAll(nonEmpty);
    carry.addAll(nonEmpty);
  }

  synchronized boolean claimDue(long now, long everyMs) {
    if (now - claimedAt < everyMs) {
      return false;
    }
    claimedAt = now;
    return true;
  }

  /**
   * After a read of new entries: a slot whose read was full is read again, behind the slots that
   * wait for a read already (a read takes the first slots of {@link #carry()}: a busy slot that kept
   * its place would keep the slots after it unread for as long as it stays busy).
   */
  synchronized void read(int slot, int entries, boolean full) {
    carry.remove(slot);
    if (full) {
      carry.add(slot);
    }
    if (entries > 0) {
      pending.add(slot);
      backlog.add(slot);
    }
  }

  /** A slot a read did not reach (or failed on) keeps its place, or takes one at the end. */
  synchronized void unread(int slot) {
    carry.add(slot);
  }

  synchronized void pendingEmpty(int slot) {
    pending.remove(slot);
  }

  synchronized void claimed(int slot, int entries) {
    if (entries > 0) {
      pending.add(slot);
    } else {
      backlog.remove(slot);
    }
  }

  /**
   * The last backlog count while it is younger than {@code everyMs}, or while another count is on its
   * way; else -1, and the caller counts (and reports it with {@link #backlogCounted}).
   */
  synchronized long lastBacklog(long now, long everyMs) {
    if (counted >= 0 && (counting || now - backlogAt < everyMs)) {
      return counted;
    }
    counting = true;
    return -1;
  }

  /** A count asked for at {@code at} ended: its result, or -1 when it failed. */
  synchronized void backlogCounted(long at, long entries) {
    counting = false;
    if (entries >= 0) {
      backlogAt = at;
      counted = entries;
    }
  }

  synchronized List<Integer> carry() {
    return new ArrayList<>(carry);
  }

  synchronized List<Integer> pending() {
    return new ArrayList<>(pending);
  }

  synchronized List<Integer> backlog() {
    return new ArrayList<>(backlog);
  }
}
