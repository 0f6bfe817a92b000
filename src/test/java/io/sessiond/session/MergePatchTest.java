package io.sessiond.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class MergePatchTest {

  /** The test cases of RFC 7396, appendix A: original | patch | result. */
  @ParameterizedTest(name = "{0} + {1} = {2}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "{\"a\":\"b\"}            | {\"a\":\"c\"}            | {\"a\":\"c\"}",
      "{\"a\":\"b\"}            | {\"b\":\"c\"}            | {\"a\":\"b\",\"b\":\"c\"}",
      "{\"a\":\"b\"}            | {\"a\":null}             | {}",
      "{\"a\":\"b\",\"b\":\"c\"} | {\"a\":null}             | {\"b\":\"c\"}",
      "{\"a\":[\"b\"]}          | {\"a\":\"c\"}            | {\"a\":\"c\"}",
      "{\"a\":\"c\"}            | {\"a\":[\"b\"]}          | {\"a\":[\"b\"]}",
      "{\"a\":{\"b\":\"c\"}}    | {\"a\":{\"b\":\"d\",\"c\":null}} | {\"a\":{\"b\":\"d\"}}",
      "{\"a\":[{\"b\":\"c\"}]}  | {\"a\":[1]}              | {\"a\":[1]}",
      "[\"a\",\"b\"]            | [\"c\",\"d\"]            | [\"c\",\"d\"]",
      "{\"a\":\"b\"}            | [\"c\"]                  | [\"c\"]",
      "{\"a\":\"foo\"}          | null                     | null",
      "{\"a\":\"foo\"}          | \"bar\"                  | \"bar\"",
      "{\"e\":null}             | {\"a\":1}                | {\"e\":null,\"a\":1}",
      "[1,2]                    | {\"a\":\"b\",\"c\":null} | {\"a\":\"b\"}",
      "{}                       | {\"a\":{\"bb\":{\"ccc\":null}}} | {\"a\":{\"bb\":{}}}",
  })
  void rfc7396_appendixA_examples(String original, String patch, String expected) {
    Object result = MergePatch.apply(Json.decodeValue(original), Json.decodeValue(patch));
    assertEquals(Json.decodeValue(expected), result);
  }

  @Test
  void apply_leavesBothArgumentsUnchanged_andSharesNothingWithThem() {
    JsonObject target = new JsonObject("{\"nested\":{\"x\":1},\"keep\":[1]}");
    JsonObject patch = new JsonObject("{\"nested\":{\"y\":2},\"added\":{\"z\":3}}");
    JsonObject result = MergePatch.apply(target, patch);

    result.getJsonObject("nested").put("mutated", true);
    result.getJsonObject("added").put("mutated", true);
    result.getJsonArray("keep").add(2);

    assertEquals(new JsonObject("{\"nested\":{\"x\":1},\"keep\":[1]}"), target);
    assertEquals(new JsonObject("{\"nested\":{\"y\":2},\"added\":{\"z\":3}}"), patch);
  }

  @Test
  void apply_keepsMemberOrder_andAppendsNewMembers() {
    JsonObject result = MergePatch.apply(new JsonObject("{\"a\":1,\"b\":2,\"c\":3}"),
        new JsonObject("{\"b\":20,\"d\":4,\"a\":null}"));
    assertEquals("{\"b\":20,\"c\":3,\"d\":4}", result.encode());
  }

  @Test
  void sessionSize_countsUtf8BytesLikeTheEncoder() {
    String[] samples = {"", "ascii", "é", "€uro", "😀 emoji", "mixed ü € 😀 a", "\uD800 lone", "end\uDBFF"};
    for (String sample : samples) {
      assertEquals(sample.getBytes(StandardCharsets.UTF_8).length, SessionSize.utf8Length(sample), sample);
    }
    assertEquals(0, SessionSize.utf8Length(null));
  }
}
