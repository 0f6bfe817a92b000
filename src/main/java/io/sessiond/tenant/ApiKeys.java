package io.sessiond.tenant;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** API-key digests and generation. Only digests are ever kept. */
public final class ApiKeys {
  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeys() {
  }

  /** Lower-case hex SHA-256 of the key's UTF-8 bytes. */
  public static String digest(String key) {
    return HexFormat.of().formatHex(SHA256.get().digest(key.getBytes(StandardCharsets.UTF_8)));
  }

  /** One digest per thread: every request hashes its key, and getInstance is not free. */
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  });

  /** A new random key: 32 bytes, URL-safe base64, prefixed so it is recognisable in a config file. */
  public static String generate() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return "sk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
