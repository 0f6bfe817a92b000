package io.sessiond;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real entry point in a child JVM, as an operator runs it: invalid configuration exits 2 with
 * one ERROR line naming the setting; a valid one serves, prints the default tenant's key, and stops
 * on SIGTERM.
 */
class MainExitTest {
  private static final Pattern KEY_LINE = Pattern.compile("tenant 'default' was created with API key: (\\S+)");

  /** A started child and every line it printed so far (stdout and stderr merged). */
  private record Child(Process process, List<String> lines, CompletableFuture<String> listening,
                       CompletableFuture<Void> outputRead) {
    String output() {
      return String.join("\n", lines);
    }
  }

  private static Child launch(Path workDir, Map<String, String> env) throws IOException {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-cp", classPath, "io.sessiond.Main")
        .directory(workDir.toFile())
        .redirectErrorStream(true);
    // Only what the test sets: the developer's own TENANTS or SESSION_STORE must not leak in.
    pb.environment().clear();
    pb.environment().putAll(env);
    Process process = pb.start();
    List<String> lines = new CopyOnWriteArrayList<>();
    CompletableFuture<String> listening = new CompletableFuture<>();
    CompletableFuture<Void> outputRead = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          lines.add(line);
          if (line.contains("sessiond listening on")) {
            listening.complete(line);
          }
        }
      } catch (IOException e) {
        // the child is gone; what it printed is in lines
      }
      listening.completeExceptionally(new AssertionError("the daemon never said it was listening"));
      outputRead.complete(null);
    }, "child-output");
    reader.setDaemon(true);
    reader.start();
    return new Child(process, lines, listening, outputRead);
  }

  /** Waits for the child to end and for its output to be read whole. */
  private static int exitCode(Child child, long seconds) throws Exception {
    Process p = child.process().onExit().get(seconds, TimeUnit.SECONDS);
    child.outputRead().get(10, TimeUnit.SECONDS);
    return p.exitValue();
  }

  @Test
  void invalidSetting_exitsWithCode2_andOneErrorLineNamingIt(@TempDir Path dir) throws Exception {
    Child child = launch(dir, Map.of("HTTP_PORT", "abc"));
    try {
      assertEquals(2, exitCode(child, 30), child.output());
      List<String> errors = child.lines().stream().filter(l -> l.contains("ERROR")).toList();
      assertEquals(1, errors.size(), child.output());
      assertTrue(errors.get(0).contains("HTTP_PORT"), errors.get(0));
      assertTrue(errors.get(0).contains("abc"), errors.get(0));
      assertTrue(child.lines().stream().noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception")),
          "no stack trace: " + child.output());
    } finally {
      child.process().destroyForcibly();
    }
  }

  @Test
  void validSettings_serve_printTheDefaultKey_andStopOnSigterm(@TempDir Path dir) throws Exception {
    int port = freePort();
    Child child = launch(dir, Map.of("HTTP_PORT", Integer.toString(port), "HTTP_HOST", "127.0.0.1",
        "HTTP_INSTANCES", "1"));
    try {
      child.listening().get(60, TimeUnit.SECONDS);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      URI ready = URI.create("http://127.0.0.1:" + port + "/health/ready");
      assertEquals(200, pollStatus(http, ready, 200, System.currentTimeMillis() + 15_000).get(20, TimeUnit.SECONDS),
          child.output());

      Matcher key = child.lines().stream().map(KEY_LINE::matcher).filter(Matcher::find).findFirst()
          .orElseThrow(() -> new AssertionError("no default tenant key line in: " + child.output()));
      assertEquals(1, child.lines().stream().filter(l -> KEY_LINE.matcher(l).find()).count(), "printed once");
      HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/sessions"))
          .header("Authorization", "Bearer " + key.group(1)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, list.statusCode(), list.body());

      // SIGTERM through the handle: Process.destroy() would also close our end of the child's output.
      assertTrue(child.process().toHandle().destroy());
      int code = exitCode(child, 30);
      assertTrue(code == 0 || code == 143, "exit status " + code + "\n" + child.output());
      assertTrue(child.lines().stream().anyMatch(l -> l.contains("Shutting down")), "exit " + code + ", no shutdown line in:\n" + child.output());
      assertTrue(child.lines().stream().noneMatch(l -> l.contains("ERROR")), child.output());
    } finally {
      child.process().destroyForcibly();
    }
  }

  /** GETs {@code uri} until it answers {@code wanted} or the deadline passes; the last status otherwise. */
  private static CompletableFuture<Integer> pollStatus(HttpClient http, URI uri, int wanted, long deadline) {
    return http.sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding())
        .handle((r, t) -> r == null ? -1 : r.statusCode())
        .thenCompose(status -> status == wanted || System.currentTimeMillis() > deadline
            ? CompletableFuture.completedFuture(status)
            : CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS))
                .thenCompose(x -> pollStatus(http, uri, wanted, deadline)));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }
}
