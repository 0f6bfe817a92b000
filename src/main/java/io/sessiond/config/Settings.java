package io.sessiond.config;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Raw settings by name: the defaults in {@code conf/config.json}, overridden by environment
 * variables of the same name. Every setting has one name, used in both places. The typed getters
 * validate and throw {@link ConfigException} naming the setting.
 */
public final class Settings {
  private final Map<String, String> values;

  public Settings(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  /** Defaults from a JSON object of scalar values, then every override whose name it knows or that starts with a known prefix. */
  public static Settings of(JsonObject defaults, Map<String, String> overrides) {
    Map<String, String> merged = new HashMap<>();
    defaults.forEach(e -> {
      if (e.getValue() != null) {
        merged.put(e.getKey(), String.valueOf(e.getValue()));
      }
    });
    merged.putAll(overrides);
    return new Settings(merged);
  }

  public String string(String name, String fallback) {
    String v = values.get(name);
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  /** The value, or {@code null} when unset or blank. */
  public String optional(String name) {
    return string(name, null);
  }

  public long longValue(String name, long fallback, long min, long max) {
    String v = optional(name);
    if (v == null) {
      return fallback;
    }
    long n;
    try {
      n = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new ConfigException(name, "'" + v + "' is not a whole number");
    }
    if (n < min || n > max) {
      throw new ConfigException(name, n + " is out of range " + min + ".." + max);
    }
    return n;
  }

  public int intValue(String name, int fallback, int min, int max) {
    return (int) longValue(name, fallback, min, max);
  }

  public boolean bool(String name, boolean fallback) {
    String v = optional(name);
    if (v == null) {
      return fallback;
    }
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1", "on" -> true;
      case "false", "no", "0", "off" -> false;
      default -> throw new ConfigException(name, "'" + v + "' is not true or false");
    };
  }

  /** One of {@code allowed}, compared case-insensitively, returned in lower case. */
  public String choice(String name, String fallback, Set<String> allowed) {
    String v = string(name, fallback).toLowerCase(Locale.ROOT);
    if (!allowed.contains(v)) {
      throw new ConfigException(name, "'" + v + "' is not one of " + String.join(", ", allowed.stream().sorted().toList()));
    }
    return v;
  }

  /** A connection URL with one of the given schemes (see {@link ConnectionUrl}), or {@code null} when unset. Never echoes a password. */
  public ConnectionUrl url(String name, Set<String> schemes) {
    String v = optional(name);
    return v == null ? null : ConnectionUrl.parse(name, v, schemes);
  }
}
