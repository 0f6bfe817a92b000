package io.sessiond.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.sessiond.session.SessionState;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;

/**
 * Reads a PUT body {@code {data, creds, state, ttlSeconds}} with a streaming parser, slicing
 * {@code data} and {@code creds} out of the request bytes exactly as sent instead of building a tree
 * and encoding it again (the tree and the re-encode were the largest part of a PUT's own CPU).
 * The slices are checked as key batch values are ({@link KeyBatchReader#valueText}: numbers, UTF-8,
 * escapes). Anything this reader does not accept as it stands — any error, a repeated member, a body
 * large enough to be bulk work ({@link BulkWork}) — goes to {@link Bodies.SessionBody#parse} on the tree, so every
 * refusal keeps its one wording; the fast path only ever accepts what that one accepts.
 */
final class SessionBodyReader {
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(1000).build())
      .build();

  private SessionBodyReader() {
  }

  /** The body of a PUT of a session: sliced when it can be, otherwise parsed and checked as a tree. */
  static Bodies.SessionBody read(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    Bodies.SessionBody sliced = body == null || body.length() == 0 || BulkWork.large(body)
        ? null : slice(body.getBytes());
    return sliced != null ? sliced : Bodies.SessionBody.parse(Requests.jsonObject(ctx));
  }

  /** The body's fields with data and creds as sent, or null when the tree path must decide. */
  static Bodies.SessionBody slice(byte[] bytes) {
    try (JsonParser p = FACTORY.createParser(bytes)) {
      if (!(p instanceof com.fasterxml.jackson.core.json.UTF8StreamJsonParser) || p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String data = null;
      String creds = null;
      SessionState state = null;
      Long ttl = null;
      int seen = 0;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        int bit = switch (name) {
          case "data" -> 1;
          case "creds" -> 2;
          case "state" -> 4;
          case "ttlSeconds" -> 8;
          default -> -1;
        };
        if (bit < 0 || (seen & bit) != 0) {
          return null;
        }
        seen |= bit;
        JsonToken t = p.nextToken();
        switch (bit) {
          case 1 -> {
            if (t == JsonToken.START_OBJECT) {
              data = KeyBatchReader.valueText(p, t, bytes);
            } else if (t != JsonToken.VALUE_NULL) {
              return null;
            }
          }
          case 2 -> {
            if (t == JsonToken.START_OBJECT) {
              creds = KeyBatchReader.valueText(p, t, bytes);
            } else if (t == JsonToken.VALUE_NULL) {
              creds = "null";
            } else {
              return null;
            }
          }
          case 4 -> {
            if (t == JsonToken.VALUE_STRING) {
              state = SessionState.parse(p.getText());
              if (state == null) {
                return null;
              }
            } else if (t != JsonToken.VALUE_NULL) {
              return null;
            }
          }
          default -> {
            if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
              long n = p.getLongValue();
              if (n < 0 || n > Bodies.MAX_TTL_SECONDS) {
                return null;
              }
              ttl = n;
            } else if (t != JsonToken.VALUE_NULL) {
              return null;
            }
          }
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        return null;
      }
      return new Bodies.SessionBody(data == null ? "{}" : data, creds, state, ttl);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
