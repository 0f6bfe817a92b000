package io.sessiond.faults;

import io.sessiond.testing.TestPostgres;
import io.sessiond.testing.TestRedisCluster;
import io.sessiond.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What production runs, on loopback: {@code n} daemons (separate JVMs, from the test class path) on
 * one Redis with AOF reached through a {@link FaultProxy}, syncing to a private PostgreSQL, behind
 * nginx configured by the shipped {@code conf/nginx.conf} (only its upstream servers, listen address
 * and file paths are rewritten). On a {@link TestRedisCluster} instead ({@code REDIS_MODE=cluster}),
 * the daemons reach the cluster's nodes directly and the fleet has no redis-server or proxy of its own.
 */
final class Fleet implements AutoCloseable {
  static final String TENANT = "faults";
  static final String KEY = "faults-" + UUID.randomUUID();
  /** Every request answers within this (503 otherwise), whatever Redis or PostgreSQL do. */
  static final long REQUEST_TIMEOUT_MS = 2000;

  /** The fleet's own Redis and the proxy in front of it; {@code null} on a cluster. */
  final RedisProcess redis;
  final FaultProxy proxy;
  private final TestRedisCluster cluster;
  final TestPostgres.Server pg;
  final String pgUrl;
  private final Path dir;
  private final String syncMode;
  private final int[] ports;
  private final Process[] daemons;
  private final int lbPort = Processes.freePort();
  private Process nginx;

  Fleet(Path dir, int n, String syncMode) throws IOException {
    this(dir, n, syncMode, null);
  }

