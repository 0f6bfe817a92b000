package io.sessiond.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sliced PUT body against the tree it replaces: what it accepts reads the same as the tree's
 * reading of it, with data and creds as sent; everything else goes to the tree (null), whose refusal
 * is the API's.
 */
class SessionBodyReaderTest {

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{}",
      "{\"data\":{\"a\":1,\"b\":[true,null,\"x\"],\"c\":{\"d\":-1.5e3}}}",
      "{ \"data\" : { \"me\" : \"\\u00e9\\ud83d\\ude00\" } , \"creds\" : {\"k\":\"v\"} }",
      "{\"data\":null,\"creds\":null,\"state\":null,\"ttlSeconds\":null}",
      "{\"creds\":{},\"state\":\"connected\",\"ttlSeconds\":0}",
      "{\"ttlSeconds\":315360000,\"data\":{\"é\":\"€\"}}",
  })
  void acceptsWhatTheTreeAcceptsAndReadsItTheSame(String body) {
    Bodies.SessionBody sliced = SessionBodyReader.slice(utf8(body));
    Bodies.SessionBody tree = Bodies.SessionBody.parse(new JsonObject(body));
    assertNotNull(sliced, body);
    assertEquals(new JsonObject(tree.dataJson()), new JsonObject(sliced.dataJson()));
    if (tree.credsJson() == null || tree.credsJson().equals("null")) {
      assertEquals(tree.credsJson(), sliced.credsJson());
    } else {
      assertEquals(new JsonObject(tree.credsJson()), new JsonObject(sliced.credsJson()));
    }
    assertEquals(tree.state(), sliced.state());
    assertEquals(tree.ttlSeconds(), sliced.ttlSeconds());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"data\":{\"a\":1}}",
      "{\"data\":{ \"a\" :\t1 , \"b\":\"\\/x\\u0041\" }}",
  })
  void keepsDataAsSent(String body) {
    String data = body.substring(body.indexOf(':') + 1, body.length() - 1);
    assertEquals(data, SessionBodyReader.slice(utf8(body)).dataJson());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "[]",
      "null",
      "{\"data\":{}",
      "{\"data\":{}} {}",
      "{\"data\":[]}",
      "{\"data\":\"x\"}",
      "{\"creds\":[1]}",
      "{\"data\":{},\"data\":{}}",
      "{\"other\":1}",
      "{\"state\":\"nope\"}",
      "{\"state\":1}",
      "{\"ttlSeconds\":-1}",
      "{\"ttlSeconds\":315360001}",
      "{\"ttlSeconds\":1.5}",
      "{\"ttlSeconds\":99999999999999999999999}",
      "{\"data\":{\"a\":\"\\u0000\"}}",
      "{\"data\":{\"\\ud800\":1}}",
      "{\"data\":{\"a\":1e999}}",
      "{\"data\":{\"a\":1e-999}}",
  })
  void leavesEverythingElseToTheTree(String body) {
    assertNull(SessionBodyReader.slice(utf8(body)), body);
  }

  @org.junit.jupiter.api.Test
  void leavesInvalidUtf8ToTheTree() {
    byte[] b = utf8("{\"data\":{\"a\":\"xx\"}}");
    b[14] = (byte) 0xC0;
    b[15] = (byte) 0xAF;
    assertNull(SessionBodyReader.slice(b));
  }
}
