package io.sessiond.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhooksConfigTest {

  private static WebhooksConfig of(Map<String, String> values) {
    Map<String, String> all = new HashMap<>(Map.of("TENANTS", "acme=sk_acme_0123456789"));
    all.putAll(values);
    return AppConfig.from(new Settings(all)).webhooks();
  }

  @Test
  void onByDefault_whereverEventsAre_offWithAReason_elsewhere() {
    assertTrue(of(Map.of("SESSION_STORE", "redis")).enabled());
    assertTrue(of(Map.of()).enabled(), "memory");
    assertTrue(of(Map.of("SESSION_STORE", "file", "DATA_DIR", "/tmp/sessiond-webhooks-config")).enabled(), "file");
    WebhooksConfig noEvents = of(Map.of("SESSION_STORE", "redis", "EVENTS_ENABLED", "false"));
    assertFalse(noEvents.enabled());
    assertTrue(noEvents.unavailable().contains("EVENTS_ENABLED=false"), noEvents.unavailable());
    WebhooksConfig cluster = of(Map.of("SESSION_STORE", "redis", "REDIS_MODE", "cluster"));
    assertFalse(cluster.enabled());
    assertTrue(cluster.unavailable().contains("Redis Cluster"), cluster.unavailable());
    WebhooksConfig off = of(Map.of("WEBHOOKS_ENABLED", "false"));
    assertTrue(off.unavailable().contains("WEBHOOKS_ENABLED=false"), off.unavailable());
    assertEquals(null, of(Map.of()).unavailable());
    assertFalse(of(Map.of()).allowPrivate(), "private addresses refused unless allowed");
  }

  @Test
  void askedForWithoutEvents_stopsStartUp_namingTheSetting() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> of(Map.of("WEBHOOKS_ENABLED", "true", "EVENTS_ENABLED", "false")));
    assertTrue(e.getMessage().contains("WEBHOOKS_ENABLED"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> of(Map.of("SESSION_STORE", "redis", "REDIS_MODE", "cluster",
        "WEBHOOKS_ENABLED", "true")));
    assertTrue(e.getMessage().contains("Redis Cluster"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> of(Map.of("SESSION_STORE", "redis", "WEBHOOKS_MAX_ATTEMPTS", "0")));
    assertTrue(e.getMessage().contains("WEBHOOKS_MAX_ATTEMPTS"), e.getMessage());
  }

  @Test
  void backoff_doublesFromItsBase_upToItsMaximum() {
    WebhooksConfig c = of(Map.of("SESSION_STORE", "redis", "WEBHOOKS_BACKOFF_MS", "100", "WEBHOOKS_BACKOFF_MAX_MS", "500"));
    assertEquals(100, c.backoffAfter(1));
    assertEquals(200, c.backoffAfter(2));
    assertEquals(400, c.backoffAfter(3));
    assertEquals(500, c.backoffAfter(4));
    assertEquals(500, c.backoffAfter(50));
  }
}
