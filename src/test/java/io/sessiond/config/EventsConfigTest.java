package io.sessiond.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EventsConfigTest {

  private static EventsConfig of(Map<String, String> values) {
    return EventsConfig.from(new Settings(values));
  }

  @Test
  void eventsAreOnByDefault_withADayOrTenThousandEventsPerTenant() {
    EventsConfig c = of(Map.of());
    assertTrue(c.enabled());
    assertEquals(10_000, c.maxLength());
    assertEquals(86_400, c.maxAgeSeconds());
    assertTrue(of(Map.of("SESSION_STORE", "redis")).enabled());
  }

  @Test
  void onRedisCluster_eventsAreOffByDefault_andRefusedWhenAskedFor() {
    Map<String, String> cluster = Map.of("SESSION_STORE", "redis", "REDIS_MODE", "cluster");
    assertFalse(of(cluster).enabled());
    ConfigException e = assertThrows(ConfigException.class, () -> of(Map.of("SESSION_STORE", "redis",
        "REDIS_MODE", "cluster", "EVENTS_ENABLED", "true")));
    assertTrue(e.getMessage().contains("EVENTS_ENABLED"), e.getMessage());
  }

  @Test
  void boundsOutOfRange_stopStartUp_namingTheSetting() {
    ConfigException e = assertThrows(ConfigException.class, () -> of(Map.of("EVENTS_MAX_LEN", "0")));
    assertTrue(e.getMessage().contains("EVENTS_MAX_LEN"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> of(Map.of("EVENTS_MAX_AGE_SECONDS", "soon")));
    assertTrue(e.getMessage().contains("EVENTS_MAX_AGE_SECONDS"), e.getMessage());
  }
}
