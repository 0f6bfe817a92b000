package io.sessiond;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The compose stack's files hold together, checked without Docker: compose.yaml's services, ports,
 * health checks, volumes and files, every variable given to sessiond is a real setting, nginx and
 * Prometheus reach exactly the sessiond replicas on the port they listen on, Grafana's provisioning
 * matches its mounts, the Dockerfile's COPY sources exist in the build context and the image has the
 * health check compose runs, with an entry point that hands the container's arguments to the jar. Only {@code docker compose config} needs Docker's compose plugin: that
 * test is skipped, with the reason in the report, where the plugin is missing.
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
  void dockerComposeConfig_acceptsTheFile() throws Exception {
    String compose = run(List.of("docker", "compose", "version"));
    Assumptions.assumeTrue(compose.isEmpty(), "SKIPPED, needs the docker compose plugin (" + compose.strip()
        + "): `docker compose config` was not run; the other tests check compose.yaml without Docker");
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
    assertTrue(services.get("redis-ui").get("ports").toString().contains("127.0.0.1:8081:8081"));
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
  void prometheusConfig_passesPromtool() throws Exception {
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

  private static final Path ENTRYPOINT = Path.of("docker", "entrypoint.sh");

  @Test
  void dockerfile_entrypoint_isTheScript_inExecForm_withoutArguments() throws IOException {
    String dockerfile = Files.readString(Path.of("Dockerfile"));
    List<String> entrypoints = Pattern.compile("(?m)^ENTRYPOINT (.*)$").matcher(dockerfile).results()
        .map(m -> m.group(1).trim()).toList();
    assertEquals(List.of("[\"/app/entrypoint.sh\"]"), entrypoints, "exec form: docker run's arguments reach the script");
    assertTrue(Pattern.compile("(?m)^COPY docker/entrypoint\\.sh /app/entrypoint\\.sh$").matcher(dockerfile).find());
    assertTrue(Pattern.compile("(?m)chmod 755 .*/app/entrypoint\\.sh").matcher(dockerfile).find());
    assertTrue(!Pattern.compile("(?m)^CMD ").matcher(dockerfile).find(), "no CMD: no arguments runs the daemon");
    assertTrue(Files.isExecutable(ENTRYPOINT), ENTRYPOINT + " is executable");
  }

  /** A {@code java} that writes its arguments (NUL-separated) and its pid, then exits 3. */
  private static Path recordingJava(Path dir) throws IOException {
    Path java = dir.resolve("bin/java");
    Files.createDirectories(java.getParent());
    Files.writeString(java, "#!/bin/sh\nprintf '%s\\0' \"$@\" > \"$ARGS_FILE\"\necho $$ > \"$PID_FILE\"\nexit 3\n");
    assertTrue(java.toFile().setExecutable(true));
    return java;
  }

  /** Runs the entry point as the image does (the script itself, by its #! line) with {@code java} from {@code bin}. */
  private static Process entrypoint(Path bin, Map<String, String> env, List<String> args) throws IOException {
    List<String> command = new ArrayList<>(List.of(ENTRYPOINT.toAbsolutePath().toString()));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    pb.environment().remove("JAVA_OPTS");
    pb.environment().putAll(env);
    return pb.start();
  }

  @Test
  void entrypoint_passesJavaOptsAndEveryArgument_asTheyAre_toTheJar_andExecsJava(@TempDir Path dir) throws Exception {
    Path java = recordingJava(dir);
    Path argsFile = dir.resolve("args");
    Path pidFile = dir.resolve("pid");
    Map<String, String> env = Map.of("ARGS_FILE", argsFile.toString(), "PID_FILE", pidFile.toString(),
        "JAVA_OPTS", "-XX:MaxRAMPercentage=75  -Dsessiond.x=a*");
    List<String> args = List.of("backup-tenant", "--help", "two words", "*", "$HOME", "");
    Process p = entrypoint(java.getParent(), env, args);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(3, p.exitValue(), "java's exit code is the container's");
    List<String> expected = new ArrayList<>(List.of("-XX:MaxRAMPercentage=75", "-Dsessiond.x=a*", "-jar",
        "/app/sessiond.jar"));
    expected.addAll(args);
    assertEquals(expected, nulSeparated(argsFile));
    assertEquals(Long.toString(p.pid()), Files.readString(pidFile).trim(), "exec: java replaces the shell (PID 1)");

    // No arguments, no JAVA_OPTS: exactly -jar and the jar (the daemon), no empty word.
    Process daemon = entrypoint(java.getParent(), Map.of("ARGS_FILE", argsFile.toString(),
        "PID_FILE", pidFile.toString()), List.of());
    assertTrue(daemon.waitFor(30, TimeUnit.SECONDS));
    assertEquals(List.of("-jar", "/app/sessiond.jar"), nulSeparated(argsFile));
  }

  /**
   * The image's {@code docker run IMAGE backup-tenant --help}: the entry point with a {@code java}
   * that runs this build's Main (the test class path) in place of /app/sessiond.jar.
   */
  @Test
  void entrypoint_subcommandHelp_reachesTheCommandLine(@TempDir Path dir) throws Exception {
    Path java = dir.resolve("bin/java");
    Files.createDirectories(java.getParent());
    Files.writeString(java, "#!/bin/sh\nwhile [ \"$#\" -gt 0 ] && [ \"$1\" != -jar ]; do shift; done\nshift 2\n"
        + "exec \"$REAL_JAVA\" -cp \"$TEST_CP\" io.sessiond.Main \"$@\"\n");
    assertTrue(java.toFile().setExecutable(true));
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process p = entrypoint(java.getParent(), Map.of("REAL_JAVA", Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "TEST_CP", classPath, "JAVA_OPTS", "-Xmx64m"), List.of("backup-tenant", "--help"));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("Usage: sessiond backup-tenant"), out);
  }

  private static List<String> nulSeparated(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    assertTrue(text.endsWith("\0"), "NUL-terminated: " + text);
    return List.of(text.substring(0, text.length() - 1).split("\0", -1));
  }

  @Test
  void dockerfile_copiesOnlyFilesOfTheBuildContext_andMakesTheHealthCheckComposeRuns() throws IOException {
    String dockerfile = Files.readString(Path.of("Dockerfile"));
    List<String> ignored = Files.readAllLines(Path.of(".dockerignore")).stream().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(.+)$").matcher(dockerfile);
    List<String> sources = new ArrayList<>();
    while (copy.find()) {
      List<String> words = List.of(copy.group(1).trim().split("\\s+"));
      sources.addAll(words.subList(0, words.size() - 1));
    }
    assertTrue(sources.containsAll(List.of("pom.xml", "src")), "the build stage needs the pom and the sources: " + sources);
    for (String source : sources) {
      assertTrue(Files.exists(Path.of(source)), "the Dockerfile copies missing " + source);
      assertFalse(ignored.contains(source.split("/")[0]), ".dockerignore keeps " + source + " out of the build context");
    }
    String healthCheck = String.valueOf(((Map<?, ?>) services().get("sessiond-1").get("healthcheck")).get("test"));
    assertTrue(healthCheck.contains("/app/healthcheck.sh"), healthCheck);
    assertTrue(dockerfile.contains("> /app/healthcheck.sh && chmod 755 /app/healthcheck.sh"),
        "the image does not make the /app/healthcheck.sh compose runs");
  }

  @Test
  @SuppressWarnings("unchecked")
  void nginxAndPrometheus_reachExactlyTheReplicas_onThePortTheyListenOn() throws IOException {
    Set<String> replicas = new TreeSet<>();
    for (String name : services().keySet()) {
      if (name.startsWith("sessiond-")) {
        replicas.add(name + ":" + httpPort(name));
      }
    }
    assertEquals(Set.of("sessiond-1:8080", "sessiond-2:8080"), replicas);

    String nginx = Files.readString(Path.of("conf/nginx.conf"));
    Set<String> upstream = new TreeSet<>(Pattern.compile("(?m)^\\s*server (\\S+:\\d+)").matcher(nginx).results()
        .map(m -> m.group(1)).toList());
    assertEquals(replicas, upstream, "nginx's upstream");
    Matcher listen = Pattern.compile("(?m)^\\s*listen (\\d+);").matcher(nginx);
    assertTrue(listen.find(), "nginx listens on no port");
    assertTrue(((List<Object>) services().get("nginx").get("ports")).contains("8080:" + listen.group(1)),
        "compose publishes nginx's port 8080 as " + services().get("nginx").get("ports"));

    Set<String> managementPorts = new TreeSet<>();
    for (String name : services().keySet()) {
      if (name.startsWith("sessiond-")) {
        managementPorts.add(name + ":" + setting(name, "MANAGEMENT_PORT", null));
      }
    }
    Map<String, Object> prometheus = new Yaml().load(Files.readString(Path.of("conf/prometheus.yml")));
    List<Map<String, Object>> jobs = (List<Map<String, Object>>) prometheus.get("scrape_configs");
    Set<String> targets = new TreeSet<>();
    for (Map<String, Object> job : jobs) {
      assertEquals("/metrics", job.get("metrics_path"));
      for (Map<String, Object> group : (List<Map<String, Object>>) job.get("static_configs")) {
        targets.addAll((List<String>) group.get("targets"));
      }
    }
    assertEquals(managementPorts, targets, "Prometheus scrapes each replica's management port");
    assertTrue(managementPorts.stream().noneMatch(t -> t.endsWith(":null")), "every replica has a MANAGEMENT_PORT");
    String command = services().get("prometheus").get("command").toString();
    assertTrue(command.contains("--config.file=/etc/prometheus/prometheus.yml")
        && services().get("prometheus").get("volumes").toString()
            .contains("./conf/prometheus.yml:/etc/prometheus/prometheus.yml"), command);
  }

  /** The HTTP port a sessiond service listens on: HTTP_PORT from its environment or env file, else 8080. */
  private static String httpPort(String service) throws IOException {
    return setting(service, "HTTP_PORT", "8080");
  }

  /** A setting of a sessiond service: from its environment, else its env files, else {@code fallback}. */
  @SuppressWarnings("unchecked")
  private static String setting(String service, String name, String fallback) throws IOException {
    Map<String, Object> s = services().get(service);
    Object value = ((Map<String, Object>) s.get("environment")).get(name);
    for (Object f : (List<Object>) s.get("env_file")) {
      for (String line : Files.readAllLines(Path.of(f.toString()))) {
        if (line.startsWith(name + "=") && value == null) {
          value = line.substring(name.length() + 1).trim();
        }
      }
    }
    return value == null ? fallback : value.toString();
  }

  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)}");

  /**
   * No secret has a default and none is committed: every variable compose.yaml reads is required
   * ({@code ${NAME:?why}}), so a forgotten password stops {@code docker compose} instead of starting a
   * stack on a known one; .env.example names exactly those variables, with no values; .env is neither
   * committed nor sent to the image build; the shared env file holds no key, password or token.
   */
  @Test
  void secrets_areRequired_neverDefaulted_andNoneIsCommitted() throws IOException {
    String compose = Files.readString(Path.of("compose.yaml"));
    Set<String> required = new TreeSet<>();
    Matcher m = VARIABLE.matcher(compose);
    while (m.find()) {
      assertTrue(m.group(2).startsWith(":?") && m.group(2).length() > 3,
          "${" + m.group(1) + m.group(2) + "} must be required with a reason (${NAME:?why}), not defaulted");
      required.add(m.group(1));
    }
    assertTrue(required.containsAll(Set.of("REDIS_PASSWORD", "POSTGRES_PASSWORD", "GRAFANA_ADMIN_PASSWORD", "TENANTS")),
        required.toString());
    for (String file : List.of("compose.yaml", "conf/sessiond.env", "conf/nginx.conf", "conf/prometheus.yml", ".env.example")) {
      assertFalse(Files.readString(Path.of(file)).toLowerCase().contains("change-me"), file + " holds a known password");
    }
    for (String line : Files.readAllLines(Path.of("conf/sessiond.env"))) {
      assertFalse(!line.startsWith("#") && line.matches("(?i).*(TENANTS|KEY|PASSWORD|TOKEN|SECRET).*=.*"),
          "conf/sessiond.env holds a secret: " + line);
    }
    Map<String, String> example = new java.util.TreeMap<>();
    for (String line : Files.readAllLines(Path.of(".env.example"))) {
      if (!line.isBlank() && !line.startsWith("#")) {
        example.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
      }
    }
    assertEquals(required, example.keySet(), ".env.example names exactly the variables compose.yaml requires");
    example.forEach((name, value) -> assertEquals("", value, ".env.example gives " + name + " a value"));
    assertTrue(Files.readAllLines(Path.of(".gitignore")).contains(".env"), ".env is not ignored by git");
    assertTrue(Files.readAllLines(Path.of(".dockerignore")).contains(".env"), ".env would be sent to the image build");
  }

  /** Every image names a version (never latest), in compose.yaml and the Dockerfile's stages. */
  @Test
  void images_arePinnedToAVersion() throws IOException {
    List<String> images = new ArrayList<>();
    services().forEach((name, s) -> {
      if (s.get("build") == null) {
        images.add(String.valueOf(s.get("image")));
      }
    });
    Pattern.compile("(?m)^FROM (\\S+)").matcher(Files.readString(Path.of("Dockerfile"))).results()
        .forEach(r -> images.add(r.group(1)));
    assertTrue(images.size() >= 8, images.toString());
    for (String image : images) {
      String tag = image.contains(":") ? image.substring(image.lastIndexOf(':') + 1) : "";
      assertTrue(tag.matches("v?\\d+\\.\\d+[0-9A-Za-z._-]*") && !tag.contains("latest"),
          image + " is not pinned to a version");
    }
  }

  /**
   * Only the API (nginx) is published on every interface. The Redis UI, which reads and edits every
   * credential, is off by default (a profile), on the host's loopback, behind a login; Prometheus and
   * Grafana, which show the metrics, are on loopback; Redis, PostgreSQL and the replicas publish nothing.
   */
  @Test
  @SuppressWarnings("unchecked")
  void onlyTheApi_isPublished_andTheRedisUi_isOffByDefault_onLoopback_behindALogin() throws IOException {
    services().forEach((name, s) -> {
      for (Object port : (List<Object>) s.getOrDefault("ports", List.of())) {
        assertTrue(name.equals("nginx") || port.toString().startsWith("127.0.0.1:"), name + " publishes " + port);
      }
    });
    for (String name : List.of("redis", "postgres", "sessiond-1", "sessiond-2")) {
      assertEquals(null, services().get(name).get("ports"), name + " publishes ports");
    }
    Map<String, Object> ui = services().get("redis-ui");
    assertFalse(((List<Object>) ui.getOrDefault("profiles", List.of())).isEmpty(), "the Redis UI starts by default");
    Map<String, Object> env = (Map<String, Object>) ui.get("environment");
    assertTrue(env.containsKey("HTTP_USER") && String.valueOf(env.get("HTTP_PASSWORD")).startsWith("${"),
        "the Redis UI has no login: " + env.keySet());
  }

  /** The shipped nginx config never passes /metrics to a replica (ShippedNginxTest runs it). */
  @Test
  void nginx_refusesMetrics() throws IOException {
    String nginx = Files.readString(Path.of("conf/nginx.conf"));
    assertTrue(Pattern.compile("location \\^~ /metrics \\{\\s*return 404;\\s*}").matcher(nginx).find(), nginx);
  }

  @Test
  @SuppressWarnings("unchecked")
  void grafanaProvisioning_pointsAtItsMountedDashboards_andAtPrometheus() throws IOException {
    String volumes = services().get("grafana").get("volumes").toString();
    Map<String, Object> dashboards = new Yaml().load(Files.readString(Path.of("grafana/provisioning/dashboards/sessiond.yaml")));
    Map<String, Object> provider = ((List<Map<String, Object>>) dashboards.get("providers")).get(0);
    String path = ((Map<String, Object>) provider.get("options")).get("path").toString();
    assertTrue(volumes.contains("./grafana/dashboards:" + path + ":ro"), path + " is not mounted: " + volumes);
    assertTrue(volumes.contains("./grafana/provisioning:/etc/grafana/provisioning:ro"), volumes);
    String home = ((Map<String, Object>) services().get("grafana").get("environment"))
        .get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH").toString();
    assertTrue(home.startsWith(path + "/") && Files.exists(Path.of("grafana/dashboards", home.substring(path.length() + 1))),
        "the home dashboard " + home + " is not a file of grafana/dashboards");

    Map<String, Object> sources = new Yaml().load(Files.readString(Path.of("grafana/provisioning/datasources/prometheus.yaml")));
    String url = ((List<Map<String, Object>>) sources.get("datasources")).get(0).get("url").toString();
    assertEquals("http://prometheus:9090", url);
    assertTrue(services().get("prometheus").get("ports").toString().contains(":9090"));
  }
}
