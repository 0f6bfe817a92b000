package io.sessiond.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a key batch {@code {type: {keyId: value or null}}} with a streaming parser, keeping each
 * value's text exactly as sent. Building a tree and re-encoding 100 values was most of the cost of a
 * batch; this parses once, checks every name, and slices the values out of the request bytes. The
 * values are checked in that same pass ({@link StorableText}): the parser checks each number as it
 * steps over it, and decoding a value's bytes into its text checks its UTF-8 and its escapes.
 */
final class KeyBatchReader {
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(1000).build())
      .build();
  /** For a batch past {@link BulkWork#THRESHOLD}: thousands of distinct key ids, not worth interning. */
  private static final JsonFactory LARGE = BulkWork.uninterned(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(1000).build()));

  private KeyBatchReader() {
  }

  /**
   * The batch in {@code body}; 413 once it names more than {@code maxKeys} keys (counted as they are
   * read, so an oversized batch costs no more than the limit's worth of parsing).
   */
  static Map<String, Map<String, String>> read(Buffer body, int maxKeys) {
    if (body == null || body.length() == 0) {
      throw ApiException.badRequest("the request body is empty; a JSON document is required");
    }
    byte[] bytes = BulkWork.bytes(body);
    int length = body.length();
    try (JsonParser p = StorableText.requireUtf8((length > BulkWork.THRESHOLD ? LARGE : FACTORY)
        .createParser(bytes, 0, length))) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw ApiException.badRequest("the request body must be a JSON object");
      }
      Map<String, Map<String, String>> batch = new LinkedHashMap<>();
      int[] left = {maxKeys};
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String type = Bodies.keyType(p.currentName());
        if (p.nextToken() != JsonToken.START_OBJECT) {
          p.skipChildren();
          throw ApiException.badRequest("keys of type '" + type + "' must be an object of keyId → value or null");
        }
        batch.put(type, values(p, bytes, type, left, maxKeys));
      }
      if (p.nextToken() != null) {
        throw ApiException.badRequest("the request body is not valid JSON");
      }
      return batch;
    } catch (IOException e) {
      throw ApiException.badRequest("the request body is not valid JSON");
    }
  }

  private static Map<String, String> values(JsonParser p, byte[] bytes, String type, int[] left, int maxKeys)
      throws IOException {
    Map<String, String> values = new LinkedHashMap<>();
    String where = "/" + type;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      if (--left[0] < 0) {
        throw tooManyKeys(maxKeys);
      }
      String keyId = Bodies.keyId(p.currentName(), where);
      JsonToken t = p.nextToken();
      values.put(keyId, t == JsonToken.VALUE_NULL ? null : valueText(p, t, bytes));
    }
    return values;
  }

  static ApiException tooManyKeys(int maxKeys) {
    return new ApiException(413, "a key batch may hold at most " + maxKeys + " keys (MAX_KEYS_PER_BATCH); split it"
        + " into several batches");
  }

  /**
   * The text of the value whose first token {@code t} the parser is at, exactly as sent (checked:
   * {@link StorableText}); the parser is left on its last token.
   */
  static String valueText(JsonParser p, JsonToken t, byte[] bytes) throws IOException {
    int start = (int) p.currentTokenLocation().getByteOffset();
    if (t.isStructStart()) {
      skipCheckingNumbers(p);
    } else {
      checkNumber(p, t);
      // Strings are decoded lazily: finish the token so the position is past its closing quote.
      p.finishToken();
    }
    int end = (int) p.currentLocation().getByteOffset();
    try {
      return StorableText.value(bytes, start, end);
    } catch (StorableText.Unstorable e) {
      throw StorableJson.refusal(p, false, e.getMessage());
    }
  }

  /** What {@link JsonParser#skipChildren()} does, checking each number on the way; strings stay undecoded. */
  private static void skipCheckingNumbers(JsonParser p) throws IOException {
    int depth = 1;
    while (depth > 0) {
      JsonToken t = p.nextToken();
      if (t == null) {
        return;
      }
      if (t.isStructStart()) {
        depth++;
      } else if (t.isStructEnd()) {
        depth--;
      } else {
        checkNumber(p, t);
      }
    }
  }

  private static void checkNumber(JsonParser p, JsonToken t) throws IOException {
    if (t.isNumeric()) {
      String reason = StorableText.checkNumber(p, t);
      if (reason != null) {
        throw StorableJson.refusal(p, false, reason);
      }
    }
  }
}
