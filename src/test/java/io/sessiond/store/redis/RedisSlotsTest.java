package io.sessiond.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Redis Cluster's key-to-slot function and the per-slot tags the change streams are named with. */
class RedisSlotsTest {

  @Test
  void slots_matchRedisClusterKeyslot() {
    // Values of CLUSTER KEYSLOT on a real Redis.
    assertEquals(12182, RedisSlots.of("foo"));
    assertEquals(12739, RedisSlots.of("123456789"));
    assertEquals(RedisSlots.of("acme:abc"), RedisSlots.of("sessiond:{acme:abc}:meta"));
    assertEquals(RedisSlots.of("{}x"), RedisSlots.of("{}x"));
    assertEquals(RedisSlots.of("a"), RedisSlots.of("x{a}y{b}"));
  }

  @Test
  void everySlot_hasATagInIt_andItsStreamLivesThere() {
    SlotStreams streams = new SlotStreams("p:");
    for (int slot = 0; slot < RedisSlots.COUNT; slot++) {
      assertEquals(slot, RedisSlots.of(RedisSlots.tag(slot)));
      assertEquals(slot, RedisSlots.of(streams.stream(slot)));
    }
    String session = "p:{acme:4915123456789@s.whatsapp.net}";
    assertEquals(RedisSlots.of(session), RedisSlots.of(streams.streamOf(session)));
  }
}
