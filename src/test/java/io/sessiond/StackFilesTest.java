package io.sessiond;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.testing.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The compose stack's files hold together: {@code docker compose config} accepts compose.yaml where
 * the compose plugin exists; in any case its structure is checked (services, ports, health checks,
 * volumes and files it names, and every variable given to sessiond is a real setting), Prometheus
 * and nginx name every replica, and the Dockerfile is multi-stage, non-root, with a health check.
 */
class StackFilesTest {
  private static final Set<String> SERVICES = Set.of("redis", "redis-ui", "postgres", "sessiond-1", "sessiond-2",
      "nginx", "prometheus", "grafana");
  /** Settings read outside config/ (logback) or by the image's entry point. */
  private static final Set<String> EXTRA_SETTINGS = Set.of("LOG_LEVEL", "LOG_FORMAT", "JAVA_OPTS", "CONFIG_FILE");

  @SuppressWarnings("unchecked")
  private static Map<String, Object> compose() throws IOException {
    return new Yaml().load(Files.readString(Path.of("compose.yaml")));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> services() throws IOException {
    return (Map<String, Map<String, Object>>) compose().get("services");
  }

  @Test
  void dockerComposeConfig_acceptsTheFile_whereComposeExists() throws Exception {
    if (!run(List.of("docker", "compose", "version")).isEmpty()) {
      System.out.println("docker compose is not available here: compose.yaml is checked structurally only");
      return;
    }
    assertEquals("", run(List.of("docker", "compose", "-f", "compose.yaml", "config", "-q")));
  }

  /** Runs a command; "" when it succeeds, its output otherwise (or why it could not run). */
  private static String run(List<String> command) throws InterruptedException {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0 ? "" : "failed: " + out;
    } catch (IOException e) {
      return "cannot run: " + e.getMessage();
    }
  }

  @Test
  void everyService_isThere_withAHealthCheck() throws IOException {
    Map<String, Map<String, Object>> services = services();
    assertEquals(SERVICES, services.keySet());
    services.forEach((name, s) -> assertNotNull(s.get("healthcheck"), name + " has no healthcheck"));
    assertTrue(services.get("nginx").get("ports").toString().contains("8080:8080"));
    assertTrue(services.get("redis-ui").get("ports").toString().contains("8081:8081"));
    String redis = services.get("redis").get("command").toString();
    assertTrue(redis.contains("--appendonly, yes") && redis.contains("--requirepass"), redis);
    assertTrue(services.get("postgres").get("volumes").toString().contains("/var/lib/postgresql/data"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void volumesAndFiles_theStackNames_exist() throws IOException {
    Map<String, Object> named = (Map<String, Object>) compose().get("volumes");
    for (Map.Entry<String, Map<String, Object>> e : services().entrySet()) {
      for (Object v : (List<Object>) e.getValue().getOrDefault("volumes", List.of())) {
        String source = v.toString().split(":")[0];
        if (source.startsWith(".")) {
          assertTrue(Files.exists(Path.of(source)), e.getKey() + " mounts missing " + source);
        } else {
          assertTrue(named.containsKey(source), e.getKey() + " uses undeclared volume " + source);
        }
      }
      for (Object f : (List<Object>) e.getValue().getOrDefault("env_file", List.of())) {
        assertTrue(Files.exists(Path.of(f.toString())), e.getKey() + " reads missing " + f);
      }
    }
    assertTrue(Files.exists(Path.of("grafana/provisioning/datasources/prometheus.yaml")));
    assertTrue(Files.exists(Path.of("grafana/provisioning/dashboards/sessiond.yaml")));
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyVariableGivenToSessiond_isARealSetting() throws IOException {
    Set<String> settings = settings();
    for (String name : List.of("sessiond-1", "sessiond-2")) {
      Map<String, Object> s = services().get(name);
      Set<String> given = new TreeSet<>(((Map<String, Object>) s.get("environment")).keySet());
      for (Object f : (List<Object>) s.get("env_file")) {
        for (String line : Files.readAllLines(Path.of(f.toString()))) {
          if (!line.isBlank() && !line.startsWith("#")) {
            given.add(line.substring(0, line.indexOf('=')).trim());
          }
        }
      }
      given.removeAll(settings);
      assertEquals(Set.of(), given, name + " is given variables sessiond does not read");
      assertTrue(s.get("environment").toString().contains("SESSION_STORE=redis"), name + ": " + s.get("environment"));
      assertTrue(((Map<String, Object>) s.get("environment")).containsKey("PG_URL"));
    }
  }

  /** Every setting name the configuration code reads ({@code s.string("NAME", …)} and the like). */
  private static Set<String> settings() throws IOException {
    Set<String> names = new TreeSet<>(EXTRA_SETTINGS);
    Pattern read = Pattern.compile("\\b[a-z]\\w*\\(\\s*\"([A-Z][A-Z0-9_]+)\"");
    try (Stream<Path> files = Files.list(Path.of("src/main/java/io/sessiond/config"))) {
      for (Path f : files.toList()) {
        Matcher m = read.matcher(Files.readString(f));
        while (m.find()) {
          names.add(m.group(1));
        }
      }
    }
    assertTrue(names.containsAll(Set.of("HTTP_PORT", "REDIS_URL", "PG_URL", "TENANTS", "SHUTDOWN_GRACE_MS")), names.toString());
    return names;
  }

  @Test
  void prometheusAndNginx_nameEveryReplica() throws Exception {
    String prometheus = Files.readString(Path.of("conf/prometheus.yml"));
    String nginx = Files.readString(Path.of("conf/nginx.conf"));
    for (String replica : List.of("sessiond-1:8080", "sessiond-2:8080")) {
      assertTrue(prometheus.contains(replica), "Prometheus does not scrape " + replica);
      assertTrue(nginx.contains("server " + replica), "nginx does not balance to " + replica);
    }
    String promtool = Tools.require("promtool", "prometheus");
    List<String> check = new ArrayList<>(List.of(promtool, "check", "config", "--syntax-only", "conf/prometheus.yml"));
    assertEquals("", run(check));
  }

  @Test
  void dockerfile_isMultiStage_nonRoot_withAReadinessHealthCheck() throws IOException {
    String dockerfile = Files.readString(Path.of("Dockerfile"));
    assertEquals(2, Pattern.compile("(?m)^FROM ").matcher(dockerfile).results().count());
    assertTrue(Pattern.compile("(?m)^USER (?!root)\\S+").matcher(dockerfile).find());
    assertTrue(Pattern.compile("(?m)^HEALTHCHECK ").matcher(dockerfile).find());
    assertTrue(dockerfile.contains("/health/ready"));
  }
}
