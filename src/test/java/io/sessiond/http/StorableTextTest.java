package io.sessiond.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The one-pass check of key values sliced from the request bytes, and of decoded text. */
class StorableTextTest {

  private static String value(String json) throws StorableText.Unstorable {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    return StorableText.value(b, 0, b.length);
  }

  private static byte[] bytes(String before, int[] raw, String after) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
    for (int b : raw) {
      out.write(b);
    }
    out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  private static String reason(byte[] b) {
    return assertThrows(StorableText.Unstorable.class, () -> StorableText.value(b, 0, b.length)).getMessage();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"a\":1}",
      "\"\\u00e9\\u20ac\\ud83d\\ude00\"",
      "\"\\\\u0000\"",
      "\"\\\\\\ud83d\\udE00\\\\\"",
      "\"\\n\\t\\\"\\/\\u0001\\uFFFF\"",
      "\"\u00e9\u20ac\ud83d\ude00\uffff\u0800\u07ff\"",
      "[1.5e308,-0.0,\"x\"]",
  })
  void validValues_comeBackExactly(String json) throws StorableText.Unstorable {
    assertEquals(json, value(json));
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"\\u0000\"", "{\"a\\u0000\":1}", "\"\\\\\\u0000\""})
  void anEscapedNul_isRefused(String json) {
    assertEquals(StorableText.NUL, reason(json.getBytes(StandardCharsets.UTF_8)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"\\ud800\"", "\"\\uDBFFx\"", "\"\\ud800\\u0041\"", "\"\\udc00\"", "\"\\ud800\\ud800\"",
      "\"\\ude00\\ud83d\"", "\"\\ud83d\\\\ude00\""})
  void anEscapedLoneSurrogate_isRefused(String json) {
    assertEquals(StorableText.LONE_SURROGATE, reason(json.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void invalidUtf8_isRefused() {
    int[][] invalid = {
        {0x80}, {0xBF}, {0xC0, 0x80}, {0xC1, 0x81}, {0xE0, 0x80, 0x80}, {0xE0, 0x9F, 0xBF}, {0xED, 0xA0, 0x80},
        {0xED, 0xBF, 0xBF}, {0xF0, 0x80, 0x80, 0x80}, {0xF0, 0x8F, 0xBF, 0xBF}, {0xF4, 0x90, 0x80, 0x80},
        {0xF5, 0x80, 0x80, 0x80}, {0xFF}, {0xC3, 0x28}, {0xE2, 0x82, 0x28}, {0xF0, 0x9F, 0x98, 0x28},
    };
    for (int[] raw : invalid) {
      assertEquals(StorableText.INVALID_UTF8, reason(bytes("\"a", raw, "b\"")), () -> java.util.Arrays.toString(raw));
    }
    assertEquals(StorableText.INVALID_UTF8, reason(bytes("\"", new int[] {0xE2, 0x82}, "")), "cut short at the end");
  }

  /** The eight-bytes-at-a-time run of plain ASCII stops at every kind of byte, wherever it falls. */
  @Test
  void whatFollowsALongPlainRun_isFoundAtEveryOffset() throws StorableText.Unstorable {
    for (int at = 0; at < 40; at++) {
      String plain = "\"" + "a".repeat(at);
      String tail = "b".repeat(17) + "\"";
      String escaped = plain + "\\u0041\\\\" + tail;
      assertEquals(escaped, value(escaped), "escapes after " + at);
      String utf8 = plain + "\u00e9\ud83d\ude00" + tail;
      assertEquals(utf8, value(utf8), "UTF-8 after " + at);
      assertEquals(StorableText.NUL, reason((plain + "\\u0000" + tail).getBytes(StandardCharsets.UTF_8)), "NUL after " + at);
      assertEquals(StorableText.INVALID_UTF8, reason(bytes(plain, new int[] {0xC0, 0xAF}, tail)), "overlong after " + at);
    }
  }

  @Test
  void decodedText_withNulOrALoneSurrogate_isNamed() {
    assertNull(StorableText.check("caf\u00e9 \ud83d\ude00"));
    assertEquals(StorableText.NUL, StorableText.check("a\u0000"));
    assertEquals(StorableText.LONE_SURROGATE, StorableText.check("\ud83d"));
    assertEquals(StorableText.LONE_SURROGATE, StorableText.check("\ude00\ud83d"));
  }
}