  /** A fleet on {@code cluster} when it is not {@code null} (the caller stops the cluster), else on a Redis of its own. */
  Fleet(Path dir, int n, String syncMode, TestRedisCluster cluster) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.syncMode = syncMode;
    this.cluster = cluster;
    if (cluster == null) {
      this.redis = new RedisProcess(Files.createDirectories(dir.resolve("redis")));
      redis.start();
      this.proxy = new FaultProxy(redis.port());
    } else {
      this.redis = null;
      this.proxy = null;
    }
    // fsync off: a process crash keeps what PostgreSQL wrote (the page cache survives it), and a stop under
    // load need not wait for a checkpoint to reach a loaded disk. synchronous_commit on (PostgreSQL's
    // default; the embedded server turns it off): a commit answers once its WAL is written, so a crash
    // cannot lose a write-through write the daemon acknowledged.
    this.pg = TestPostgres.privateServer(java.util.Map.of("fsync", "off", "synchronous_commit", "on"));
    this.pgUrl = TestPostgres.createDatabase(pg.url("postgres"));
    this.ports = new int[n];
    this.daemons = new Process[n];
    // One after the other: JVMs starting together on a busy 2-core machine outwait their start-up checks.
    for (int i = 0; i < n; i++) {
      ports[i] = Processes.freePort();
      startDaemon(i, true);
    }
    nginx = startNginx();
    Processes.awaitStatus(lb() + "/health/live", s -> s == 200, 20_000, "nginx in front of the daemons");
  }

  /** The load balancer's base URL: where clients go. */
  String lb() {
    return "http://127.0.0.1:" + lbPort;
  }

  int size() {
    return daemons.length;
  }

  void startDaemon(int i, boolean await) {
    Map<String, String> env = new HashMap<>();
    env.put("SESSION_STORE", "redis");
    if (cluster == null) {
      env.put("REDIS_URL", "redis://127.0.0.1:" + proxy.port());
    } else {
      env.putAll(cluster.settings());
    }
    env.put("REDIS_PREFIX", "faults:");
    env.put("PG_URL", pgUrl);
    env.put("SYNC_MODE", syncMode);
    env.put("TENANTS", TENANT + "=" + KEY);
    env.put("HTTP_PORT", Integer.toString(ports[i]));
    env.put("HTTP_INSTANCES", "1");
    env.put("HEALTH_INTERVAL_MS", "200");
    env.put("REQUEST_TIMEOUT_MS", Long.toString(REQUEST_TIMEOUT_MS));
    env.put("SESSION_SYNC_INTERVAL_MS", "200");
    env.put("MAX_MESSAGES_PER_SESSION", "100000");
    env.put("TENANT_MAX_SESSIONS", "0");
    env.put("TENANT_MAX_BYTES_PER_SESSION", "0");
    env.put("TENANT_REQUESTS_PER_SECOND", "0");
    env.put("SHUTDOWN_DRAIN_DELAY_MS", "0");
    daemons[i] = Processes.start(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "io.sessiond.Main"),
        dir.resolve("daemon-" + i + ".log"), env);
    if (await) {
      awaitReady(i);
    }
  }

  /**
   * Waits until daemon {@code i} is ready. A daemon that exits while it starts (on a machine so busy
   * that its start-up checks time out) is started again, as a supervisor would, up to three times.
   */
  void awaitReady(int i) {
    String url = "http://127.0.0.1:" + ports[i] + "/health/ready";
    String what = "daemon " + i + " (log: " + dir.resolve("daemon-" + i + ".log") + ")";
    for (int attempt = 1; ; attempt++) {
      long deadline = System.currentTimeMillis() + 90_000;
      while (daemons[i].isAlive() && System.currentTimeMillis() < deadline) {
        if (Processes.status(url) == 200) {
          return;
        }
        Processes.pause(50);
      }
      if (daemons[i].isAlive() || attempt == 3) {
        throw new AssertionError(what + " is not ready after " + attempt + " start(s)");
      }
      startDaemon(i, false);
    }
  }

  void kill9Daemon(int i) {
    Processes.kill9(daemons[i]);
  }

  /** Waits until every daemon is ready again (after a fault of a shared store). */
  void awaitAllReady() {
    for (int i = 0; i < daemons.length; i++) {
      awaitReady(i);
    }
  }

  private Process startNginx() throws IOException {
    String binary = Tools.require("nginx", "nginx");
    Path conf = dir.resolve("nginx");
    Files.createDirectories(conf.resolve("logs"));
    Files.writeString(conf.resolve("nginx.conf"), nginxConf(Files.readString(Path.of("conf/nginx.conf"))));
    return Processes.start(List.of(binary, "-p", conf + "/", "-c", "nginx.conf", "-g", "daemon off;"),
        conf.resolve("logs/stdout.log"), Map.of());
  }

  /** The shipped configuration with this fleet's upstreams, port and private file paths. */
  String nginxConf(String shipped) {
    Matcher m = Pattern.compile("(?m)^(\\s*)server\\s+sessiond-\\d+:8080([^;]*);\\s*$").matcher(shipped);
    if (!m.find()) {
      throw new AssertionError("conf/nginx.conf names no upstream server sessiond-N:8080");
    }
    String indent = m.group(1);
    String params = m.group(2);
    StringBuilder servers = new StringBuilder();
    for (int port : ports) {
      servers.append(indent).append("server 127.0.0.1:").append(port).append(params).append(";\n");
    }
    String out = shipped.replaceFirst("(?m)^(\\s*)server\\s+sessiond-\\d+:8080[^;]*;\\s*$", Matcher.quoteReplacement(
        servers.toString().stripTrailing()));
    out = out.replaceAll("(?m)^\\s*server\\s+sessiond-\\d+:8080[^;]*;\\s*\\n", "");
    out = out.replaceAll("listen\\s+8080;", "listen 127.0.0.1:" + lbPort + ";");
    out = out.replaceAll("worker_processes\\s+auto;", "worker_processes 1;");
    out = "pid nginx.pid;\nerror_log logs/error.log warn;\n" + out.replaceFirst("http\\s*\\{", "http {\n  access_log off;\n"
        + "  client_body_temp_path tmp-body;\n  proxy_temp_path tmp-proxy;\n  fastcgi_temp_path tmp-fastcgi;\n"
        + "  uwsgi_temp_path tmp-uwsgi;\n  scgi_temp_path tmp-scgi;\n");
    return out;
  }

  @Override
  public void close() throws IOException {
    Processes.stop(nginx);
    for (Process d : daemons) {
      Processes.stop(d);
    }
    if (proxy != null) {
      proxy.close();
      redis.stop();
    }
    pg.stop();
  }

  List<Integer> ports() {
    List<Integer> out = new ArrayList<>();
    for (int p : ports) {
      out.add(p);
    }
    return out;
  }
}
