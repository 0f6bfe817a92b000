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
  void onByDefault_onRedisWithEvents_only() {
    assertTrue(of(Map.of("SESSION_STORE", "redis")).enabled());
    assertFalse(of(Map.of()).enabled(), "memory");
    assertFalse(of(Map.of("SESSION_STORE", "redis", "EVENTS_ENABLED", "false")).enabled());
    assertFalse(of(Map.of("SESSION_STORE", "redis", "REDIS_MODE", "cluster")).enabled());
  }

  @Test
  void askedForWithoutRedisEvents_stopsStartUp_namingTheSetting() {
    ConfigException e = assertThrows(ConfigException.class, () -> of(Map.of("WEBHOOKS_ENABLED", "true")));
    assertTrue(e.getMessage().contains("WEBHOOKS_ENABLED"), e.getMessage());
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
