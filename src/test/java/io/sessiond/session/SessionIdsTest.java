package io.sessiond.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SessionIdsTest {

  @ParameterizedTest
  @CsvSource({"abc,true", "123@s.whatsapp.net,true", "a.b_c:d+e-f,true", "'',false", "a b,false", "a/b,false",
      "é,false", "a!,false"})
  void sessionIds_followTheDocumentedAlphabet(String id, boolean valid) {
    assertEquals(valid, SessionIds.isSessionId(id));
  }

  @ParameterizedTest
  @CsvSource({"128,true", "129,false"})
  void sessionIds_areAtMost128Characters(int length, boolean valid) {
    assertEquals(valid, SessionIds.isSessionId("x".repeat(length)));
  }

  @ParameterizedTest
  @CsvSource({"pre-key,true", "app-state-sync-key,true", "Pre-key,false", "pre_key,false", "'',false"})
  void keyTypes_areLowerCaseDigitsAndDashes(String type, boolean valid) {
    assertEquals(valid, SessionIds.isKeyType(type));
  }

  @ParameterizedTest
  @CsvSource({"64,true", "65,false"})
  void keyTypes_areAtMost64Characters(int length, boolean valid) {
    assertEquals(valid, SessionIds.isKeyType("k".repeat(length)));
  }
}
