package io.sessiond.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.UTF8StreamJsonParser;
import io.sessiond.session.SessionIds;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * What every store can keep faithfully — Redis, PostgreSQL {@code text}, the file journal, an export
 * read back by any JSON parser: Unicode text without U+0000 (PostgreSQL refuses it) and without lone
 * UTF-16 surrogates (they have no UTF-8 form: the Redis client writes {@code ?}), valid UTF-8 bytes,
 * and numbers a 64-bit float holds (I-JSON, RFC 7493). Each check answers what is wrong, or
 * {@code null}; the caller names the field.
 */
final class StorableText {
  static final String NUL = "holds U+0000 (NUL), which PostgreSQL cannot store";
  static final String LONE_SURROGATE = "holds a lone UTF-16 surrogate (\\uD800-\\uDFFF without its pair), which has no UTF-8 form";
  static final String INVALID_UTF8 = "holds bytes that are not valid UTF-8";
  static final String NUMBER_TOO_LARGE = "holds a number beyond the range of a 64-bit float (about 1.8e308); numbers must be finite";
  static final String NUMBER_TOO_SMALL = "holds a number too close to 0 for a 64-bit float (it would be stored as 0)";

  /** A JSON value that cannot be stored faithfully, with the reason (one of the constants). */
  static final class Unstorable extends Exception {
    Unstorable(String reason) {
      super(reason, null, false, false);
    }
  }

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private StorableText() {
  }

  /**
   * Refuses a body the parser detected as UTF-16 or UTF-32: JSON between systems is UTF-8 (RFC 8259
   * section 8.1), and key batch values are sliced out of the bytes by UTF-8 offsets.
   */
  static JsonParser requireUtf8(JsonParser p) throws IOException {
    if (!(p instanceof UTF8StreamJsonParser)) {
      p.close();
      throw ApiException.badRequest("the request body must be JSON in UTF-8");
    }
    return p;
  }

  /** What is wrong with a decoded string, or {@code null}. */
  static String check(CharSequence s) {
    int at = SessionIds.unstorableAt(s);
    if (at < 0) {
      return null;
    }
    return s.charAt(at) == 0 ? NUL : LONE_SURROGATE;
  }

  /** What is wrong with the number token the parser is on, or {@code null}; cheap for ordinary numbers. */
  static String checkNumber(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_FLOAT) {
      double d = p.getDoubleValue();
      if (Double.isInfinite(d) || Double.isNaN(d)) {
        return NUMBER_TOO_LARGE;
      }
      return d == 0 && hasNonZeroMantissa(p.getText()) ? NUMBER_TOO_SMALL : null;
    }
    // An integer of 309 digits or more may be beyond a double; shorter ones never are.
    if (t == JsonToken.VALUE_NUMBER_INT && p.getTextLength() > 308) {
      BigInteger big = p.getBigIntegerValue();
      return Double.isInfinite(big.doubleValue()) ? NUMBER_TOO_LARGE : null;
    }
    return null;
  }

  private static boolean hasNonZeroMantissa(String number) {
    for (int i = 0; i < number.length(); i++) {
      char c = number.charAt(i);
      if (c == 'e' || c == 'E') {
        return false;
      }
      if (c >= '1' && c <= '9') {
        return true;
      }
    }
    return false;
  }

  /**
   * The text of a JSON value sliced out of the request bytes {@code [from, to)}, decoded and checked
   * in one pass over them: strict UTF-8 (no overlong forms, no encoded surrogates, nothing past
   * U+10FFFF), and no escaped {@code \u0000} or escaped lone surrogate. The parser has already
   * checked the JSON syntax, escapes included; the text is kept exactly as sent, escapes and all.
   */
  static String value(byte[] b, int from, int to) throws Unstorable {
    // Most values (Baileys' base64 Buffers) are ASCII without escapes: those are copied as they are.
    int i = plainPrefix(b, from, to);
    if (i == to) {
      return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
    }
    char[] out = new char[to - from];
    int n = i - from;
    for (int k = from; k < i; k++) {
      out[k - from] = (char) b[k];
    }
    while (i < to) {
      int c = b[i];
      if (c >= 0) {
        out[n++] = (char) c;
        i++;
        if (c == '\\') {
          int escaped = escape(b, i, to);
          for (int k = 0; k < escaped; k++) {
            out[n++] = (char) b[i++];
          }
        }
        continue;
      }
      int cp = codePoint(b, i, to);
      i += utf8Length(c & 0xFF);
      if (cp >= 0x10000) {
        out[n++] = Character.highSurrogate(cp);
        out[n++] = Character.lowSurrogate(cp);
      } else {
        out[n++] = (char) cp;
      }
    }
    return new String(out, 0, n);
  }

  /**
   * The end of the leading run of ASCII bytes other than a backslash, read eight bytes at a time: a
   * byte loop here cost a third of the time of parsing a batch of base64 values.
   */
  private static int plainPrefix(byte[] b, int from, int to) {
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long w = (long) LONGS.get(b, i);
      long backslashes = w ^ 0x5C5C5C5C5C5C5C5CL;
      // A byte >= 0x80 in w, or a zero byte in backslashes (a '\\' in w), stops the fast run.
      if (((w | ((backslashes - 0x0101010101010101L) & ~backslashes)) & 0x8080808080808080L) != 0) {
        break;
      }
    }
    while (i < to && b[i] >= 0 && b[i] != '\\') {
      i++;
    }
    return i;
  }

  /** The bytes after a backslash that belong to its escape (two escapes for a surrogate pair). */
  private static int escape(byte[] b, int i, int to) throws Unstorable {
    if (b[i] != 'u') {
      return 1;
    }
    int unit = hex4(b, i + 1);
    if (unit == 0) {
      throw new Unstorable(NUL);
    }
    if (Character.isLowSurrogate((char) unit)) {
      throw new Unstorable(LONE_SURROGATE);
    }
    if (!Character.isHighSurrogate((char) unit)) {
      return 5;
    }
    boolean paired = i + 10 < to && b[i + 5] == '\\' && b[i + 6] == 'u'
        && Character.isLowSurrogate((char) hex4(b, i + 7));
    if (!paired) {
      throw new Unstorable(LONE_SURROGATE);
    }
    return 11;
  }

  private static int hex4(byte[] b, int i) {
    return Character.digit(b[i], 16) << 12 | Character.digit(b[i + 1], 16) << 8
        | Character.digit(b[i + 2], 16) << 4 | Character.digit(b[i + 3], 16);
  }

  private static int utf8Length(int lead) {
    return lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  }

  /** The code point of the multi-byte sequence at {@code i}, by the well-formed sequences of Unicode's table 3-7. */
  private static int codePoint(byte[] b, int i, int to) throws Unstorable {
    int lead = b[i] & 0xFF;
    int len = utf8Length(lead);
    if (lead < 0xC2 || lead > 0xF4 || i + len > to) {
      throw new Unstorable(INVALID_UTF8);
    }
    int second = b[i + 1] & 0xFF;
    int low = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
    int high = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
    if (second < low || second > high) {
      throw new Unstorable(INVALID_UTF8);
    }
    int cp = lead & (0x7F >> len);
    for (int k = 1; k < len; k++) {
      int cont = b[i + k] & 0xFF;
      if ((cont & 0xC0) != 0x80) {
        throw new Unstorable(INVALID_UTF8);
      }
      cp = cp << 6 | (cont & 0x3F);
    }
    return cp;
  }
}
