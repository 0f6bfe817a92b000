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
    return string(name, zeroIsNull && epochMs == 0 ? null : iso(epochMs));
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
    JsonStringEncoder.getInstance().quoteAsString(s, sb);
    sb.append('"');
  }
}
