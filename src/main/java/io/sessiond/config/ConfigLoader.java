package io.sessiond.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads the configuration once at start-up: the defaults packaged in the jar, then
 * {@code conf/config.json} (or the file named by {@code CONFIG_FILE}) when present, then the
 * environment. Runs before Vert.x starts, so plain blocking I/O is fine here.
 */
public final class ConfigLoader {
  private static final String PACKAGED = "/conf/config.json";

  private ConfigLoader() {
  }

  public static AppConfig load(Map<String, String> env) {
    JsonObject merged = packagedDefaults();
    String configured = env.get("CONFIG_FILE");
    Path file = Path.of(configured == null || configured.isBlank() ? "conf/config.json" : configured);
    if (Files.exists(file)) {
      merged.mergeIn(readFile(file));
    } else if (configured != null && !configured.isBlank()) {
      throw new ConfigException("CONFIG_FILE", "file " + file + " does not exist");
    }
    return AppConfig.from(Settings.of(merged, env));
  }

  private static JsonObject packagedDefaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream(PACKAGED)) {
      return in == null ? new JsonObject() : new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the packaged defaults", e);
    }
  }

  private static JsonObject readFile(Path file) {
    try {
      return new JsonObject(Files.readString(file));
    } catch (IOException | DecodeException e) {
      throw new ConfigException("CONFIG_FILE", file + " is not a JSON object: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }
}
