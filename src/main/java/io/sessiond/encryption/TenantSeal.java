package io.sessiond.encryption;

import io.sessiond.session.StoredMessage;
import io.sessiond.store.StoreException;
import io.sessiond.store.StoreFailure;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import javax.crypto.SecretKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals and opens the values of one tenant with its data keys: new values under the current key,
 * stored ones under the key their form names. A value that does not open is refused (counted,
 * never served) with UNREADABLE; one in plain form is served only when plaintext is accepted
 * (a store that held data before encryption was turned on).
 */
final class TenantSeal {
  private static final Logger LOG = LoggerFactory.getLogger(TenantSeal.class);
  /** A stored value names a data key this replica has not read yet: read the keyring again and retry. */
  static final class UnknownKey extends RuntimeException {
    UnknownKey(String keyId) {
      super(keyId, null, false, false);
    }
  }

  private final TenantKeys keys;
  private final boolean acceptPlaintext;
  private final EncryptionMeters meters;

  TenantSeal(TenantKeys keys, boolean acceptPlaintext, EncryptionMeters meters) {
    this.keys = keys;
    this.acceptPlaintext = acceptPlaintext;
    this.meters = meters;
  }

  String tenant() {
    return keys.tenant();
  }

  String currentKeyId() {
    return keys.current();
  }

  String sealJson(byte[] aad, String json) {
    return SealedForm.json(keys.current(), Aead.seal(keys.currentKey(), json.getBytes(StandardCharsets.UTF_8), aad));
  }

  /** The plain JSON text of a stored value; {@code field} and {@code session} name it in the refusal. */
  String openJson(byte[] aad, String stored, String field, String session) {
    return open(SealedForm.json(stored), aad, stored, field, session);
  }

  String sealData(String session, String json) {
    return sealJson(Aad.data(tenant(), session), json);
  }

  String openData(String session, String stored) {
    return openJson(Aad.data(tenant(), session), stored, "data", session);
  }

  /** Creds: {@code null} (none) stays as it is; absence is not a secret. */
  String sealCreds(String session, String json) {
    return json == null || json.equals("null") ? json : sealJson(Aad.creds(tenant(), session), json);
  }

  String openCreds(String session, String stored) {
    return stored == null ? null : openJson(Aad.creds(tenant(), session), stored, "creds", session);
  }

  String sealKey(String session, String type, String keyId, String json) {
    return json == null ? null : sealJson(Aad.key(tenant(), session, type, keyId), json);
  }

  String openKey(String session, String type, String keyId, String stored) {
    return openJson(Aad.key(tenant(), session, type, keyId), stored, "key", session);
  }

  /** The answer recorded under an Idempotency-Key (status, headers and body, as JSON text). */
  String sealAnswer(String idempotencyKey, String answerJson) {
    return answerJson == null ? null : sealJson(Aad.answer(tenant(), idempotencyKey), answerJson);
  }

  String openAnswer(String idempotencyKey, String stored) {
    return openJson(Aad.answer(tenant(), idempotencyKey), stored, "answer", "");
  }

  /** A message without seq, as appended: the store then writes {@code {"seq":N,"$sealed":…}}. */
  String sealMessage(String session, String jsonWithoutSeq) {
    return sealJson(Aad.message(tenant(), session), jsonWithoutSeq);
  }

  StoredMessage openMessage(String session, StoredMessage m) {
    SealedForm.Parsed p = SealedForm.message(m.json());
    if (p == null && acceptPlaintext) {
      return m;
    }
    return StoredMessage.of(m.seq(), open(p, Aad.message(tenant(), session), m.json(), "message", session));
  }

  /** A stored message in sealed form, keeping its seq. */
  StoredMessage sealStoredMessage(String session, StoredMessage m) {
    String rest = m.json().substring(m.json().indexOf(',') < 0 ? m.json().length() - 1 : m.json().indexOf(',') + 1);
    String withoutSeq = m.json().indexOf(',') < 0 ? "{}" : "{" + rest;
    return StoredMessage.of(m.seq(), sealMessage(session, withoutSeq));
  }

  Buffer sealChunk(String session, String uploadId, int index, Buffer data) {
    byte[] sealed = Aead.seal(keys.currentKey(), data.getBytes(), Aad.blobChunk(tenant(), session, uploadId, index));
    return Buffer.buffer(SealedForm.chunk(keys.current(), sealed));
  }

  Buffer openChunk(String session, String uploadId, int index, Buffer stored) {
    byte[] bytes = stored.getBytes();
    SealedForm.ChunkHeader h = SealedForm.chunk(bytes);
    if (h == null) {
      if (acceptPlaintext) {
        return stored;
      }
      throw refused("blob", session);
    }
    byte[] plain = Aead.open(key(h.keyId(), "blob", session), bytes, h.offset(), bytes.length - h.offset(),
        Aad.blobChunk(tenant(), session, uploadId, index));
    if (plain == null) {
      throw refused("blob", session);
    }
    return Buffer.buffer(plain);
  }

  /** The key id a stored JSON value is sealed under, or {@code null} when it is in plain form. */
  static String keyIdOf(String stored) {
    SealedForm.Parsed p = SealedForm.json(stored);
    return p == null ? null : p.keyId();
  }

  static String keyIdOfMessage(StoredMessage m) {
    SealedForm.Parsed p = SealedForm.message(m.json());
    return p == null ? null : p.keyId();
  }

  static String keyIdOfChunk(Buffer chunk) {
    SealedForm.ChunkHeader h = SealedForm.chunk(chunk.getBytes(0, Math.min(chunk.length(), 300)));
    return h == null ? null : h.keyId();
  }

  private String open(SealedForm.Parsed p, byte[] aad, String stored, String field, String session) {
    if (p == null) {
      if (acceptPlaintext) {
        return stored;
      }
      throw refused(field, session);
    }
    if (p.sealed() == null) {
      throw refused(field, session);
    }
    byte[] plain = Aead.open(key(p.keyId(), field, session), p.sealed(), 0, p.sealed().length, aad);
    if (plain == null) {
      throw refused(field, session);
    }
    return new String(plain, StandardCharsets.UTF_8);
  }

  private SecretKey key(String keyId, String field, String session) {
    SecretKey k = keys.keys().get(keyId);
    if (k == null) {
      if (keyId.startsWith("k") && keyId.length() < 12) {
        throw new UnknownKey(keyId);
      }
      throw refused(field, session);
    }
    return k;
  }

  private StoreException refused(String field, String session) {
    meters.rejected(field);
    String which = session.isEmpty() ? "a stored " + field + " value" : "a stored " + field + " value of session '" + session + "'";
    LOG.warn("{} of tenant '{}' does not open and is not served (sealed for another session or field, altered,"
        + " or sealed under a key this daemon does not hold)", which, tenant());
    return new StoreException(StoreFailure.UNREADABLE, which
        + " does not open: it was sealed for another session or field, altered, or sealed under a key this"
        + " daemon does not hold; it is not served");
  }

}
