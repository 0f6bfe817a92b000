package io.sessiond.http;

import io.netty.buffer.Unpooled;
import io.sessiond.session.Session;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;

/**
 * A session's document ({@link Representations#session}) written as bytes from the start, for GET: one array
 * of the exact size, the stored data copied into it as the bytes the store read (the Redis reply's,
 * {@link Session#dataUtf8}) or encoded once from its text, the other fields written byte by byte, and
 * the array handed to the response as it is. The bytes are those of {@link Representations#session} encoded as
 * UTF-8, always: a session this writer does not cover (an id that JSON must escape, a time outside years
 * 0000–9999) is written by that method instead.
 */
final class SessionBody {
  private static final byte[] ID = ascii("{\"id\":\"");
  private static final byte[] STATE = ascii("\",\"state\":\"");
  private static final byte[] DATA = ascii("\",\"data\":");
  private static final byte[] HAS_CREDS_TRUE = ascii(",\"hasCreds\":true,\"version\":");
  private static final byte[] HAS_CREDS_FALSE = ascii(",\"hasCreds\":false,\"version\":");
  private static final byte[] TTL = ascii(",\"ttlSeconds\":");
  private static final byte[] CREATED = ascii(",\"createdAt\":\"");
  private static final byte[] UPDATED = ascii("\",\"updatedAt\":\"");
  private static final byte[] ACTIVITY = ascii("\",\"lastActivityAt\":\"");
  private static final byte[] EXPIRES = ascii("\",\"expiresAt\":");
  private static final byte[] NULL = ascii("null");
  /** yyyy-MM-ddTHH:mm:ss.SSSZ */
  private static final int TIME = 24;
  /** 10000-01-01T00:00:00Z, as {@link JsonText}'s fast path. */
  private static final long MAX_FAST_MS = 253_402_300_800_000L;

  private SessionBody() {
  }

  static Buffer of(Session s) {
    if (!covered(s)) {
      return Buffer.buffer(Representations.session(s));
    }
    Buffer stored = s.dataUtf8();
    byte[] text = stored == null && s.dataJson() != null ? s.dataJson().getBytes(StandardCharsets.UTF_8) : null;
    int dataLength = stored != null ? stored.length() : text != null ? text.length : NULL.length;
    String id = s.id();
    String state = s.state().wire();
    boolean creds = s.credsJson() != null;
    int size = ID.length + id.length() + STATE.length + state.length() + DATA.length + dataLength
        + (creds ? HAS_CREDS_TRUE.length : HAS_CREDS_FALSE.length) + digits(s.version()) + TTL.length
        + digits(s.ttlSeconds()) + CREATED.length + TIME + UPDATED.length + TIME + ACTIVITY.length + TIME
        + EXPIRES.length + (s.expiresAt() == 0 ? NULL.length : TIME + 2) + 1;
    byte[] b = new byte[size];
    int at = put(b, 0, ID);
    at = ascii(b, at, id);
    at = put(b, at, STATE);
    at = ascii(b, at, state);
    at = put(b, at, DATA);
    if (stored != null) {
      stored.getBytes(0, dataLength, b, at);
      at += dataLength;
    } else {
      at = put(b, at, text != null ? text : NULL);
    }
    at = put(b, at, creds ? HAS_CREDS_TRUE : HAS_CREDS_FALSE);
    at = number(b, at, s.version());
    at = put(b, at, TTL);
    at = number(b, at, s.ttlSeconds());
    at = put(b, at, CREATED);
    at = time(b, at, s.createdAt());
    at = put(b, at, UPDATED);
    at = time(b, at, s.updatedAt());
    at = put(b, at, ACTIVITY);
    at = time(b, at, s.lastActivityAt());
    at = put(b, at, EXPIRES);
    if (s.expiresAt() == 0) {
      at = put(b, at, NULL);
    } else {
      b[at++] = '"';
      at = time(b, at, s.expiresAt());
      b[at++] = '"';
    }
    b[at++] = '}';
    if (at != size) {
      throw new IllegalStateException("session body of " + at + " bytes, " + size + " counted");
    }
    return BufferInternal.buffer(Unpooled.wrappedBuffer(b));
  }

  /** Whether {@link #of} writes this session itself: an id and state of plain ASCII, times of four-digit years. */
  static boolean covered(Session s) {
    return s.id() != null && plain(s.id()) && plain(s.state().wire()) && fast(s.createdAt()) && fast(s.updatedAt())
        && fast(s.lastActivityAt()) && (s.expiresAt() == 0 || fast(s.expiresAt()));
  }

  private static boolean fast(long epochMs) {
    return epochMs >= 0 && epochMs < MAX_FAST_MS;
  }

  /** Printable ASCII that JSON does not escape (as {@link JsonText}'s check). */
  private static boolean plain(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  private static int put(byte[] b, int at, byte[] part) {
    System.arraycopy(part, 0, b, at, part.length);
    return at + part.length;
  }

  private static int ascii(byte[] b, int at, String s) {
    for (int i = 0; i < s.length(); i++) {
      b[at++] = (byte) s.charAt(i);
    }
    return at;
  }

  /** How many characters {@link Long#toString(long)} writes. */
  static int digits(long v) {
    if (v == Long.MIN_VALUE) {
      return 20;
    }
    int n = v < 0 ? 2 : 1;
    long a = Math.abs(v);
    while (a >= 10) {
      a /= 10;
      n++;
    }
    return n;
  }

  private static int number(byte[] b, int at, long v) {
    if (v == Long.MIN_VALUE) {
      return put(b, at, ascii(Long.toString(v)));
    }
    int n = digits(v);
    int end = at + n;
    if (v < 0) {
      b[at] = '-';
      v = -v;
    }
    int i = end;
    do {
      b[--i] = (byte) ('0' + v % 10);
      v /= 10;
    } while (v != 0);
    return end;
  }

  /** A time as {@link JsonText#time} writes it on its fast path, without the quotes. */
  private static int time(byte[] b, int at, long epochMs) {
    long days = epochMs / 86_400_000L;
    int msOfDay = (int) (epochMs % 86_400_000L);
    java.time.LocalDate date = java.time.LocalDate.ofEpochDay(days);
    at = fixed(b, at, date.getYear(), 4);
    b[at++] = '-';
    at = fixed(b, at, date.getMonthValue(), 2);
    b[at++] = '-';
    at = fixed(b, at, date.getDayOfMonth(), 2);
    b[at++] = 'T';
    at = fixed(b, at, msOfDay / 3_600_000, 2);
    b[at++] = ':';
    at = fixed(b, at, msOfDay / 60_000 % 60, 2);
    b[at++] = ':';
    at = fixed(b, at, msOfDay / 1000 % 60, 2);
    b[at++] = '.';
    at = fixed(b, at, msOfDay % 1000, 3);
    b[at++] = 'Z';
    return at;
  }

  private static int fixed(byte[] b, int at, int value, int width) {
    for (int div = width == 4 ? 1000 : width == 3 ? 100 : 10; div > 0; div /= 10) {
      b[at++] = (byte) ('0' + value / div % 10);
    }
    return at;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
