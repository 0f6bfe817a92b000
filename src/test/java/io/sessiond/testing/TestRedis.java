package io.sessiond.testing;

import io.sessiond.config.RedisConfig;
import io.sessiond.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import redis.embedded.RedisServer;

/**
 * A real Redis for tests, one per JVM: {@code REDIS_URL} when set (nothing is started; with
 * {@code REDIS_MODE=cluster} and {@code REDIS_NODES} it may be a Redis Cluster); otherwise a
 * private redis-server on a free port, started lazily and stopped by a shutdown hook — the one
 * packaged in the embedded-redis jar (Redis 6.2), or with {@code TEST_SERVICES=system} the machine's
 * own {@code redis-server} (Redis 7). Tests isolate themselves with {@link #uniquePrefix()}, so
 * nothing is ever flushed. Outage tests start a {@link #privateServer()} of their own to stop and
 * start without disturbing other tests.
 */
public final class TestRedis {
  private static Server shared;

  private TestRedis() {
  }

  /** The Redis every test shares. */
  public static synchronized String url() {
    String external = System.getenv("REDIS_URL");
    if (external != null && !external.isBlank()) {
      return external;
    }
    if (shared == null) {
      shared = privateServer();
    }
    return shared.url();
  }

  /** The settings that point a daemon at {@link #url()}: REDIS_URL, plus the mode and nodes of a cluster given by the environment. */
  public static Map<String, String> settings() {
    Map<String, String> values = new HashMap<>();
    String url = url();
    values.put("REDIS_URL", url);
    for (String name : List.of("REDIS_MODE", "REDIS_NODES", "REDIS_MASTER_NAME")) {
      String value = System.getenv(name);
      if (value != null && url.equals(System.getenv("REDIS_URL"))) {
        values.put(name, value);
      }
    }
    return values;
  }

  /** A key prefix no other test uses. */
  public static String uniquePrefix() {
    return "test-" + UUID.randomUUID().toString().substring(0, 8) + ":";
  }

  /** The store's settings for {@link #url()} with a fresh prefix, plus any overrides. */
  public static RedisConfig config(String prefix, Map<String, String> overrides) {
    return config(url(), prefix, overrides);
  }

  public static RedisConfig config(String url, String prefix, Map<String, String> overrides) {
    Map<String, String> values = new HashMap<>();
    if (url.equals(System.getenv("REDIS_URL"))) {
      values.putAll(settings()); // a Sentinel or Cluster named by the environment keeps its mode and nodes
    }
    values.put("REDIS_URL", url);
    values.put("REDIS_PREFIX", prefix);
    values.putAll(overrides);
    return RedisConfig.from(new Settings(values));
  }

  /** A new server of its own on a free port, already running, stopped at JVM exit. */
  public static Server privateServer() {
    Server server = "system".equalsIgnoreCase(System.getenv("TEST_SERVICES")) && onPath("redis-server")
        ? new SystemServer(freePort()) : new EmbeddedServer(freePort());
    server.start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
    return server;
  }

  /**
   * A new server of the machine's own {@code redis-server} (Redis 7 here; installed with apt when
   * missing), already running, stopped at JVM exit: for what only Redis 7 has (function libraries).
   */
  public static Server systemServer() {
    Tools.require("redis-server", "redis-server");
    Server server = new SystemServer(freePort());
    server.start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
    return server;
  }

  /** A redis-server the tests control. {@link #start()} after {@link #stop()} reuses the port. */
  public abstract static class Server {
    protected final int port;

    Server(int port) {
      this.port = port;
    }

    public String url() {
      return "redis://127.0.0.1:" + port;
    }

    public int port() {
      return port;
    }

    public synchronized void start() {
      launch();
      awaitPing();
    }

    public abstract void stop();

    abstract void launch();

    /** Sends one inline command and returns the first reply line: a tiny client for setup and checks. */
    public String command(String inline) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout(2000);
        OutputStream out = s.getOutputStream();
        out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        InputStream in = s.getInputStream();
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
          if (c != '\r') {
            line.append((char) c);
          }
        }
        return line.toString();
      } catch (IOException e) {
        throw new IllegalStateException("Redis on port " + port + " does not answer: " + e.getMessage(), e);
      }
    }

    private void awaitPing() {
      long deadline = System.currentTimeMillis() + 10_000;
      while (true) {
        try {
          if (command("PING").equals("+PONG")) {
            return;
          }
        } catch (IllegalStateException e) {
          if (System.currentTimeMillis() > deadline) {
            throw e;
          }
        }
        sleep(20);
      }
    }
  }

  private static final class EmbeddedServer extends Server {
    private RedisServer server;

    EmbeddedServer(int port) {
      super(port);
    }

    @Override
    void launch() {
      try {
        server = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
            .setting("save \"\"").setting("appendonly no").build();
        server.start();
      } catch (IOException e) {
        throw new IllegalStateException("cannot start the embedded Redis on port " + port, e);
      }
    }

    @Override
    public synchronized void stop() {
      try {
        if (server != null && server.isActive()) {
          server.stop();
        }
      } catch (IOException e) {
        // the process is gone either way
      }
    }
  }

  private static final class SystemServer extends Server {
    private Process process;
    private Path dir;

    SystemServer(int port) {
      super(port);
    }

    @Override
    void launch() {
      try {
        dir = Files.createTempDirectory("sessiond-redis-");
        process = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", dir.toString()))
            .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
      } catch (IOException e) {
        throw new IllegalStateException("cannot start redis-server on port " + port, e);
      }
    }

    @Override
    public synchronized void stop() {
      if (process != null) {
        process.destroy();
        try {
          process.waitFor();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(dir)) {
          files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
          // a leftover temp directory is harmless
        }
      }
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port", e);
    }
  }

  private static boolean onPath(String binary) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(":")) {
      if (Files.isExecutable(Path.of(dir, binary))) {
        return true;
      }
    }
    return false;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
