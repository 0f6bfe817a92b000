package io.sessiond.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.impl.types.BulkType;
import io.vertx.redis.client.impl.types.NumberType;
import org.junit.jupiter.api.Test;

/** Numbers in Redis replies: read from a bulk string's bytes as {@link Long#parseLong} reads its text. */
class RedisRepliesTest {
  private static Response bulk(String text) {
    return BulkType.create(Buffer.buffer(text), false);
  }

  @Test
  void number_readsDigitsSignsAndIntegers_asParseLongDoes() {
    for (String text : new String[] {"0", "7", "-1", "42", "1733460000000", "-900719925474099", "123456789012345678",
        "-123456789012345678", "1234567890123456789", "9223372036854775807", "-9223372036854775808", "+5", "007"}) {
      assertEquals(Long.parseLong(text), RedisReplies.number(bulk(text)), text);
    }
    assertEquals(12L, RedisReplies.number(NumberType.create(12L)));
    assertEquals(0L, RedisReplies.number(null));
  }

  @Test
  void text_decodesBulkStringsAsUtf8() {
    String text = "{\"name\":\"Zoë\",\"city\":\"東京\",\"emoji\":\"\uD83D\uDE00\"}";
    assertEquals(text, RedisReplies.text(bulk(text)));
    assertEquals("", RedisReplies.text(bulk("")));
    assertEquals("12", RedisReplies.text(NumberType.create(12L)));
    assertEquals(null, RedisReplies.text(null));
  }

  @Test
  void number_refusesWhatParseLongRefuses() {
    for (String text : new String[] {"", "-", "1a", "a1", " 1", "1.5", "--1", "92233720368547758070"}) {
      assertThrows(NumberFormatException.class, () -> RedisReplies.number(bulk(text)), text);
    }
  }
}
