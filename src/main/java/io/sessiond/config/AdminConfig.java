package io.sessiond.config;

import io.sessiond.tenant.ApiKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tenant administration and limits shared by replicas. The administration API ({@code /v1/admin}) is
 * on when {@code ADMIN_API_KEY} or {@code ADMIN_API_KEY_FILE} (a file holding the key; for container
 * secrets) is set; only the key's SHA-256 is kept.
 *
 * @param keyDigest       lower-case hex SHA-256 of the administration key, or {@code null} (API off)
 * @param reloadMs        how often each replica polls the catalog's change counter ({@code TENANTS_RELOAD_MS})
 * @param sharedRateLimit whether a tenant's request rate is enforced across replicas through Redis
 *                        ({@code RATE_LIMIT_SHARED}, default true; only on the Redis store)
 */
public record AdminConfig(String keyDigest, long reloadMs, boolean sharedRateLimit) {

  public boolean enabled() {
    return keyDigest != null;
  }

  static AdminConfig from(Settings s) {
    return new AdminConfig(keyDigest(s), s.longValue("TENANTS_RELOAD_MS", 250, 10, 1000),
        s.bool("RATE_LIMIT_SHARED", true));
  }

  private static String keyDigest(Settings s) {
    String plain = s.optional("ADMIN_API_KEY");
    String file = s.optional("ADMIN_API_KEY_FILE");
    if (plain != null && file != null) {
      throw new ConfigException("ADMIN_API_KEY", "set ADMIN_API_KEY or ADMIN_API_KEY_FILE, not both");
    }
    String name = file != null ? "ADMIN_API_KEY_FILE" : "ADMIN_API_KEY";
    if (file != null) {
      try {
        plain = Files.readString(Path.of(file)).trim();
      } catch (IOException e) {
        throw new ConfigException(name, "cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
      }
    }
    if (plain == null) {
      return null;
    }
    if (plain.length() < TenantConfig.MIN_KEY_LENGTH) {
      throw new ConfigException(name, "the administration key has " + plain.length() + " characters; it needs at least "
          + TenantConfig.MIN_KEY_LENGTH);
    }
    for (int i = 0; i < plain.length(); i++) {
      if (plain.charAt(i) < 0x21 || plain.charAt(i) > 0x7e) {
        throw new ConfigException(name, "the administration key holds a character that is not visible ASCII (at position "
            + i + ")");
      }
    }
    return ApiKeys.digest(plain);
  }
}
