package io.sessiond.encryption;

import java.nio.charset.StandardCharsets;

/**
 * The associated data each sealed value is bound to: tenant, session and field, plus the field's
 * own name (key type and id; blob upload and chunk). Parts are joined by U+0000, which no tenant,
 * session id, key type, key id or upload id can hold, so two different bindings never share bytes.
 * A message is bound without its seq: an import may renumber a window.
 */
final class Aad {
  private static final String VERSION = "sessiond/v1";

  private Aad() {
  }

  static byte[] of(String tenant, String session, String field, String... parts) {
    StringBuilder sb = new StringBuilder(64).append(VERSION).append('\0').append(tenant).append('\0')
        .append(session).append('\0').append(field);
    for (String p : parts) {
      sb.append('\0').append(p);
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  static byte[] data(String tenant, String session) {
    return of(tenant, session, "data");
  }

  static byte[] creds(String tenant, String session) {
    return of(tenant, session, "creds");
  }

  static byte[] key(String tenant, String session, String type, String keyId) {
    return of(tenant, session, "key", type, keyId);
  }

  static byte[] message(String tenant, String session) {
    return of(tenant, session, "message");
  }

  static byte[] blobChunk(String tenant, String session, String uploadId, int index) {
    return of(tenant, session, "blob", uploadId, Integer.toString(index));
  }

  /** The answer recorded under a tenant's Idempotency-Key (not bound to a session: the key is the tenant's). */
  static byte[] answer(String tenant, String idempotencyKey) {
    return of(tenant, "", "answer", idempotencyKey);
  }

  /** A tenant's data key, wrapped by the master key. */
  static byte[] wrappedKey(String tenant, String keyId) {
    return of(tenant, "", "data-key", keyId);
  }

  /** A webhook's signing secret, sealed under the master key. */
  static byte[] webhookSecret(String tenant, String webhookId) {
    return of(tenant, "", "webhook-secret", webhookId);
  }

  /** The master key's canary. */
  static byte[] canary() {
    return of("", "", "canary");
  }
}
