package io.sessiond.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class JsonTextTest {

  @Test
  void time_writesTheSameInstantAsTheIsoFormatter_forManyInstants() {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 20_000; i++) {
      long ms = i < 3 ? new long[] {1, 0, 253_402_300_799_999L}[i] : random.nextLong(0, 253_402_300_800_000L);
      String json = new JsonText().open().time("t", ms, false).close().toString();
      assertEquals(JsonText.iso(ms), new JsonObject(json).getString("t"), () -> "epoch ms " + ms);
    }
  }

  @Test
  void strings_areEscapedOnlyWhereJsonRequires() {
    String tricky = "quote\" back\\ tab\t nl\n é ☃ \u0001";
    String json = new JsonText().open().string("s", tricky).string("plain", "abc").close().toString();
    assertEquals(tricky, new JsonObject(json).getString("s"));
    assertEquals("abc", new JsonObject(json).getString("plain"));
  }
}
