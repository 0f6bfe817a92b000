package io.sessiond.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The order in which a cluster's busy change streams are read: a read takes the first slots of the
 * carry list, so slots that stay busy must not keep the others unread.
 */
class SlotActivityTest {

  /** What {@code SlotChangeFeed.read} does with the carry list: the first {@code per} slots read full, the rest not reached. */
  private static List<Integer> readFull(SlotActivity activity, int per) {
    List<Integer> candidates = activity.carry();
    List<Integer> slots = candidates.subList(0, Math.min(per, candidates.size()));
    candidates.subList(slots.size(), candidates.size()).forEach(activity::unread);
    slots.forEach(slot -> activity.read(slot, 1, true));
    return List.copyOf(slots);
  }

  @Test
  void busySlots_takeTurns_everySlotIsReadWithinTwoReads() {
    SlotActivity activity = new SlotActivity();
    activity.swept(0, java.util.stream.IntStream.range(0, 600).boxed().toList());
    Set<Integer> read = new HashSet<>(readFull(activity, 512));
    List<Integer> second = readFull(activity, 512);
    assertEquals(88, second.stream().filter(s -> s >= 512).count(), "the slots the first read did not reach come first");
    assertEquals(512, second.get(0), "second read starts where the first stopped: " + second.subList(0, 5));
    read.addAll(second);
    assertEquals(600, read.size(), "every busy slot read within two reads");
  }

  @Test
  void aSlotReadEmpty_leavesTheCarry_aSlotNotReached_keepsItsPlace() {
    SlotActivity activity = new SlotActivity();
    activity.swept(0, List.of(1, 2, 3));
    activity.read(1, 0, false);
    activity.unread(2);
    activity.read(3, 5, true);
    assertEquals(List.of(2, 3), activity.carry());
    assertTrue(activity.pending().contains(3));
    assertEquals(List.of(3), activity.pending());
  }

  @Test
  void theBacklog_isCountedAtMostOncePerInterval_andAFailedCountIsNotKept() {
    SlotActivity activity = new SlotActivity();
    assertEquals(-1, activity.lastBacklog(0, 1000), "nothing counted yet: the caller counts");
    activity.backlogCounted(0, 42);
    assertEquals(42, activity.lastBacklog(999, 1000), "younger than the interval: the last count");
    assertEquals(-1, activity.lastBacklog(1000, 1000), "as old as the interval: counted again");
    assertEquals(42, activity.lastBacklog(1001, 1000), "while that count is on its way: the last one");
    activity.backlogCounted(1000, -1);
    assertEquals(-1, activity.lastBacklog(1002, 1000), "a failed count leaves the old one expired: counted again");
    activity.backlogCounted(1002, 7);
    assertEquals(7, activity.lastBacklog(1500, 1000));
  }
}
