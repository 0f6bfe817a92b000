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
        s.longValue("TENANT_REQUESTS_PER_SECOND", DEFAULT_REQUESTS_PER_SECOND, 0, 10_000_000));
    Map<String, Builder> byId = new LinkedHashMap<>();
    readFile(s, defaults, byId);
    readVariable(s.optional("TENANTS"), defaults, byId);
    return new TenantConfig(byId.values().stream().map(Builder::build).toList(), defaults);
  }

  private static void readVariable(String value, TenantLimits defaults, Map<String, Builder> byId) {
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
      byId.computeIfAbsent(id, i -> new Builder(i, defaults)).digests.add(ApiKeys.digest(key));
    }
  }

  private static void readFile(Settings s, TenantLimits defaults, Map<String, Builder> byId) {
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
      readTenant(name + " tenants[" + i + "]", t, defaults, byId);
    }
  }

  private static void readTenant(String where, JsonObject t, TenantLimits defaults, Map<String, Builder> byId) {
    try {
      String id = t.getString("id");
      if (!TenantSpec.isTenantId(id)) {
        throw new ConfigException(where, "id must match [a-z0-9][a-z0-9-]{0,63}");
      }
      Builder b = byId.computeIfAbsent(id, i -> new Builder(i, defaults));
      t.getJsonArray("keys", new JsonArray()).forEach(k -> b.digests.add(ApiKeys.digest(String.valueOf(k))));
      for (Object d : t.getJsonArray("keySha256", new JsonArray())) {
        String digest = String.valueOf(d).toLowerCase();
        if (!TenantSpec.isDigest(digest)) {
          throw new ConfigException(where, "keySha256 entries must be 64 hex digits");
        }
        b.digests.add(digest);
      }
      b.limits = new TenantLimits(
          t.getLong("maxSessions", defaults.maxSessions()),
          t.getLong("maxBytesPerSession", defaults.maxBytesPerSession()),
          t.getLong("requestsPerSecond", defaults.requestsPerSecond()));
      if (b.limits.maxSessions() < 0 || b.limits.maxBytesPerSession() < 0 || b.limits.requestsPerSecond() < 0) {
        throw new ConfigException(where, "limits must be 0 (unlimited) or positive");
      }
    } catch (ClassCastException e) {
      throw new ConfigException(where, "has a field of the wrong type");
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
