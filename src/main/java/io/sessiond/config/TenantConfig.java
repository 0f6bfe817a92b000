package io.sessiond.config;

import io.sessiond.tenant.ApiKeys;
import io.sessiond.tenant.TenantLimits;
import io.sessiond.tenant.TenantSpec;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The declared tenants, from {@code TENANTS_FILE} (default {@code conf/tenants.json}, optional) and
 * the {@code TENANTS} variable ({@code acme=key1,globex=key2}; a tenant with several keys repeats
 * its id). Limits not given per tenant come from {@code TENANT_MAX_SESSIONS},
 * {@code TENANT_MAX_BYTES_PER_SESSION} and {@code TENANT_REQUESTS_PER_SECOND} (defaults: 100,000 sessions, 16 MiB per session, 2,000 requests per second; 0 = unlimited).
 */
public record TenantConfig(List<TenantSpec> tenants, TenantLimits defaultLimits) {
  /** Shorter keys are guessable; every generated key is 46 characters. */
  public static final int MIN_KEY_LENGTH = 16;
  private static final long MAX_REQUESTS_PER_SECOND = 10_000_000;
  /**
   * Quotas a tenant has unless configured otherwise (0 = unlimited, set explicitly): enough for a bot
   * fleet or a web back-end's login sessions, small enough that one tenant cannot fill Redis by itself.
   * 16 MiB per session (blobs included) keeps every session's export within MAX_IMPORT_BYTES (32 MiB).
   */
  static final long DEFAULT_MAX_SESSIONS = 100_000;
  static final long DEFAULT_MAX_BYTES_PER_SESSION = 16L << 20;
  static final long DEFAULT_REQUESTS_PER_SECOND = 2_000;

  static TenantConfig from(Settings s) {
    TenantLimits defaults = new TenantLimits(
        s.longValue("TENANT_MAX_SESSIONS", DEFAULT_MAX_SESSIONS, 0, Long.MAX_VALUE),
        s.longValue("TENANT_MAX_BYTES_PER_SESSION", DEFAULT_MAX_BYTES_PER_SESSION, 0, Long.MAX_VALUE),
        s.longValue("TENANT_REQUESTS_PER_SECOND", DEFAULT_REQUESTS_PER_SECOND, 0, MAX_REQUESTS_PER_SECOND));
    Keys keys = new Keys();
    readFile(s, defaults, keys);
    readVariable(s.optional("TENANTS"), defaults, keys);
    return new TenantConfig(keys.byId.values().stream().map(Builder::build).toList(), defaults);
  }

  private static void readVariable(String value, TenantLimits defaults, Keys keys) {
    if (value == null) {
      return;
    }
    for (String pair : value.split(",")) {
      int eq = pair.indexOf('=');
      String id = eq < 0 ? "" : pair.substring(0, eq).trim();
      String key = eq < 0 ? "" : pair.substring(eq + 1).trim();
      if (!TenantSpec.isTenantId(id) || key.isEmpty()) {
        throw new ConfigException("TENANTS", "each entry must be tenant=key with a tenant id of [a-z0-9][a-z0-9-]{0,63}");
      }
      checkKey("TENANTS", "the key of tenant '" + id + "'", key);
      keys.add("TENANTS", keys.tenant(id, defaults), ApiKeys.digest(key));
    }
  }

  private static void readFile(Settings s, TenantLimits defaults, Keys keys) {
    String name = "TENANTS_FILE";
    String configured = s.optional(name);
    Path path = Path.of(configured == null ? "conf/tenants.json" : configured);
    if (!Files.exists(path)) {
      if (configured != null) {
        throw new ConfigException(name, "file " + path + " does not exist");
      }
      return;
    }
    JsonArray tenants;
    try {
      tenants = new JsonObject(Files.readString(path)).getJsonArray("tenants", new JsonArray());
    } catch (IOException | DecodeException | ClassCastException e) {
      throw new ConfigException(name, path + " is not a JSON object with a \"tenants\" array");
    }
    for (int i = 0; i < tenants.size(); i++) {
      Object entry = tenants.getValue(i);
      if (!(entry instanceof JsonObject t)) {
        throw new ConfigException(name, "tenants[" + i + "] is not an object");
      }
      readTenant(name + " tenants[" + i + "]", t, defaults, keys);
    }
  }

