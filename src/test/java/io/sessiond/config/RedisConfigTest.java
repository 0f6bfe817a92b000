package io.sessiond.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedisConfigTest {

  private static RedisConfig of(Map<String, String> values) {
    return RedisConfig.from(new Settings(values));
  }

  @Test
  void defaults_pointAtLocalStandaloneRedis_withTheSessiondPrefix() {
    RedisConfig c = of(Map.of());
    assertEquals(List.of("redis://localhost:6379"), c.endpoints());
    assertEquals("standalone", c.mode());
    assertEquals("sessiond:", c.prefix());
    assertNull(c.password());
  }

  @Test
  void url_withPasswordAndDatabase_isSplit_andThePasswordNeverPrinted() {
    RedisConfig c = of(Map.of("REDIS_URL", "redis://:p%40ss@cache.internal:6380/2"));
    assertEquals("p@ss", c.password());
    assertNull(c.username());
    assertEquals(List.of("redis://cache.internal:6380/2"), c.endpoints());
    assertFalse(c.toString().contains("p@ss"));
    assertFalse(c.describe().contains("p@ss"));
  }

  @Test
  void url_withAclUser_andTls_areAccepted() {
    RedisConfig c = of(Map.of("REDIS_URL", "rediss://app:secret@redis.example.com:6379"));
    assertEquals("app", c.username());
    assertEquals("secret", c.password());
    assertTrue(c.endpoints().get(0).startsWith("rediss://redis.example.com:6379"));
  }

  @Test
  void clusterNodes_areAddedAfterTheUrl() {
    RedisConfig c = of(Map.of("REDIS_MODE", "cluster", "REDIS_URL", "redis://n1:7000",
        "REDIS_NODES", "redis://n2:7001, redis://n3:7002"));
    assertEquals(List.of("redis://n1:7000", "redis://n2:7001", "redis://n3:7002"), c.endpoints());
  }

  @Test
  void invalidValues_nameTheSetting_withoutEchoingThePassword() {
    ConfigException scheme = assertThrows(ConfigException.class,
        () -> of(Map.of("REDIS_URL", "http://:hunter2@host:1")));
    assertTrue(scheme.getMessage().startsWith("REDIS_URL"));
    assertFalse(scheme.getMessage().contains("hunter2"));
    ConfigException db = assertThrows(ConfigException.class, () -> of(Map.of("REDIS_URL", "redis://:hunter2@h:1/x")));
    assertTrue(db.getMessage().startsWith("REDIS_URL"));
    assertFalse(db.getMessage().contains("hunter2"));
    assertTrue(assertThrows(ConfigException.class, () -> of(Map.of("REDIS_MODE", "ring")))
        .getMessage().startsWith("REDIS_MODE"));
    assertTrue(assertThrows(ConfigException.class, () -> of(Map.of("REDIS_PREFIX", "a{b}")))
        .getMessage().startsWith("REDIS_PREFIX"));
    assertTrue(assertThrows(ConfigException.class, () -> of(Map.of("REDIS_POOL_SIZE", "0")))
        .getMessage().startsWith("REDIS_POOL_SIZE"));
    assertTrue(assertThrows(ConfigException.class, () -> of(Map.of("REDIS_MODE", "sentinel")))
        .getMessage().startsWith("REDIS_MASTER_NAME"));
    assertTrue(assertThrows(ConfigException.class,
        () -> of(Map.of("REDIS_MODE", "cluster", "REDIS_URL", "redis://h:1/3"))).getMessage().startsWith("REDIS_URL"));
  }

  @Test
  void userInfoWithoutColon_isThePassword() {
    RedisConfig c = of(Map.of("REDIS_URL", "redis://s%3Acret@h:6379"));
    assertNull(c.username());
    assertEquals("s:cret", c.password());
  }

  @Test
  void ipv6Endpoints_keepTheirBrackets_andNodesAreChecked() {
    RedisConfig c = of(Map.of("REDIS_URL", "redis://:pw@[fd00::1]:6380/1"));
    assertEquals(List.of("redis://[fd00::1]:6380/1"), c.endpoints());
    assertTrue(assertThrows(ConfigException.class,
        () -> of(Map.of("REDIS_MODE", "cluster", "REDIS_NODES", "redis://n2:7001, http://n3:7002")))
        .getMessage().startsWith("REDIS_NODES"));
    assertTrue(assertThrows(ConfigException.class, () -> of(Map.of("REDIS_NODES", "redis://n2:0")))
        .getMessage().startsWith("REDIS_NODES: port"));
  }
}
