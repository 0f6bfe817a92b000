package io.sessiond.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an import document with a streaming parser, its keys in batches: the keys of a large import
 * (millions of them in a few tens of megabytes) are never all on the heap at once, neither as a tree
 * nor as strings. Each call to {@link #next} reads until a batch is full or the document ends; the
 * other members (data, creds, messages, ...) are set aside as their exact text and decoded into one
 * small document at the end ({@link #rest}). Values are checked as {@link KeyBatchReader} checks a
 * key batch's. Not thread-safe: one call at a time (each may run on a different worker thread).
 */
final class ImportReader implements AutoCloseable {
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(1000).build())
      .build();
  /** For a document past {@link BulkWork#THRESHOLD}: up to millions of distinct key ids, not worth interning. */
  private static final JsonFactory LARGE = BulkWork.uninterned(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(1000).build()));
  static final Set<String> FIELDS = Set.of("format", "id", "state", "data", "creds", "ttlSeconds",
      "version", "createdAt", "updatedAt", "keys", "messages", "credsHistory");

  /** Keys read by one {@link #next} call: per type, keyId and value text alternating. */
  record Batch(Map<String, List<String>> pairs, int count) {
  }

  /** The body's bytes: the first {@link #length} of this array ({@link BulkWork#bytes}). */
  private final byte[] bytes;
  private final int length;
  private final JsonParser p;
  private final int batchKeys;
  private final long batchBytes;
  private final Buffer rest = Buffer.buffer().appendString("{");
  private boolean restEmpty = true;
  private boolean inKeys;
  private String type;
  /** Where the keys of {@link #type} are, for a 400 naming a bad key id: made once per type, not per key. */
  private String typePath;
  private boolean done;
  private String idSeen;

  /** A batch ends at {@code batchKeys} keys or once its ids and values pass {@code batchBytes}, whichever first. */
  ImportReader(Buffer body, int batchKeys, long batchBytes) {
    if (body == null || body.length() == 0) {
      throw ApiException.badRequest("the request body is empty; a JSON document is required");
    }
    this.bytes = BulkWork.bytes(body);
    this.length = body.length();
    this.batchKeys = batchKeys;
    this.batchBytes = batchBytes;
    try {
      this.p = StorableText.requireUtf8(factory().createParser(bytes, 0, length));
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw ApiException.badRequest("the request body must be a JSON object");
      }
    } catch (IOException e) {
      throw notJson();
    }
  }

  private JsonFactory factory() {
    return length > BulkWork.THRESHOLD ? LARGE : FACTORY;
  }

  /** Whether the whole document was read. */
  boolean done() {
    return done;
  }

  /** The next keys, at most {@code batchKeys} of them; an empty batch once the document ends. */
  Batch next() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    int n = 0;
    long[] size = {0};
    try {
      while (n < batchKeys && size[0] < batchBytes && !done) {
        if (inKeys) {
          n += nextKey(out, size) ? 1 : 0;
        } else {
          nextMember();
        }
      }
      return new Batch(out, n);
    } catch (IOException e) {
      throw notJson();
    }
  }

  /** The members other than {@code keys}, decoded and checked ({@link StorableJson}); once {@link #done}. */
  JsonObject rest() {
    Object doc = StorableJson.decode(rest.copy().appendString("}"));
    return (JsonObject) doc;
  }

  /**
   * The document's {@code id}: a staged import must know its session before its keys are written.
   * An export names it first; when the keys come first it is read ahead without moving this reader
   * (a second parser skips every other member).
   */
  String sessionId() {
    if (idSeen != null) {
      return idSeen;
    }
    try (JsonParser ahead = factory().createParser(bytes, 0, length)) {
      ahead.nextToken();
      while (ahead.nextToken() == JsonToken.FIELD_NAME) {
        String name = ahead.currentName();
        JsonToken t = ahead.nextToken();
        if ("id".equals(name)) {
          return t == JsonToken.VALUE_STRING ? ahead.getText() : null;
        }
        ahead.skipChildren();
      }
      return null;
    } catch (IOException e) {
      throw notJson();
    }
  }

  @Override
  public void close() {
    try {
      p.close();
    } catch (IOException e) {
      // a parser over a byte array holds nothing to release
    }
  }

  /** One step inside {@code keys}: a type opens or ends, or one key is read (true). */
  private boolean nextKey(Map<String, List<String>> out, long[] size) throws IOException {
    JsonToken t = p.nextToken();
    if (type == null) {
      if (t == JsonToken.END_OBJECT) {
        inKeys = false;
        return false;
      }
      type = Bodies.keyType(p.currentName());
      typePath = "/keys/" + type;
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw ApiException.badRequest("keys of type '" + type + "' must be an object of keyId → value or null");
      }
      return false;
    }
    if (t == JsonToken.END_OBJECT) {
      type = null;
      return false;
    }
    String keyId = Bodies.keyId(p.currentName(), typePath);
    JsonToken value = p.nextToken();
    if (value == JsonToken.VALUE_NULL) {
      throw ApiException.badRequest("'keys." + type + "." + keyId + "' is null; an export holds only present keys");
    }
    List<String> pairs = out.computeIfAbsent(type, k -> new ArrayList<>());
    String text = KeyBatchReader.valueText(p, value, bytes);
    pairs.add(keyId);
    pairs.add(text);
    size[0] += keyId.length() + text.length();
    return true;
  }

  /** One member of the document: {@code keys} opens, anything else is set aside as its text. */
  private void nextMember() throws IOException {
    JsonToken t = p.nextToken();
    if (t == JsonToken.END_OBJECT) {
      if (p.nextToken() != null) {
        throw notJson();
      }
      done = true;
      return;
    }
    String name = p.currentName();
    if (!FIELDS.contains(name)) {
      String reason = StorableText.check(name);
      if (reason != null) {
        throw StorableJson.refusal(p, true, reason);
      }
      throw ApiException.badRequest("the export has an unknown field '" + name + "'; allowed: "
          + String.join(", ", FIELDS.stream().sorted().toList()));
    }
    JsonToken value = p.nextToken();
    if ("keys".equals(name) && value != JsonToken.VALUE_NULL) {
      if (value != JsonToken.START_OBJECT) {
        throw ApiException.badRequest("'keys' must be an object of type → keyId → value");
      }
      inKeys = true;
      return;
    }
    int start = (int) p.currentTokenLocation().getByteOffset();
    if (value.isStructStart()) {
      p.skipChildren();
    } else {
      p.finishToken();
    }
    if ("id".equals(name) && value == JsonToken.VALUE_STRING && idSeen == null) {
      idSeen = p.getText();
    }
    int end = (int) p.currentLocation().getByteOffset();
    if (!restEmpty) {
      rest.appendString(",");
    }
    restEmpty = false;
    rest.appendString("\"").appendString(name).appendString("\":").appendBytes(bytes, start, end - start);
  }

  private static ApiException notJson() {
    return ApiException.badRequest("the request body is not valid JSON");
  }
}
