package io.sessiond.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sessiond.session.StoredMessage;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Keys and messages framed as RESP bulk strings: decoded exactly, put in seq order, checked, corrupt frames refused. */
class FramedPartsTest {

  private static Buffer frames(String... values) {
    Buffer b = Buffer.buffer();
    for (String v : values) {
      byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
      b.appendString("$" + bytes.length + "\r\n").appendBytes(bytes).appendString("\r\n");
    }
    return b;
  }

  @Test
  void framedKeys_decodeToTheirPairs() {
    FramedKeys keys = new FramedKeys(List.of(new FramedKeys.Type("pre-key", frames("1", "", "$2\r\n", "ключ\r\n🔑")),
        new FramedKeys.Type("session", frames("ü@s", "{}"))));
    assertEquals(Map.of("pre-key", Map.of("1", "", "$2\r\n", "ключ\r\n🔑"), "session", Map.of("ü@s", "{}")), keys);
    assertEquals(2, keys.size());
    keys.check();
  }

  @Test
  void framedKeys_checkTheirIds_likeAKeyBatch() {
    FramedKeys empty = new FramedKeys(List.of(new FramedKeys.Type("pre-key", frames("", "v"))));
    assertEquals(StoreFailure.INVALID, assertThrows(StoreException.class, empty::check).failure());
    FramedKeys badType = new FramedKeys(List.of(new FramedKeys.Type("Pre Key", frames("1", "v"))));
    assertEquals(StoreFailure.INVALID, assertThrows(StoreException.class, badType::check).failure());
    FramedKeys tooLong = new FramedKeys(List.of(new FramedKeys.Type("pre-key", frames("k".repeat(257), "v"))));
    assertEquals(StoreFailure.INVALID, assertThrows(StoreException.class, tooLong::check).failure());
    // 256 chars of two bytes each: more bytes than the limit in chars, still a valid id.
    new FramedKeys(List.of(new FramedKeys.Type("pre-key", frames("é".repeat(256), "v")))).check();
  }

  @Test
  void framedMessages_decodeInSeqOrder_evenWhenFramedOutOfIt() {
    FramedMessages inOrder = new FramedMessages("2,5,9", frames("{\"seq\":2}", "{\"seq\":5,\r\n\"t\":\"$1\"}", ""));
    assertEquals(List.of(new StoredMessage(2, "{\"seq\":2}"), new StoredMessage(5, "{\"seq\":5,\r\n\"t\":\"$1\"}"),
        new StoredMessage(9, "")), inOrder);
    assertEquals(9, inOrder.lastSeq());
    inOrder.check();
    FramedMessages shuffled = new FramedMessages("9,2,5", frames("nine é", "two", "five\r\n"));
    assertEquals(List.of(new StoredMessage(2, "two"), new StoredMessage(5, "five\r\n"), new StoredMessage(9, "nine é")),
        shuffled);
    assertEquals(9, shuffled.lastSeq());
    assertEquals(frames("two", "five\r\n", "nine é"), shuffled.frames());
    FramedMessages zero = new FramedMessages("0,1", frames("a", "b"));
    assertEquals(StoreFailure.INVALID, assertThrows(StoreException.class, zero::check).failure());
  }

  @Test
  void corruptFrames_areRefused() {
    for (String bad : List.of("$3\r\nab\r\n", "3\r\nabc\r\n", "$x\r\nabc\r\n", "$3\r\nabcd\r\n", "$\r\n\r\n", "$3\r\nabc", "$3", "$3\r")) {
      BulkFrames f = new BulkFrames(Buffer.buffer(bad));
      assertThrows(IllegalArgumentException.class, f::next, bad);
    }
  }
}
