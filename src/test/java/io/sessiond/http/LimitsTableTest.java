package io.sessiond.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sessiond.config.AppConfig;
import io.sessiond.config.Settings;
import io.sessiond.store.RequestChecks;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's "Limits" table names every limit with the default the code has. */
class LimitsTableTest {

  /** Every row of the table: its first cell, its default. */
  private static Map<String, String> readmeRows() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int start = readme.indexOf("\n## Limits\n");
    String section = readme.substring(start, readme.indexOf("\n## ", start + 5));
    Map<String, String> rows = new TreeMap<>();
    Matcher m = Pattern.compile("(?m)^\\| ([^|]+?) \\| ([^|]+?) \\|").matcher(section);
    while (m.find()) {
      if (!m.group(1).equals("limit") && !m.group(1).startsWith("---")) {
        rows.put(m.group(1).replace("`", ""), m.group(2));
      }
    }
    return rows;
  }

  /** What the code holds for each limit, unconfigured. */
  private static Map<String, String> codeDefaults() {
    AppConfig c = AppConfig.from(Settings.of(new JsonObject(), Map.of()));
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("MAX_BODY_BYTES", c.http().maxBodyBytes());
    d.put("MAX_KEY_BATCH_BYTES", c.http().maxKeyBatchBytes());
    d.put("MAX_KEYS_PER_BATCH", c.http().maxKeysPerBatch());
    d.put("MAX_IMPORT_BYTES", c.http().maxImportBytes());
    d.put("MAX_BLOB_BYTES", c.http().maxBlobBytes());
    d.put("MAX_MESSAGES_PER_SESSION", c.store().maxMessages());
    d.put("TENANT_MAX_SESSIONS", c.tenants().defaultLimits().maxSessions());
    d.put("TENANT_MAX_BYTES_PER_SESSION", c.tenants().defaultLimits().maxBytesPerSession());
    d.put("TENANT_REQUESTS_PER_SECOND", c.tenants().defaultLimits().requestsPerSecond());
    d.put("REQUEST_TIMEOUT_MS", c.http().requestTimeoutMs());
    d.put("HTTP_HEADER_TIMEOUT_MS", c.http().headerTimeoutMs());
    d.put("HTTP_IDLE_TIMEOUT_MS", c.http().idleTimeoutMs());
    d.put("messages per append", Bodies.MAX_MESSAGES_PER_APPEND);
    d.put("ids per key query", Bodies.MAX_QUERY_IDS);
    d.put("sessions a list or status page looks at", RequestChecks.MAX_SCANNED_PER_PAGE);
    d.put("keys per staged import batch", ImportRun.BATCH_KEYS);
    d.put("request line, request headers", HttpServerOptions.DEFAULT_MAX_INITIAL_LINE_LENGTH + ", "
        + HttpServerOptions.DEFAULT_MAX_HEADER_SIZE + " bytes");
    Map<String, String> out = new TreeMap<>();
    d.forEach((name, value) -> out.put(name, String.valueOf(value)));
    return out;
  }

  @Test
  void readmeLimitsTable_matchesTheCodesDefaults() throws Exception {
    assertEquals(codeDefaults(), readmeRows());
  }

  @Test
  void everyLimitSettingOfTheConfigurationTable_isInTheLimitsTable() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    Matcher m = Pattern.compile("(?m)^\\| `((?:MAX|TENANT_MAX|TENANT_REQUESTS)_[A-Z_]+)` \\|").matcher(readme);
    Map<String, String> rows = readmeRows();
    while (m.find()) {
      assertEquals(true, rows.containsKey(m.group(1)), m.group(1) + " is a limit missing from the Limits table");
    }
  }
}
