package io.sessiond.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Configuration validation: every invalid setting fails with one line naming it; the defaults agree everywhere. */
class ConfigValidationTest {

  private static void assertRefused(Map<String, String> env, String setting) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(env), () -> env + " is refused");
    String message = e.getMessage();
    assertTrue(message.startsWith(setting), "names " + setting + " first: " + message);
    assertFalse(message.contains("\n") || message.contains("\r"), "one line: " + message);
    assertTrue(message.length() > setting.length() + 5, "says what is wrong: " + message);
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "HTTP_PORT|abc",
      "HTTP_PORT|70000",
      "HTTP_PORT|-1",
      "HTTP_INSTANCES|0",
      "SESSION_STORE|mongo",
      "SESSION_TTL_SECONDS|-1",
      "SESSION_TTL_SECONDS|1.5",
      "MAX_MESSAGES_PER_SESSION|0",
      "MAX_BODY_BYTES|lots",
      "AUTO_RESTORE_SESSIONS|maybe",
      "EXPIRY_SWEEP_INTERVAL_MS|0",
      "TENANTS|bad",
      "TENANTS|UPPER=key",
      "TENANTS|acme=",
      "TENANTS|=key",
      "TENANT_MAX_SESSIONS|-3",
      "TENANTS_FILE|/nonexistent/tenants.json",
      "CONFIG_FILE|/nonexistent/config.json",
      "REDIS_URL|http://localhost:6379",
      "REDIS_MODE|ring",
  })
  void invalidSetting_isRefused_withOneLineNamingIt(String setting, String value) {
    assertRefused(Map.of(setting, value), setting);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "not json at all",
      "{\"tenants\": ",
      "[1, 2, 3]",
      "{\"tenants\": {\"id\": \"acme\"}}",
      "{\"tenants\": [\"acme\"]}",
      "{\"tenants\": [{\"id\": \"Bad Id\", \"keys\": [\"key-0123456789abcdef\"]}]}",
      "{\"tenants\": [{\"id\": \"acme\", \"keySha256\": [\"abc\"]}]}",
      "{\"tenants\": [{\"id\": \"acme\", \"keys\": [\"key-0123456789abcdef\"], \"maxSessions\": -1}]}",
      "{\"tenants\": [{\"id\": \"acme\", \"keys\": [\"key-0123456789abcdef\"], \"maxSessions\": \"many\"}]}",
  })
  void malformedTenantsFile_isRefused_namingTenantsFile(String content, @TempDir Path dir) throws IOException {
    Path file = dir.resolve("tenants.json");
    Files.writeString(file, content);
    assertRefused(Map.of("TENANTS_FILE", file.toString()), "TENANTS_FILE");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "{\"HTTP_PORT\": ",
      "[]",
      "plain text",
  })
  void badConfigFile_isRefused_namingConfigFile(String content, @TempDir Path dir) throws IOException {
    Path file = dir.resolve("config.json");
    Files.writeString(file, content);
    assertRefused(Map.of("CONFIG_FILE", file.toString()), "CONFIG_FILE");
  }

  @Test
  void invalidValueInTheConfigFile_isRefused_namingTheSetting(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"MAX_MESSAGES_PER_SESSION\": 0}");
    assertRefused(Map.of("CONFIG_FILE", file.toString()), "MAX_MESSAGES_PER_SESSION");
  }

  @Test
  void environment_overridesTheConfigFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"HTTP_PORT\": 9000, \"SESSION_TTL_SECONDS\": 60}");
    AppConfig c = ConfigLoader.load(Map.of("CONFIG_FILE", file.toString(), "HTTP_PORT", "9100"));
    assertEquals(9100, c.http().port());
    assertEquals(60, c.store().defaultTtlSeconds());
  }

  @Test
  void validValues_areAccepted() {
    Map<String, String> env = new HashMap<>();
    env.put("HTTP_PORT", "0");
    env.put("SESSION_STORE", "FILE");
    env.put("SESSION_TTL_SECONDS", "0");
    env.put("AUTO_RESTORE_SESSIONS", "off");
    env.put("MAX_MESSAGES_PER_SESSION", "1");
    env.put("TENANTS", "acme=key-one-0123456789,acme=key-two-0123456789,globex=key-three-0123456789");
    AppConfig c = ConfigLoader.load(env);
    assertEquals(0, c.http().port());
    assertEquals(StoreConfig.FILE, c.store().kind());
    assertEquals(0, c.store().defaultTtlSeconds());
    assertFalse(c.store().autoRestore());
    assertEquals(1, c.store().maxMessages());
    assertEquals(2, c.tenants().tenants().size());
    assertEquals(2, c.tenants().tenants().get(0).keyDigests().size());
  }

  /** The packaged conf/config.json, the code's own fallbacks and the README table say the same. */
  @Test
  void defaults_matchConfigJson_theCode_andTheReadme() throws IOException {
    JsonObject file = new JsonObject(Files.readString(Path.of("conf/config.json")));
    AppConfig fromFile = AppConfig.from(Settings.of(file, Map.of()));
    AppConfig fromCode = AppConfig.from(Settings.of(new JsonObject(), Map.of()));
    AppConfig loaded = ConfigLoader.load(Map.of());
    // HTTP_INSTANCES defaults to the number of cores, which only the code knows.
    assertEquals(fromCode, fromFile);
    assertEquals(fromCode.http(), loaded.http());
    assertEquals(fromCode.store(), loaded.store());
    assertEquals(fromCode.redis().toString(), loaded.redis().toString());

    Map<String, String> readme = readmeDefaults();
    for (String name : file.fieldNames()) {
      if (name.startsWith("REDIS_")) {
        continue; // the Redis settings have their own README section
      }
      assertTrue(readme.containsKey(name), "README documents " + name);
      assertEquals(String.valueOf(file.getValue(name)), readme.get(name), "README default of " + name);
    }
    assertEquals(8080, fromCode.http().port());
    assertEquals(StoreConfig.MEMORY, fromCode.store().kind());
    assertEquals(3600, fromCode.store().defaultTtlSeconds());
    assertEquals(1000, fromCode.store().maxMessages());
    assertTrue(fromCode.store().autoRestore());
    assertEquals(1L << 20, fromCode.http().maxBodyBytes());
    assertEquals(8L << 20, fromCode.http().maxKeyBatchBytes());
  }

  /** {@code | `NAME` | `default` | ...} rows of the README. */
  private static Map<String, String> readmeDefaults() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = Pattern.compile("(?m)^\\| `([A-Z_]+)` \\| `([^`]*)` \\|").matcher(Files.readString(Path.of("README.md")));
    while (m.find()) {
      out.put(m.group(1), m.group(2));
    }
    return out;
  }
}
