package io.sessiond.store;

/**
 * Event ids as Redis stream ids: {@code <ms>-<n>}, two whole numbers, ordered by the first
 * then the second. The memory store's log mints the same form, so clients treat both alike.
 */
public final class EventIds {
  /** The id before every other. */
  public static final String ZERO = "0-0";
  /**
   * Digits per part: 15 keeps every part below 2^53, so the Redis scripts compare ids exactly as Lua
   * numbers (a stream id's milliseconds have 13 digits until the year 2286).
   */
  static final int MAX_DIGITS = 15;

  private EventIds() {
  }

  /** Whether {@code id} is a well-formed event id. */
  public static boolean valid(String id) {
    return id != null && parse(id) != null;
  }

  /** Negative, zero or positive as {@code a} is before, equal to or after {@code b} (both valid). */
  public static int compare(String a, String b) {
    long[] x = parse(a);
    long[] y = parse(b);
    int c = Long.compare(x[0], y[0]);
    return c != 0 ? c : Long.compare(x[1], y[1]);
  }

  /**
   * Negative, zero or positive as the id {@code <ms>-<n>} is before, equal to or after {@code b} (valid),
   * without building the id's text.
   */
  public static int compare(long ms, long n, String b) {
    long[] y = parse(b);
    int c = Long.compare(ms, y[0]);
    return c != 0 ? c : Long.compare(n, y[1]);
  }

  /** The id's two parts, or {@code null} when it is not {@code <ms>-<n>} of at most 15 digits each. */
  static long[] parse(String id) {
    int dash = id.indexOf('-');
    if (dash <= 0 || dash == id.length() - 1 || dash > MAX_DIGITS || id.length() - dash - 1 > MAX_DIGITS) {
      return null;
    }
    for (int i = 0; i < id.length(); i++) {
      if (i != dash && (id.charAt(i) < '0' || id.charAt(i) > '9')) {
        return null;
      }
    }
    try {
      return new long[] {Long.parseLong(id.substring(0, dash)), Long.parseLong(id.substring(dash + 1))};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The id of the {@code n}th entry of millisecond {@code ms}. */
  public static String of(long ms, long n) {
    return Long.toString(ms) + "-" + Long.toString(n);
  }
}
