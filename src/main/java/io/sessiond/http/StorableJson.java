package io.sessiond.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;

/**
 * Decodes a request body into Vert.x JSON values while checking, as each token is read, that every
 * member name and string is storable text and every number a finite double ({@link StorableText}):
 * one parse, no second walk over the tree. A failure is a 400 naming the field by its JSON pointer.
 */
final class StorableJson {
  private StorableJson() {
  }

  /**
   * The parsers of bodies past {@link BulkWork#THRESHOLD}: Vert.x's own (default limits, comments
   * allowed), but its member names not interned (a 1 MiB object of small members names ~80,000).
   */
  private static final JsonFactory LARGE = BulkWork.uninterned(JsonFactory.builder()
      .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS));

  /** The body as a JsonObject, JsonArray, String, Number, Boolean or null; DecodeException when not JSON. */
  static Object decode(Buffer body) {
    JsonParser parser;
    try {
      parser = StorableText.requireUtf8(BulkWork.large(body) ? LARGE.createParser(body.getBytes())
          : JacksonCodec.createParser(body));
    } catch (IOException e) {
      throw new DecodeException(e.getMessage(), e);
    }
    return JacksonCodec.fromParser(new Checked(parser), Object.class);
  }

  /** The refusal of a value (or, for a member name, of the object holding it) at the parser's position. */
  static ApiException refusal(JsonParser p, boolean memberName, String reason) {
    JsonStreamContext ctx = p.getParsingContext();
    if (memberName) {
      String at = ctx.getParent() == null ? "" : pointer(ctx.getParent());
      return ApiException.badRequest("a member name in " + (at.isEmpty() ? "the body" : at) + " " + reason);
    }
    String at = pointer(ctx);
    return ApiException.badRequest((at.isEmpty() ? "the body" : "the value at " + at) + " " + reason);
  }

  /** The JSON pointer of a context, with any char that cannot be printed replaced by U+FFFD. */
  static String pointer(JsonStreamContext ctx) {
    String pointer = ctx.pathAsPointer().toString();
    StringBuilder sb = null;
    for (int i = 0; i < pointer.length(); i++) {
      char c = pointer.charAt(i);
      if (c < 0x20 || Character.isSurrogate(c)) {
        if (sb == null) {
          sb = new StringBuilder(pointer);
        }
        sb.setCharAt(i, '\uFFFD');
      }
    }
    return sb == null ? pointer : sb.toString();
  }

  /** The parser Vert.x builds its tree from (nextFieldName, nextToken, getText, getNumberValue), checking as it goes. */
  private static final class Checked extends JsonParserDelegate {
    Checked(JsonParser parser) {
      super(parser);
    }

    @Override
    public JsonToken nextToken() throws IOException {
      JsonToken t = delegate.nextToken();
      if (t == JsonToken.FIELD_NAME) {
        checkName(delegate.currentName());
      }
      return t;
    }

    @Override
    public String nextFieldName() throws IOException {
      String name = delegate.nextFieldName();
      if (name != null) {
        checkName(name);
      }
      return name;
    }

    @Override
    public String getText() throws IOException {
      String text = delegate.getText();
      if (delegate.currentToken() == JsonToken.VALUE_STRING) {
        String reason = StorableText.check(text);
        if (reason != null) {
          throw refusal(delegate, false, reason);
        }
      }
      return text;
    }

    @Override
    public Number getNumberValue() throws IOException {
      String reason = StorableText.checkNumber(delegate, delegate.currentToken());
      if (reason != null) {
        throw refusal(delegate, false, reason);
      }
      return delegate.getNumberValue();
    }

    private void checkName(String name) {
      String reason = StorableText.check(name);
      if (reason != null) {
        throw refusal(delegate, true, reason);
      }
    }
  }
}
