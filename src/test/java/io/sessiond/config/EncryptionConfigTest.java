package io.sessiond.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The encryption settings: a 256-bit base64 key inline or in a file (not both), a previous key only
 * beside a new one and different from it; every refusal is one line naming the setting and never
 * quoting a key.
 */
class EncryptionConfigTest {
  private static final byte[] RAW = new byte[32];
  private static final String KEY;
  private static final String OTHER;

  static {
    for (int i = 0; i < 32; i++) {
      RAW[i] = (byte) (i * 7 + 1);
    }
    KEY = Base64.getEncoder().encodeToString(RAW);
    byte[] other = RAW.clone();
    other[0] ^= 1;
    OTHER = Base64.getEncoder().encodeToString(other);
  }

  private static void assertRefused(Map<String, String> env, String setting) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(env), () -> env + " is refused");
    String message = e.getMessage();
    assertTrue(message.startsWith(setting), "names " + setting + " first: " + message);
    assertFalse(message.contains("\n"), "one line: " + message);
    env.forEach((name, v) -> assertFalse(!name.endsWith("_FILE") && v.length() > 20 && message.contains(v),
        "never quotes the key: " + message));
  }

  @Test
  void off_byDefault() {
    EncryptionConfig c = ConfigLoader.load(Map.of()).encryption();
    assertFalse(c.enabled());
    assertNull(c.previousMasterKey());
  }

  @Test
  void inlineKey_turnsItOn_andToStringHidesIt() {
    EncryptionConfig c = ConfigLoader.load(Map.of("ENCRYPTION_KEY", KEY)).encryption();
    assertTrue(c.enabled());
    assertArrayEquals(RAW, c.masterKey());
    assertFalse(c.toString().contains(KEY));
    assertEquals(1000, c.keyringRefreshMs());
  }

  @Test
  void keyFile_isRead_withItsTrailingNewline(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("master.key");
    Files.writeString(file, KEY + "\n");
    assertArrayEquals(RAW, ConfigLoader.load(Map.of("ENCRYPTION_KEY_FILE", file.toString())).encryption().masterKey());
  }

  @Test
  void badKeys_areRefused() {
    assertRefused(Map.of("ENCRYPTION_KEY", "not base64 !!"), "ENCRYPTION_KEY");
    assertRefused(Map.of("ENCRYPTION_KEY", Base64.getEncoder().encodeToString(new byte[16])), "ENCRYPTION_KEY");
    assertRefused(Map.of("ENCRYPTION_KEY_FILE", "/nonexistent/master.key"), "ENCRYPTION_KEY_FILE");
    assertRefused(Map.of("ENCRYPTION_KEY", KEY, "ENCRYPTION_KEY_FILE", "/etc/hostname"), "ENCRYPTION_KEY_FILE");
    assertRefused(Map.of("ENCRYPTION_KEY_PREVIOUS", KEY), "ENCRYPTION_KEY_PREVIOUS");
    assertRefused(Map.of("ENCRYPTION_KEY", KEY, "ENCRYPTION_KEY_PREVIOUS", KEY), "ENCRYPTION_KEY_PREVIOUS");
    assertRefused(Map.of("ENCRYPTION_KEY", KEY, "ENCRYPTION_KEY_PREVIOUS", "short"), "ENCRYPTION_KEY_PREVIOUS");
    assertRefused(Map.of("ENCRYPTION_ACCEPT_PLAINTEXT", "true"), "ENCRYPTION_ACCEPT_PLAINTEXT");
    assertRefused(Map.of("ENCRYPTION_KEY", KEY, "ENCRYPTION_KEYRING_REFRESH_MS", "5"), "ENCRYPTION_KEYRING_REFRESH_MS");
  }

  @Test
  void rotation_takesTheNewKeyAndThePrevious() {
    Map<String, String> env = new HashMap<>(Map.of("ENCRYPTION_KEY", OTHER, "ENCRYPTION_KEY_PREVIOUS", KEY));
    EncryptionConfig c = ConfigLoader.load(env).encryption();
    assertArrayEquals(RAW, c.previousMasterKey());
    assertTrue(c.toString().contains("rotating"));
  }
}
