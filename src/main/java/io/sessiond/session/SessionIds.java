package io.sessiond.session;

import java.util.regex.Pattern;

/** The shapes of the identifiers every feature validates: session ids, key types, key ids. */
public final class SessionIds {
  /** 1–128 chars; the punctuation lets WhatsApp JIDs such as {@code 123@s.whatsapp.net} fit. */
  private static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9._@:+\\-]{1,128}");
  private static final Pattern KEY_TYPE = Pattern.compile("[a-z0-9\\-]{1,64}");
  public static final int MAX_KEY_ID_LENGTH = 256;

  private SessionIds() {
  }

  public static boolean isSessionId(String s) {
    return s != null && SESSION_ID.matcher(s).matches();
  }

  public static boolean isKeyType(String s) {
    return s != null && KEY_TYPE.matcher(s).matches();
  }

  public static boolean isKeyId(String s) {
    return s != null && !s.isEmpty() && s.length() <= MAX_KEY_ID_LENGTH;
  }
}
