package io.sessiond.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server process of the machine's own (installed with apt when missing) that a fault test
 * may freeze ({@code SIGSTOP}: connections stay open, nothing is answered, queued commands run once it
 * is thawed) and thaw, as a hung or paused Redis behaves. No persistence; stopped by {@link #close()}.
 */
public final class RedisProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path dir;

  private RedisProcess(Process process, int port, Path dir) {
    this.process = process;
    this.port = port;
    this.dir = dir;
  }

  public static RedisProcess start() throws IOException, InterruptedException {
    String binary = Tools.require("redis-server", "redis-server");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path dir = Files.createTempDirectory("sessiond-redis-fault-");
    Process p = new ProcessBuilder(List.of(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", dir.toString()))
        .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    RedisProcess redis = new RedisProcess(p, port, dir);
    TestRedis.Server probe = new TestRedis.Server(port) {
      @Override
      void launch() {
      }

      @Override
      public void stop() {
      }
    };
    probe.start(); // waits for PONG
    return redis;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  public void freeze() throws IOException, InterruptedException {
    signal("STOP");
  }

  public void thaw() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  @Override
  public void close() throws Exception {
    thaw();
    process.destroy();
    process.waitFor(10, TimeUnit.SECONDS);
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
