package io.sessiond.encryption;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * How a sealed value is written where a plain one would be. A JSON value becomes the object
 * {@code {"$sealed":"<keyId>.<base64>"}} (valid wherever the store expects JSON, an object where it
 * expects one); a stored message keeps the seq the store gives it, {@code {"seq":N,"$sealed":"…"}};
 * a blob chunk becomes {@code "SDE1" ‖ keyId length ‖ keyId ‖ sealed bytes}.
 */
final class SealedForm {
  private static final String PREFIX = "{\"$sealed\":\"";
  private static final String MESSAGE_MARK = ",\"$sealed\":\"";
  private static final String SUFFIX = "\"}";
  private static final byte[] CHUNK_MAGIC = {'S', 'D', 'E', '1'};

  /** A value in sealed form: the data key's id and the AEAD bytes ({@code null} when the form is damaged). */
  record Parsed(String keyId, byte[] sealed) {
  }

  private SealedForm() {
  }

  static String json(String keyId, byte[] sealed) {
    return PREFIX + keyId + '.' + Base64.getEncoder().encodeToString(sealed) + SUFFIX;
  }

  /** The sealed form of a JSON value, or {@code null} when the text is not in that form. */
  static Parsed json(String text) {
    if (text == null || !text.startsWith(PREFIX) || !text.endsWith(SUFFIX)) {
      return null;
    }
    return body(text, PREFIX.length(), text.length() - SUFFIX.length());
  }

  /** The sealed form of a stored message {@code {"seq":N,"$sealed":"…"}}, or {@code null}. */
  static Parsed message(String stored) {
    int at = stored.indexOf(MESSAGE_MARK);
    if (at < 0 || !stored.startsWith("{\"seq\":") || !stored.endsWith(SUFFIX)
        || stored.indexOf(',') != at) {
      return null;
    }
    return body(stored, at + MESSAGE_MARK.length(), stored.length() - SUFFIX.length());
  }

  private static Parsed body(String text, int from, int to) {
    int dot = text.indexOf('.', from);
    if (dot < 0 || dot >= to) {
      return new Parsed("", null);
    }
    try {
      return new Parsed(text.substring(from, dot), Base64.getDecoder().decode(text.substring(dot + 1, to)));
    } catch (IllegalArgumentException e) {
      return new Parsed(text.substring(from, dot), null);
    }
  }

  static byte[] chunk(String keyId, byte[] sealed) {
    byte[] id = keyId.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[CHUNK_MAGIC.length + 1 + id.length + sealed.length];
    System.arraycopy(CHUNK_MAGIC, 0, out, 0, CHUNK_MAGIC.length);
    out[CHUNK_MAGIC.length] = (byte) id.length;
    System.arraycopy(id, 0, out, CHUNK_MAGIC.length + 1, id.length);
    System.arraycopy(sealed, 0, out, CHUNK_MAGIC.length + 1 + id.length, sealed.length);
    return out;
  }

  /** The key id of a sealed chunk and where its AEAD bytes start, or {@code null} when it is not sealed. */
  static ChunkHeader chunk(byte[] bytes) {
    int head = CHUNK_MAGIC.length + 1;
    if (bytes.length < head) {
      return null;
    }
    for (int i = 0; i < CHUNK_MAGIC.length; i++) {
      if (bytes[i] != CHUNK_MAGIC[i]) {
        return null;
      }
    }
    int idLength = bytes[CHUNK_MAGIC.length] & 0xFF;
    if (bytes.length < head + idLength) {
      return new ChunkHeader("", bytes.length);
    }
    return new ChunkHeader(new String(bytes, head, idLength, StandardCharsets.US_ASCII), head + idLength);
  }

  record ChunkHeader(String keyId, int offset) {
  }
}
