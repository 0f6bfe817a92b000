package io.sessiond.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RedisKeysTest {
  private final RedisKeys keys = new RedisKeys("sessiond:");

  /** The cluster hash tag is the text between the first '{' and the next '}'. */
  private static String hashTag(String key) {
    int open = key.indexOf('{');
    return key.substring(open + 1, key.indexOf('}', open));
  }

  @Test
  void sessionKeys_carryTheTenantAndSessionAsTheirHashTag_evenForWhatsAppJids() {
    String id = "4915123456789:12@s.whatsapp.net";
    assertEquals("sessiond:{acme:" + id + "}", keys.session("acme", id));
    assertEquals("sessiond:{acme:" + id + "}:meta", keys.meta("acme", id));
    assertEquals("acme:" + id, hashTag(keys.meta("acme", id)));
  }

  @Test
  void tenantIndexes_shareTheTenantsHashTag() {
    assertEquals("sessiond:{acme}:ids", keys.ids("acme"));
    assertEquals("sessiond:{acme}:expiry", keys.expiry("acme"));
    assertEquals(hashTag(keys.ids("acme")), hashTag(keys.expiry("acme")));
    assertEquals("sessiond:tenants", keys.tenants());
  }
}
