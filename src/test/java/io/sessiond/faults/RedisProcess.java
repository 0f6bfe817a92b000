package io.sessiond.faults;

import io.sessiond.testing.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A redis-server of the machine (Redis 7, installed with apt-get when absent) with AOF on, as
 * production runs it: {@code appendfsync everysec}. Killed with SIGKILL and started again on the same
 * port and folder, it loads what its AOF holds.
 */
final class RedisProcess {
  private final String binary = Tools.require("redis-server", "redis-server");
  private final int port = Processes.freePort();
  private final Path dir;
  private Process process;

  RedisProcess(Path dir) {
    this.dir = dir;
  }

  int port() {
    return port;
  }

  void start() {
    process = Processes.start(List.of(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "yes", "--appendfsync", "everysec", "--dir", dir.toString()), dir.resolve("redis.log"), Map.of());
    long deadline = System.currentTimeMillis() + 20_000;
    while (!"+PONG".equals(command("PING"))) {
      if (System.currentTimeMillis() > deadline || !process.isAlive()) {
        throw new IllegalStateException("redis-server on port " + port + " did not start (see " + dir + "/redis.log)");
      }
      Processes.pause(50);
    }
  }

  void kill9() {
    Processes.kill9(process);
  }

  void stop() {
    Processes.stop(process);
  }

  /** One inline command; the first line of the reply, or {@code null} when Redis does not answer. */
  String command(String inline) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
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
      return null;
    }
  }
}
