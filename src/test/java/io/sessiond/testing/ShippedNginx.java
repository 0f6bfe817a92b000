package io.sessiond.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real nginx (from apt) running the shipped {@code conf/nginx.conf} on loopback: only its upstream
 * servers (one line per given port, with the shipped line's parameters), its listening address, the
 * worker count and the file paths are rewritten, everything else is what a deployment runs.
 */
public final class ShippedNginx implements AutoCloseable {
  private static final Pattern SERVER = Pattern.compile("(?m)^(\\s*)server\\s+sessiond-\\d+:8080([^;]*);[ \\t]*\\n");
  private final Process process;
  private final int port;

  private ShippedNginx(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts nginx in {@code dir} in front of the replicas listening on {@code upstreams}; waits until it answers. */
  public static ShippedNginx start(Path dir, List<Integer> upstreams) throws IOException, InterruptedException {
    String binary = Tools.require("nginx", "nginx");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Files.createDirectories(dir.resolve("logs"));
    Files.writeString(dir.resolve("nginx.conf"), conf(Files.readString(Path.of("conf/nginx.conf")), port, upstreams));
    Process p = new ProcessBuilder(binary, "-p", dir + "/", "-c", "nginx.conf", "-g", "daemon off;")
        .redirectErrorStream(true).redirectOutput(dir.resolve("logs/stdout.log").toFile()).start();
    ShippedNginx nginx = new ShippedNginx(p, port);
    nginx.awaitListening(dir);
    return nginx;
  }

  /** The shipped configuration with these upstreams, this port and private paths. */
  static String conf(String shipped, int port, List<Integer> upstreams) {
    Matcher m = SERVER.matcher(shipped);
    if (!m.find()) {
      throw new AssertionError("conf/nginx.conf names no upstream server sessiond-N:8080");
    }
    StringBuilder servers = new StringBuilder();
    for (int upstream : upstreams) {
      servers.append(m.group(1)).append("server 127.0.0.1:").append(upstream).append(m.group(2)).append(";\n");
    }
    String out = SERVER.matcher(shipped).replaceFirst(Matcher.quoteReplacement(servers.toString()));
    out = out.replaceAll("(?m)^\\s*server\\s+sessiond-\\d+:8080[^;]*;[ \\t]*\\n", "");
    out = out.replaceFirst("listen\\s+8080;", "listen 127.0.0.1:" + port + ";");
    out = out.replaceFirst("worker_processes\\s+auto;", "worker_processes 1;");
    out = "pid nginx.pid;\nerror_log logs/error.log warn;\n" + out.replaceFirst("http\\s*\\{", "http {\n  access_log off;\n"
        + "  client_body_temp_path tmp-body;\n  proxy_temp_path tmp-proxy;\n  fastcgi_temp_path tmp-fastcgi;\n"
        + "  uwsgi_temp_path tmp-uwsgi;\n  scgi_temp_path tmp-scgi;\n");
    if (!out.contains("listen 127.0.0.1:" + port + ";") || out.contains("sessiond-")) {
      throw new AssertionError("conf/nginx.conf could not be rewritten for the test:\n" + out);
    }
    return out;
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  private void awaitListening(Path dir) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("nginx exited with " + process.exitValue() + " (see " + dir.resolve("logs") + ")");
      }
      try {
        http.send(HttpRequest.newBuilder(URI.create(url() + "/health/live")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding());
        return;
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(50); // polling a process that has no readiness signal, bounded by the deadline
    }
    throw new AssertionError("nginx did not listen within 20 s (see " + dir.resolve("logs") + ")");
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
