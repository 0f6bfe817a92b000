package io.sessiond.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.tenant.ApiKeys;
import io.sessiond.tenant.TenantSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * API keys that would let one tenant act as another, or that nobody can present, stop start-up with
 * one line naming the setting (and never the key): a key declared for two tenants, a non-string key
 * in the tenants file, keys shorter than 16 characters or holding other than visible ASCII.
 */
class TenantKeysConfigTest {
  private static final String KEY = "k3y-shared-by-two-tenants";

  @TempDir
  Path dir;

  private static ConfigException refused(Map<String, String> env, String setting) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(env), () -> env + " is refused");
    String message = e.getMessage();
    assertTrue(message.startsWith(setting + ":") || message.startsWith(setting + " "), "names " + setting + " first: " + message);
    assertFalse(message.contains("\n") || message.contains("\r"), "one line: " + message);
    return e;
  }

  private Map<String, String> file(String json) throws IOException {
    Path file = dir.resolve("tenants.json");
    Files.writeString(file, json.replace('\'', '"'));
    Map<String, String> env = new HashMap<>();
    env.put("TENANTS_FILE", file.toString());
    return env;
  }

  @Test
  void aKeyOfTwoTenantsInTheVariable_isRefused_namingBothTenants_butNotTheKey() {
    ConfigException e = refused(Map.of("TENANTS", "acme=" + KEY + ",globex=" + KEY), "TENANTS");
    assertTrue(e.getMessage().contains("acme") && e.getMessage().contains("globex"), e.getMessage());
    assertFalse(e.getMessage().contains(KEY), "the key is never printed: " + e.getMessage());
  }

  @Test
  void aKeyOfTheFileGivenToAnotherTenantByTheVariable_isRefused() throws IOException {
    Map<String, String> env = file("{'tenants':[{'id':'acme','keys':['" + KEY + "']}]}");
    env.put("TENANTS", "globex=" + KEY);
    ConfigException e = refused(env, "TENANTS");
    assertTrue(e.getMessage().contains("acme") && e.getMessage().contains("globex"), e.getMessage());
  }

  @Test
  void aKeyOfOneTenantDeclaredAsTheDigestOfAnother_isRefused() throws IOException {
    refused(file("{'tenants':[{'id':'acme','keys':['" + KEY + "']},{'id':'globex','keySha256':['" + ApiKeys.digest(KEY) + "']}]}"),
        "TENANTS_FILE");
  }

  @Test
  void theSameKeyTwiceForOneTenant_isOneKey() {
    AppConfig c = ConfigLoader.load(Map.of("TENANTS", "acme=" + KEY + ",acme=" + KEY));
    assertEquals(List.of(ApiKeys.digest(KEY)), c.tenants().tenants().get(0).keyDigests());
  }

  @ParameterizedTest(name = "keys: {0}")
  @ValueSource(strings = {"[null]", "[42]", "[true]", "[{}]", "[['x']]", "'" + KEY + "'", "{}"})
  void aKeyThatIsNotAString_isRefused_namingTheFile(String keys) throws IOException {
    ConfigException e = refused(file("{'tenants':[{'id':'acme','keys':" + keys + "}]}"), "TENANTS_FILE");
    assertTrue(e.getMessage().contains("keys"), e.getMessage());
  }

  @Test
  void aShortKeyInTheVariable_isRefused_sayingHowLongKeysMustBe() {
    ConfigException e = refused(Map.of("TENANTS", "acme=abcde"), "TENANTS");
    assertTrue(e.getMessage().contains("16"), e.getMessage());
    assertFalse(e.getMessage().contains("abcde"), e.getMessage());
  }

  @ParameterizedTest(name = "key: [{0}]")
  @ValueSource(strings = {"", "abcde", "fifteen-chars-x", "with a space inside it", "tab\\tinside-the-key-here", "caf\u00e9-caf\u00e9-caf\u00e9-caf\u00e9"})
  void aShortOrUnpresentableKeyInTheFile_isRefused(String key) throws IOException {
    refused(file("{'tenants':[{'id':'acme','keys':['" + key + "']}]}"), "TENANTS_FILE");
  }

  @Test
  void keysOfSixteenVisibleCharacters_areAccepted() throws IOException {
    String fromFile = "0123456789abcdef";
    Map<String, String> env = file("{'tenants':[{'id':'acme','keys':['" + fromFile + "']}]}");
    env.put("TENANTS", "globex=!~0123456789abcd");
    List<TenantSpec> tenants = ConfigLoader.load(env).tenants().tenants();
    assertEquals(List.of(ApiKeys.digest(fromFile)), tenants.get(0).keyDigests());
    assertEquals(List.of(ApiKeys.digest("!~0123456789abcd")), tenants.get(1).keyDigests());
  }
}
