package io.sessiond.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.sessiond.session.Session;
import io.sessiond.session.SessionState;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A GET's document written as bytes is, byte for byte, the text document encoded as UTF-8. */
class SessionBodyTest {
  private static final long MAX_FAST_MS = 253_402_300_800_000L;

  private static void assertSame(Session s) {
    byte[] expected = Representations.session(s).getBytes(StandardCharsets.UTF_8);
    assertArrayEquals(expected, SessionBody.of(s).getBytes(), () -> "for " + s);
    if (s.dataJson() != null) {
      // The same session with its data as a store read it (bytes beside the text), as the Redis store gives it.
      Session read = new Session(s.id(), s.state(), s.dataJson(), s.credsJson(), s.version(), s.createdAt(),
          s.updatedAt(), s.lastActivityAt(), s.ttlSeconds(), s.expiresAt(),
          Buffer.buffer(s.dataJson().getBytes(StandardCharsets.UTF_8)));
      assertArrayEquals(expected, SessionBody.of(read).getBytes(), () -> "read " + s);
    }
  }

  private static Session session(String id, String data, String creds, long version, long ttl, long created,
      long updated, long activity, long expires) {
    return new Session(id, SessionState.CONNECTED, data, creds, version, created, updated, activity, ttl, expires);
  }

  @Test
  void plainSessions_areTheTextDocumentsBytes() {
    assertSame(session("s1", "{\"a\":1}", null, 1, 0, 1, 2, 3, 0));
    assertSame(session("bot:42@tenant+x.y_z-1", "{\"a\":\"é ☃ 😀\",\"b\":[1,2,{\"c\":null}]}", "{\"k\":\"v\"}",
        123_456_789_012L, 86_400, 1_765_000_000_000L, 1_765_000_000_001L, 1_765_000_000_002L, 1_765_086_400_002L));
    assertSame(session("x", "{}", "{}", 0, 0, 0, 0, 0, 0));
    assertSame(session("x", "{}", null, -5, -1, 0, 0, 0, 0));
    assertSame(session("x", "{}", null, Long.MIN_VALUE, Long.MAX_VALUE, 0, 0, 0, MAX_FAST_MS - 1));
    for (SessionState state : SessionState.values()) {
      assertSame(new Session("st", state, "{}", null, 1, 1, 1, 1, 0, 0));
    }
  }

  @Test
  void sessionsTheWriterDoesNotCover_areWrittenByTheTextWriter() {
    Session escaped = session("quote\"back\\slash é", "{}", null, 1, 0, 1, 1, 1, 0);
    Session farFuture = session("x", "{}", null, 1, 0, MAX_FAST_MS, 1, 1, 0);
    Session beforeEpoch = session("x", "{}", null, 1, 0, 1, -1, 1, 0);
    Session expiresFar = session("x", "{}", null, 1, 0, 1, 1, 1, MAX_FAST_MS + 5);
    for (Session s : new Session[] {escaped, farFuture, beforeEpoch, expiresFar}) {
      assertFalse(SessionBody.covered(s), s::toString);
      assertSame(s);
    }
  }

  @Test
  void manyRandomSessions_areTheTextDocumentsBytes() {
    SplittableRandom random = new SplittableRandom(14);
    String[] values = {"1", "\"é\"", "\"☃\"", "\"😀\"", "null", "true", "\"a\\\"b\"", "[1,2]", "{\"x\":\"\\u0001\"}"};
    for (int i = 0; i < 5_000; i++) {
      StringBuilder data = new StringBuilder("{");
      int n = random.nextInt(6);
      for (int k = 0; k < n; k++) {
        data.append(k == 0 ? "" : ",").append("\"k").append(k).append("\":").append(values[random.nextInt(values.length)]);
      }
      data.append('}');
      long expires = random.nextBoolean() ? 0 : random.nextLong(0, MAX_FAST_MS);
      assertSame(session("id" + random.nextInt(1_000_000), data.toString(), random.nextBoolean() ? null : "{}",
          random.nextLong(), random.nextLong(0, 1L << 40), random.nextLong(0, MAX_FAST_MS),
          random.nextLong(0, MAX_FAST_MS), random.nextLong(0, MAX_FAST_MS), expires));
    }
  }

  @Test
  void digits_countWhatLongToStringWrites() {
    SplittableRandom random = new SplittableRandom(3);
    long[] edges = {0, 9, 10, 99, 100, -1, -9, -10, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1};
    for (long v : edges) {
      assertEquals(Long.toString(v).length(), SessionBody.digits(v), () -> "for " + v);
    }
    for (int i = 0; i < 10_000; i++) {
      long v = random.nextLong() >> random.nextInt(64);
      assertEquals(Long.toString(v).length(), SessionBody.digits(v), () -> "for " + v);
    }
  }

  @Test
  void theStoredBytes_areLeftOutOfEqualityAndText() {
    Session plain = session("s", "{\"a\":1}", null, 1, 0, 1, 2, 3, 0);
    Session read = new Session("s", SessionState.CONNECTED, "{\"a\":1}", null, 1, 1, 2, 3, 0, 0,
        Buffer.buffer("{\"a\":1}"));
    assertEquals(plain, read);
    assertEquals(plain.hashCode(), read.hashCode());
    assertEquals(plain.toString(), read.toString());
    assertNotEquals(plain, session("s", "{\"a\":2}", null, 1, 0, 1, 2, 3, 0));
  }
}
