package io.sessiond.session;

/**
 * The shapes of the identifiers every feature validates: session ids
 * ({@code [A-Za-z0-9._@:+-]{1,128}}), key types ({@code [a-z0-9-]{1,64}}) and key ids (1–256 chars
 * of storable text: no U+0000, no lone surrogate).
 * Checked with character loops, not regular expressions: every request checks at least one.
 */
public final class SessionIds {
  public static final int MAX_SESSION_ID_LENGTH = 128;
  public static final int MAX_KEY_TYPE_LENGTH = 64;
  public static final int MAX_KEY_ID_LENGTH = 256;

  private SessionIds() {
  }

  /** 1–128 chars; the punctuation lets WhatsApp JIDs such as {@code 123@s.whatsapp.net} fit. */
  public static boolean isSessionId(String s) {
    if (s == null || s.isEmpty() || s.length() > MAX_SESSION_ID_LENGTH) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(isAlnum(c) || c == '.' || c == '_' || c == '@' || c == ':' || c == '+' || c == '-')) {
        return false;
      }
    }
    return true;
  }

  public static boolean isKeyType(String s) {
    if (s == null || s.isEmpty() || s.length() > MAX_KEY_TYPE_LENGTH) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        return false;
      }
    }
    return true;
  }

  public static boolean isKeyId(String s) {
    return s != null && !s.isEmpty() && s.length() <= MAX_KEY_ID_LENGTH && unstorableAt(s) < 0;
  }

  /**
   * The index of the first char no store keeps faithfully, or -1: U+0000 (PostgreSQL text refuses
   * it) or a lone UTF-16 surrogate (it has no UTF-8 form; the Redis client would write {@code ?}, so
   * two such ids would become one).
   */
  public static int unstorableAt(CharSequence s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != 0 && !Character.isSurrogate(c)) {
        continue;
      }
      if (c != 0 && Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else {
        return i;
      }
    }
    return -1;
  }

  /** Blob names: 1–128 chars of {@code A-Za-z0-9._-} (upload ids have the same shape). */
  public static boolean isBlobName(String s) {
    if (s == null || s.isEmpty() || s.length() > 128) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(isAlnum(c) || c == '.' || c == '_' || c == '-')) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }
}
