package io.sessiond.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Strings and counts packed as one MessagePack array, one script argument that the script unpacks
 * with Redis's built-in {@code cmsgpack.unpack}. An import carries a session's keys and messages this
 * way: one argument instead of one per key id, value and message, which is much less work both for
 * the client (each argument is encoded on its own) and for Redis (each one is parsed and allocated).
 * Strings are written as MessagePack str (fixstr, str16 or str32), numbers as unsigned integers.
 */
final class PackedStrings {
  private byte[] bytes;
  private int length;

  /** @param items the array's length, written first */
  PackedStrings(int items, int expectedBytes) {
    bytes = new byte[Math.max(16, expectedBytes + 5)];
    if (items < 16) {
      bytes[length++] = (byte) (0x90 | items);
    } else if (items < 65536) {
      bytes[length++] = (byte) 0xdc;
      u16(items);
    } else {
      bytes[length++] = (byte) 0xdd;
      u32(items);
    }
  }

  PackedStrings add(String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    room(utf8.length + 5);
    int n = utf8.length;
    if (n < 32) {
      bytes[length++] = (byte) (0xa0 | n);
    } else if (n < 65536) {
      bytes[length++] = (byte) 0xda;
      u16(n);
    } else {
      bytes[length++] = (byte) 0xdb;
      u32(n);
    }
    System.arraycopy(utf8, 0, bytes, length, n);
    length += n;
    return this;
  }

  /** A count (0 .. 2^32 - 1). */
  PackedStrings add(long n) {
    room(5);
    if (n < 128) {
      bytes[length++] = (byte) n;
    } else {
      bytes[length++] = (byte) 0xce;
      u32(n);
    }
    return this;
  }

  byte[] toBytes() {
    return length == bytes.length ? bytes : Arrays.copyOf(bytes, length);
  }

  private void room(int more) {
    if (length + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
    }
  }

  private void u16(int n) {
    bytes[length++] = (byte) (n >>> 8);
    bytes[length++] = (byte) n;
  }

  private void u32(long n) {
    bytes[length++] = (byte) (n >>> 24);
    bytes[length++] = (byte) (n >>> 16);
    bytes[length++] = (byte) (n >>> 8);
    bytes[length++] = (byte) n;
  }
}
