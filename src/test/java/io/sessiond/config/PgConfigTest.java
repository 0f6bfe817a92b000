package io.sessiond.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PgConfigTest {
  private static final String URL = "postgres://app:p%40ss@db.internal:5433/sessions";

  private static PgConfig of(Map<String, String> values) {
    return PgConfig.from(new Settings(values));
  }

  @Test
  void noPgUrl_meansSyncOff() {
    PgConfig c = of(Map.of("SESSION_STORE", "redis"));
    assertEquals("off", c.syncMode());
    assertFalse(c.enabled());
  }

  @Test
  void pgUrl_withRedisStore_defaultsToWriteBehind_andIsSplit_withoutPrintingThePassword() {
    PgConfig c = of(Map.of("SESSION_STORE", "redis", "PG_URL", URL));
    assertEquals("write-behind", c.syncMode());
    assertEquals("db.internal", c.host());
    assertEquals(5433, c.port());
    assertEquals("sessions", c.database());
    assertEquals("app", c.user());
    assertEquals("p@ss", c.password());
    assertEquals(250, c.syncIntervalMs());
    assertEquals(2, c.syncParallel());
    assertFalse(c.toString().contains("p@ss"));
    assertFalse(c.describe().contains("p@ss"));
  }

  @Test
  void pgUrl_withMemoryStore_defaultsToOff() {
    assertEquals("off", of(Map.of("PG_URL", URL)).syncMode());
  }

  @Test
  void syncMode_withoutPgUrl_isRefused_namingTheSetting() {
    ConfigException e = assertThrows(ConfigException.class, () -> of(Map.of("SESSION_STORE", "redis", "SYNC_MODE", "write-through")));
    assertTrue(e.getMessage().startsWith("SYNC_MODE: "), e.getMessage());
    assertTrue(e.getMessage().contains("PG_URL"), e.getMessage());
  }

  @Test
  void syncMode_withAnotherStore_isRefused() {
    assertThrows(ConfigException.class, () -> of(Map.of("SESSION_STORE", "file", "PG_URL", URL, "SYNC_MODE", "write-behind")));
  }

  @Test
  void syncMode_onCluster_isAccepted() {
    assertEquals(PgConfig.WRITE_BEHIND, of(Map.of("SESSION_STORE", "redis", "REDIS_MODE", "cluster", "PG_URL", URL)).syncMode());
    assertEquals(PgConfig.WRITE_THROUGH, of(Map.of("SESSION_STORE", "redis", "REDIS_MODE", "cluster", "PG_URL", URL,
        "SYNC_MODE", "write-through")).syncMode());
  }

  @Test
  void badUrl_andBadNumbers_areRefused() {
    assertThrows(ConfigException.class, () -> of(Map.of("PG_URL", "mysql://h/db")));
    assertThrows(ConfigException.class, () -> of(Map.of("PG_URL", "postgres://h:5432/")));
    assertThrows(ConfigException.class, () -> of(Map.of("SYNC_MODE", "sometimes")));
    assertThrows(ConfigException.class, () -> of(Map.of("SESSION_SYNC_INTERVAL_MS", "0")));
  }

  @Test
  void ipv6Host_isGivenWithoutBrackets_andDescribedWithThem_andTheDefaultPortAndUserApply() {
    PgConfig c = of(Map.of("PG_URL", "postgres://[::1]/sessions?sslmode=require"));
    assertEquals("::1", c.host());
    assertEquals(5432, c.port());
    assertEquals("postgres", c.user());
    assertEquals(null, c.password());
    assertEquals("postgres://[::1]:5432/sessions", c.describe());
  }

  @Test
  void percentEncodedDatabase_isDecodedOnce() {
    assertEquals("my db%", of(Map.of("PG_URL", "postgres://h/my%20db%25")).database());
  }

  @Test
  void badPort_isRefused_namingPgUrl() {
    assertTrue(assertThrows(ConfigException.class, () -> of(Map.of("PG_URL", "postgres://h:70000/db")))
        .getMessage().startsWith("PG_URL: port"));
  }
}
