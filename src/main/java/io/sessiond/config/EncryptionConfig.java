package io.sessiond.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;

/**
 * Encryption at rest: on when a master key is configured. The master key only wraps the tenants' data
 * keys (docs/encryption.md); it never seals a value itself.
 *
 * @param masterKey         the 256-bit master key ({@code ENCRYPTION_KEY} or the file {@code ENCRYPTION_KEY_FILE}), or {@code null}: off
 * @param previousMasterKey the master key being rotated away from ({@code ENCRYPTION_KEY_PREVIOUS}), or {@code null}
 * @param keyringRefreshMs  how long a replica uses a tenant's data keys before reading them again
 *                          (so every replica seals with a rotated key within this time)
 * @param rotationLeaseMs   how long a data-key rotation whose runner renews nothing is left to it before
 *                          any replica takes it over ({@code ENCRYPTION_ROTATION_LEASE_MS}); the runner renews
 *                          it every third of this
 * @param acceptPlaintext   serve values stored in plain form ({@code ENCRYPTION_ACCEPT_PLAINTEXT}): only while
 *                          a store written before encryption was turned on is being sealed; otherwise such a
 *                          value is refused like one that does not open
 */
public record EncryptionConfig(byte[] masterKey, byte[] previousMasterKey, long keyringRefreshMs,
                               long rotationLeaseMs, boolean acceptPlaintext) {
  /** A master key's length in bytes (AES-256). */
  public static final int KEY_BYTES = 32;

  public boolean enabled() {
    return masterKey != null;
  }

  /** Never prints a key. */
  @Override
  public String toString() {
    return "EncryptionConfig[" + (enabled() ? "on" : "off") + (previousMasterKey != null ? ", rotating" : "")
        + (acceptPlaintext ? ", accepting plaintext" : "")
        + ", keyringRefreshMs=" + keyringRefreshMs + ", rotationLeaseMs=" + rotationLeaseMs + "]";
  }

  static EncryptionConfig from(Settings s) {
    String inline = s.optional("ENCRYPTION_KEY");
    String file = s.optional("ENCRYPTION_KEY_FILE");
    if (inline != null && file != null) {
      throw new ConfigException("ENCRYPTION_KEY_FILE", "set ENCRYPTION_KEY or ENCRYPTION_KEY_FILE, not both");
    }
    byte[] master = inline != null ? key("ENCRYPTION_KEY", inline) : file != null ? key("ENCRYPTION_KEY_FILE", read(file)) : null;
    String previousText = s.optional("ENCRYPTION_KEY_PREVIOUS");
    byte[] previous = previousText == null ? null : key("ENCRYPTION_KEY_PREVIOUS", previousText);
    if (previous != null && master == null) {
      throw new ConfigException("ENCRYPTION_KEY_PREVIOUS", "names the master key being replaced, so it needs the new one in ENCRYPTION_KEY or ENCRYPTION_KEY_FILE");
    }
    if (previous != null && Arrays.equals(previous, master)) {
      throw new ConfigException("ENCRYPTION_KEY_PREVIOUS", "is the same key as the current master key; remove it, or give the new key in ENCRYPTION_KEY");
    }
    boolean acceptPlaintext = s.bool("ENCRYPTION_ACCEPT_PLAINTEXT", false);
    if (acceptPlaintext && master == null) {
      throw new ConfigException("ENCRYPTION_ACCEPT_PLAINTEXT", "only applies with encryption on (ENCRYPTION_KEY or ENCRYPTION_KEY_FILE)");
    }
    return new EncryptionConfig(master, previous, s.longValue("ENCRYPTION_KEYRING_REFRESH_MS", 1000, 100, 60_000),
        s.longValue("ENCRYPTION_ROTATION_LEASE_MS", 30_000, 1_000, 600_000), acceptPlaintext);
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("ENCRYPTION_KEY_FILE", "cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** Decodes a base64 key of exactly 256 bits; the message never quotes the value. */
  private static byte[] key(String setting, String text) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(text.trim());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(setting, "is not base64 (generate a key with: openssl rand -base64 32)");
    }
    if (key.length != KEY_BYTES) {
      throw new ConfigException(setting, "must be 256 bits (32 bytes, base64), not " + key.length + " bytes (generate one with: openssl rand -base64 32)");
    }
    return key;
  }
}
