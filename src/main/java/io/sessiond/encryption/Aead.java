package io.sessiond.encryption;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM with a random 96-bit nonce per seal: {@code nonce ‖ ciphertext ‖ tag}. Random nonces
 * keep a key safe for about 2^32 seals (NIST SP 800-38D); rotating data keys resets the count.
 */
final class Aead {
  static final int NONCE_BYTES = 12;
  static final int TAG_BYTES = 16;
  private static final SecureRandom RANDOM = new SecureRandom();
  /** A Cipher is not thread-safe and costly to look up: one per thread (event loops are few). */
  private static final ThreadLocal<Cipher> CIPHER = ThreadLocal.withInitial(() -> {
    try {
      return Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM has no AES/GCM", e);
    }
  });

  private Aead() {
  }

  static SecretKey key(byte[] raw) {
    return new SecretKeySpec(raw, "AES");
  }

  static SecretKey newKey() {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    return key(raw);
  }

  /** Seals {@code plain}; the result is {@link #NONCE_BYTES} + plain + {@link #TAG_BYTES} long. */
  static byte[] seal(SecretKey key, byte[] plain, byte[] aad) {
    byte[] out = new byte[NONCE_BYTES + plain.length + TAG_BYTES];
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
    try {
      Cipher c = CIPHER.get();
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
      c.updateAAD(aad);
      c.doFinal(plain, 0, plain.length, out, NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM sealing failed", e);
    }
    return out;
  }

  /** The plaintext of {@code sealed[off, off + len)}, or {@code null} when it does not open (wrong key, AAD or bytes). */
  static byte[] open(SecretKey key, byte[] sealed, int off, int len, byte[] aad) {
    if (len < NONCE_BYTES + TAG_BYTES) {
      return null;
    }
    try {
      Cipher c = CIPHER.get();
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, sealed, off, NONCE_BYTES));
      c.updateAAD(aad);
      return c.doFinal(sealed, off + NONCE_BYTES, len - NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      return null;
    }
  }
}
