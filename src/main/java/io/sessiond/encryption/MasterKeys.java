package io.sessiond.encryption;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.SecretKey;

/**
 * The master key (and, while it is rotated, the one before it): wraps the tenants' data keys and
 * seals the canary that tells a daemon whether it holds the key the store's data was sealed under.
 */
final class MasterKeys {
  private static final byte[] CANARY = "sessiond master key".getBytes(StandardCharsets.US_ASCII);
  private final SecretKey current;
  private final SecretKey previous;

  MasterKeys(byte[] current, byte[] previous) {
    this.current = Aead.key(current);
    this.previous = previous == null ? null : Aead.key(previous);
  }

  /** Which master key opened a wrapped key or the canary. */
  enum Opened { CURRENT, PREVIOUS, NEITHER }

  record Unwrapped(SecretKey key, Opened by) {
  }

  String wrap(String tenant, String keyId, SecretKey dataKey) {
    return Base64.getEncoder().encodeToString(Aead.seal(current, dataKey.getEncoded(), Aad.wrappedKey(tenant, keyId)));
  }

  /** The data key, and which master key opened it; {@code by} is NEITHER (and key null) when none does. */
  Unwrapped unwrap(String tenant, String keyId, String wrapped) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(wrapped);
    } catch (IllegalArgumentException e) {
      return new Unwrapped(null, Opened.NEITHER);
    }
    byte[] aad = Aad.wrappedKey(tenant, keyId);
    byte[] raw = Aead.open(current, bytes, 0, bytes.length, aad);
    if (raw != null) {
      return new Unwrapped(Aead.key(raw), Opened.CURRENT);
    }
    raw = previous == null ? null : Aead.open(previous, bytes, 0, bytes.length, aad);
    return raw == null ? new Unwrapped(null, Opened.NEITHER) : new Unwrapped(Aead.key(raw), Opened.PREVIOUS);
  }

  /** {@code plain} sealed under the current master key, bound to {@code aad}, in base64. */
  String seal(byte[] plain, byte[] aad) {
    return Base64.getEncoder().encodeToString(Aead.seal(current, plain, aad));
  }

  /** What {@link #seal} sealed, opened by the current or the previous master key; {@code null} when neither opens it. */
  byte[] open(String sealed, byte[] aad) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(sealed);
    } catch (IllegalArgumentException e) {
      return null;
    }
    byte[] raw = Aead.open(current, bytes, 0, bytes.length, aad);
    return raw != null || previous == null ? raw : Aead.open(previous, bytes, 0, bytes.length, aad);
  }

  String canary() {
    return Base64.getEncoder().encodeToString(Aead.seal(current, CANARY, Aad.canary()));
  }

  Opened openCanary(String canary) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(canary);
    } catch (IllegalArgumentException | NullPointerException e) {
      return Opened.NEITHER;
    }
    if (Aead.open(current, bytes, 0, bytes.length, Aad.canary()) != null) {
      return Opened.CURRENT;
    }
    return previous != null && Aead.open(previous, bytes, 0, bytes.length, Aad.canary()) != null
        ? Opened.PREVIOUS : Opened.NEITHER;
  }
}
