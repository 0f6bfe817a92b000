package io.sessiond.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.tenant.TenantLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Limits in the tenants file are whole numbers in the ranges the variables take, never silently truncated. */
class TenantLimitsConfigTest {
  @TempDir
  Path dir;

  private Map<String, String> file(String limits) throws IOException {
    Path file = dir.resolve("tenants.json");
    Files.writeString(file, "{\"tenants\":[{\"id\":\"acme\",\"keys\":[\"0123456789abcdef\"]," + limits + "}]}");
    return Map.of("TENANTS_FILE", file.toString());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"\"maxSessions\": 1.5", "\"maxSessions\": 1e999", "\"maxBytesPerSession\": 99999999999999999999",
      "\"requestsPerSecond\": 10000001", "\"requestsPerSecond\": -1", "\"maxSessions\": true"})
  void aLimitThatIsNotAWholeNumberInRange_isRefused_namingIt(String limit) throws IOException {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file(limit)));
    assertTrue(e.getMessage().startsWith("TENANTS_FILE"), e.getMessage());
    String field = limit.substring(1, limit.indexOf('"', 1));
    assertTrue(e.getMessage().contains(field), e.getMessage());
  }

  @Test
  void wholeLimits_areTaken() throws IOException {
    TenantLimits limits = ConfigLoader.load(file("\"maxSessions\": 5, \"maxBytesPerSession\": 0, \"requestsPerSecond\": 10000000"))
        .tenants().tenants().get(0).limits();
    assertEquals(new TenantLimits(5, 0, 10_000_000), limits);
  }
}
