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
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A daemon in a JVM of its own (the test class path, {@code io.sessiond.Main}), configured by
 * environment variables as production is: a test may kill it with {@code kill -9}, which an
 * in-process {@link TestDaemon} cannot model. Output goes to a log file in the test's folder.
 */
public final class DaemonProcess implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<String> command;
  private final Map<String, String> env;
  private Process process;
  private final int port;
  private final Path log;

  private DaemonProcess(List<String> command, Map<String, String> env, int port, Path log) throws IOException {
    this.command = command;
    this.env = env;
    this.port = port;
    this.log = log;
    launch();
  }

  private void launch() throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(env);
    process = pb.start();
  }

  /** Starts a daemon on a free port with {@code env} (HTTP_PORT is set here) and logs to {@code log}. */
  public static DaemonProcess start(Map<String, String> env, Path log) throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Map<String, String> all = new java.util.HashMap<>(env);
    all.put("HTTP_PORT", Integer.toString(port));
    all.putIfAbsent("HTTP_HOST", "127.0.0.1");
    return new DaemonProcess(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "io.sessiond.Main"),
        Map.copyOf(all), port, log);
  }

  public int port() {
    return port;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits (polling with a deadline) until {@code /health/ready} answers 200. A daemon that exits while
   * it starts (its start-up checks time out on a machine this busy) is started again, as a supervisor
   * would, up to three times; the fourth exit fails with the end of its log.
   */
  public DaemonProcess awaitReady(long timeoutMs) throws IOException, InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    for (int starts = 1; System.currentTimeMillis() < deadline; ) {
      if (!process.isAlive()) {
        if (starts == 4) {
          throw new AssertionError("daemon on port " + port + " exited " + starts + " times while starting; its log ends:\n"
              + tail());
        }
        starts++;
        launch();
      }
      try {
        HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return this;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100); // polling a process that has no readiness signal, bounded by the deadline
    }
    throw new AssertionError("daemon on port " + port + " not ready within " + timeoutMs + " ms; its log ends:\n" + tail());
  }

  /** The last lines of the daemon's log. */
  public String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** SIGKILL: no shutdown hook, no drain; waits until the process is gone. */
  public void kill9() throws Exception {
    process.destroyForcibly();
    process.onExit().get(15, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        kill9();
      }
    }
  }
}
