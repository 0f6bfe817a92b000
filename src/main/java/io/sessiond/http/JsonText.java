package io.sessiond.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A small JSON writer for responses. Stored values are JSON text already, so responses splice them
 * in as they are instead of parsing and re-encoding them.
 */
final class JsonText {
  private static final DateTimeFormatter ISO =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final StringBuilder sb;
  private boolean first = true;

  JsonText(int capacity) {
    sb = new StringBuilder(capacity);
  }

  JsonText() {
    this(256);
  }

  JsonText open() {
    sb.append('{');
    first = true;
    return this;
  }

  JsonText close() {
    sb.append('}');
    first = false;
    return this;
  }

  JsonText openArray(String name) {
    name(name).append('[');
    first = true;
    return this;
  }

  JsonText openObject(String name) {
    name(name).append('{');
    first = true;
    return this;
  }

  JsonText closeArray() {
    sb.append(']');
    first = false;
    return this;
  }

  /** Starts an array element (an object or raw JSON follows). */
  JsonText element() {
    comma();
    return this;
  }

  JsonText rawElement(String json) {
    comma();
    sb.append(json);
    return this;
  }

  JsonText stringElement(String s) {
    comma();
    quote(s);
    return this;
  }

  JsonText string(String name, String value) {
    StringBuilder b = name(name);
    if (value == null) {
      b.append("null");
    } else {
      quote(value);
    }
    return this;
  }

  JsonText number(String name, long value) {
    name(name).append(value);
    return this;
  }

  JsonText bool(String name, boolean value) {
    name(name).append(value);
    return this;
  }

  /** A time in epoch milliseconds as ISO-8601 UTC; 0 is written as null when {@code zeroIsNull}. */
  JsonText time(String name, long epochMs, boolean zeroIsNull) {
    if (zeroIsNull && epochMs == 0) {
      return raw(name, null);
    }
    StringBuilder b = name(name);
    if (epochMs < 0 || epochMs >= MAX_FAST_MS) {
      b.append('"').append(iso(epochMs)).append('"');
      return this;
    }
    // Written digit by digit: DateTimeFormatter was the largest single cost of rendering a session.
    long days = epochMs / 86_400_000L;
    int msOfDay = (int) (epochMs % 86_400_000L);
    java.time.LocalDate date = java.time.LocalDate.ofEpochDay(days);
    b.append('"');
    digits(b, date.getYear(), 4).append('-');
    digits(b, date.getMonthValue(), 2).append('-');
    digits(b, date.getDayOfMonth(), 2).append('T');
    digits(b, msOfDay / 3_600_000, 2).append(':');
    digits(b, msOfDay / 60_000 % 60, 2).append(':');
    digits(b, msOfDay / 1000 % 60, 2).append('.');
    digits(b, msOfDay % 1000, 3).append("Z\"");
    return this;
  }

  /** 10000-01-01T00:00:00Z: four-digit years only on the fast path. */
  private static final long MAX_FAST_MS = 253_402_300_800_000L;

  private static StringBuilder digits(StringBuilder b, int value, int width) {
    for (int div = width == 4 ? 1000 : width == 3 ? 100 : 10; div > 0; div /= 10) {
      b.append((char) ('0' + value / div % 10));
    }
    return b;
  }

  /** A value that is JSON text already ({@code null} writes JSON null). */
  JsonText raw(String name, String json) {
    name(name).append(json == null ? "null" : json);
    return this;
  }

  @Override
  public String toString() {
    return sb.toString();
  }

  static String iso(long epochMs) {
    return ISO.format(java.time.Instant.ofEpochMilli(epochMs));
  }

  private StringBuilder name(String name) {
    comma();
    quote(name);
    return sb.append(':');
  }

  private void comma() {
    if (!first) {
      sb.append(',');
    }
    first = false;
  }

  private void quote(String s) {
    sb.append('"');
    if (needsEscape(s)) {
      JsonStringEncoder.getInstance().quoteAsString(s, sb);
    } else {
      sb.append(s);
    }
    sb.append('"');
  }

  private static boolean needsEscape(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f) {
        return true;
      }
    }
    return false;
  }
}