  private static void readTenant(String where, JsonObject t, TenantLimits defaults, Keys keys) {
    try {
      String id = t.getString("id");
      if (!TenantSpec.isTenantId(id)) {
        throw new ConfigException(where, "id must match [a-z0-9][a-z0-9-]{0,63}");
      }
      Builder b = keys.tenant(id, defaults);
      JsonArray plain = array(t, "keys", where);
      for (int k = 0; k < plain.size(); k++) {
        if (!(plain.getValue(k) instanceof String key)) {
          throw new ConfigException(where, "keys[" + k + "] must be a string (the API key itself)");
        }
        checkKey(where, "keys[" + k + "]", key);
        keys.add(where, b, ApiKeys.digest(key));
      }
      for (Object d : array(t, "keySha256", where)) {
        String digest = d instanceof String hex ? hex.toLowerCase(java.util.Locale.ROOT) : "";
        if (!TenantSpec.isDigest(digest)) {
          throw new ConfigException(where, "keySha256 entries must be 64 hex digits");
        }
        keys.add(where, b, digest);
      }
      b.limits = new TenantLimits(
          limit(t, "maxSessions", defaults.maxSessions(), Long.MAX_VALUE, where),
          limit(t, "maxBytesPerSession", defaults.maxBytesPerSession(), Long.MAX_VALUE, where),
          limit(t, "requestsPerSecond", defaults.requestsPerSecond(), MAX_REQUESTS_PER_SECOND, where));
    } catch (ClassCastException e) {
      throw new ConfigException(where, "has a field of the wrong type");
    }
  }

  /** A limit of the file: a whole number from 0 (unlimited) to {@code max}, never a truncated fraction. */
  private static long limit(JsonObject t, String field, long fallback, long max, String where) {
    Object v = t.getValue(field);
    if (v == null) {
      return fallback;
    }
    if ((v instanceof Integer || v instanceof Long) && ((Number) v).longValue() >= 0 && ((Number) v).longValue() <= max) {
      return ((Number) v).longValue();
    }
    throw new ConfigException(where, field + " must be a whole number from 0 (unlimited) to " + max);
  }

  private static JsonArray array(JsonObject t, String field, String where) {
    Object v = t.getValue(field);
    if (v == null) {
      return new JsonArray();
    }
    if (!(v instanceof JsonArray a)) {
      throw new ConfigException(where, field + " must be an array of strings");
    }
    return a;
  }

  /**
   * A key a client can present in {@code Authorization: Bearer <key>} and nobody guesses: at least
   * {@value #MIN_KEY_LENGTH} visible ASCII characters. The key itself is never printed.
   */
  private static void checkKey(String setting, String what, String key) {
    if (key.length() < MIN_KEY_LENGTH) {
      throw new ConfigException(setting, what + " has " + key.length() + " characters; API keys need at least "
          + MIN_KEY_LENGTH);
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        throw new ConfigException(setting, what + " holds a character that is not visible ASCII (at position " + i
            + "); API keys are sent in an HTTP header");
      }
    }
  }

  /** The tenants by id, and which tenant each key digest belongs to: one key, one tenant. */
  private static final class Keys {
    final Map<String, Builder> byId = new LinkedHashMap<>();
    final Map<String, String> owners = new HashMap<>();

    Builder tenant(String id, TenantLimits defaults) {
      return byId.computeIfAbsent(id, i -> new Builder(i, defaults));
    }

    void add(String setting, Builder tenant, String digest) {
      String owner = owners.putIfAbsent(digest, tenant.id);
      if (owner == null) {
        tenant.digests.add(digest);
      } else if (!owner.equals(tenant.id)) {
        throw new ConfigException(setting, "a key of tenant '" + tenant.id + "' is already a key of tenant '" + owner
            + "'; each key must belong to one tenant");
      }
    }
  }

  private static final class Builder {
    final String id;
    final List<String> digests = new ArrayList<>();
    TenantLimits limits;

    Builder(String id, TenantLimits defaults) {
      this.id = id;
      this.limits = defaults;
    }

    TenantSpec build() {
      return new TenantSpec(id, List.copyOf(digests), limits);
    }
  }
}
