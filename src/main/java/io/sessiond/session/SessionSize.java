package io.sessiond.session;

/**
 * UTF-8 byte lengths for the tenant byte limit, counted without encoding the text: every backend
 * sizes every write, so this must not allocate.
 */
public final class SessionSize {
  private SessionSize() {
  }

  /**
   * The number of bytes {@code text.getBytes(UTF_8)} would produce; 0 for {@code null}. A lone
   * surrogate counts 1 byte, because the JDK encoder replaces it with {@code '?'}.
   */
  public static long utf8Length(String text) {
    if (text == null) {
      return 0;
    }
    long bytes = 0;
    int length = text.length();
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        bytes += 1;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
