package io.sessiond.store.redis;

import java.nio.charset.StandardCharsets;

/**
 * Redis Cluster's key-to-slot function (CRC16/XMODEM of the key's hash tag, modulo 16384) and, for
 * every slot, a short hash tag that falls in it: a key named {@code …{tag}} then lives in that slot,
 * so a session script can write a key of its own slot that is not one of its session's keys (the
 * slot's change stream).
 */
final class RedisSlots {
  static final int COUNT = 16384;
  private static final int[] TABLE = new int[256];
  private static final String[] TAGS = new String[COUNT];

  static {
    for (int i = 0; i < 256; i++) {
      int crc = i << 8;
      for (int b = 0; b < 8; b++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
      }
      TABLE[i] = crc & 0xffff;
    }
    // Base-36 counters hit every slot within a few hundred thousand tries (a few milliseconds, once).
    int found = 0;
    for (long n = 0; found < COUNT; n++) {
      String tag = Long.toString(n, 36);
      int slot = crc16(tag.getBytes(StandardCharsets.UTF_8), 0, tag.length()) % COUNT;
      if (TAGS[slot] == null) {
        TAGS[slot] = tag;
        found++;
      }
    }
  }

  private RedisSlots() {
  }

  /** The slot of a key: its hash tag (the first non-empty {…}) when it has one, else the whole key. */
  static int of(String key) {
    byte[] b = key.getBytes(StandardCharsets.UTF_8);
    int open = indexOf(b, (byte) '{', 0);
    if (open >= 0) {
      int close = indexOf(b, (byte) '}', open + 1);
      if (close > open + 1) {
        return crc16(b, open + 1, close) % COUNT;
      }
    }
    return crc16(b, 0, b.length) % COUNT;
  }

  /** A hash tag (without braces) whose keys live in {@code slot}. */
  static String tag(int slot) {
    return TAGS[slot];
  }

  private static int indexOf(byte[] b, byte c, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }

  private static int crc16(byte[] b, int from, int to) {
    int crc = 0;
    for (int i = from; i < to; i++) {
      crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ b[i]) & 0xff]) & 0xffff;
    }
    return crc;
  }
}
