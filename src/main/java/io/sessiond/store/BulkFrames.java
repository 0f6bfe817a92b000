package io.sessiond.store;

import io.vertx.core.buffer.Buffer;

/**
 * Reads values framed as RESP bulk strings one after another ({@code $<bytes>\r\n<UTF-8 bytes>\r\n}), the
 * form in which a restore reads a session's keys and messages from PostgreSQL ({@link FramedKeys},
 * {@link FramedMessages}): a single Redis's direct restore copies such frames into its commands as they are,
 * and reads only their headers for the counts and sizes it needs.
 */
public final class BulkFrames {
  private final Buffer bytes;
  private int from;
  private int next;
  private int start;
  private int length;

  public BulkFrames(Buffer bytes) {
    this.bytes = bytes;
  }

  /** Moves to the next value; false after the last. Frames that do not parse throw. */
  public boolean next() {
    if (next >= bytes.length()) {
      return false;
    }
    from = next;
    if (bytes.getByte(from) != '$') {
      throw corrupt();
    }
    int i = from + 1;
    long n = 0;
    while (true) {
      if (i >= bytes.length()) {
        throw corrupt();
      }
      byte c = bytes.getByte(i++);
      if (c == '\r') {
        break;
      }
      if (c < '0' || c > '9' || i - from > 12) {
        throw corrupt();
      }
      n = n * 10 + (c - '0');
    }
    if (i - from < 3 || i >= bytes.length() || bytes.getByte(i) != '\n' || n > bytes.length()) {
      throw corrupt();
    }
    start = i + 1;
    length = (int) n;
    next = start + length + 2;
    if (next > bytes.length() || bytes.getByte(next - 2) != '\r' || bytes.getByte(next - 1) != '\n') {
      throw corrupt();
    }
    return true;
  }

  /** The current value's size in bytes. */
  public int length() {
    return length;
  }

  /** Where the current frame begins (its {@code $}). */
  public int frameStart() {
    return from;
  }

  /** Where the current frame ends (after its CRLF): the next one's start. */
  public int frameEnd() {
    return next;
  }

  /** The current value as text (UTF-8). */
  public String text() {
    return bytes.getString(start, start + length, "UTF-8");
  }

  private static IllegalArgumentException corrupt() {
    return new IllegalArgumentException("restore frames that do not parse as RESP bulk strings");
  }
}
