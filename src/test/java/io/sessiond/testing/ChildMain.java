package io.sessiond.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The real entry point ({@code io.sessiond.Main}) in a child JVM with only the given environment, as
 * an operator runs it; every line it prints (stdout and stderr merged) is kept.
 */
public final class ChildMain {
  private final Process process;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Void> outputRead = new CompletableFuture<>();

  private ChildMain(Process process) {
    this.process = process;
  }

  public static ChildMain launch(Path workDir, Map<String, String> env) throws IOException {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-cp", classPath, "io.sessiond.Main")
        .directory(workDir.toFile())
        .redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(env);
    ChildMain child = new ChildMain(pb.start());
    Thread reader = new Thread(child::read, "child-output");
    reader.setDaemon(true);
    reader.start();
    return child;
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        lines.add(line);
      }
    } catch (IOException e) {
      // the child is gone; what it printed is in lines
    }
    outputRead.complete(null);
  }

  /**
   * Runs the entry point with {@code env} expecting it to refuse to start, as an operator should see it:
   * exit code 1, exactly one ERROR line, no stack trace or exception name, never "listening on". The
   * ERROR line.
   */
  public static String refusedStart(Path workDir, Map<String, String> env) throws Exception {
    ChildMain child = launch(workDir, env);
    try {
      assertEquals(1, child.exitCode(60), child.output());
      List<String> errors = child.lines().stream().filter(l -> l.contains("ERROR")).toList();
      assertEquals(1, errors.size(), child.output());
      assertTrue(child.lines().stream().noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception")),
          "no stack trace: " + child.output());
      assertTrue(child.lines().stream().noneMatch(l -> l.contains("listening on")), child.output());
      return errors.get(0);
    } finally {
      child.kill();
    }
  }

  /** Waits up to {@code seconds} for the child to end and for its output to be read whole. */
  public int exitCode(long seconds) throws Exception {
    Process p = process.onExit().get(seconds, TimeUnit.SECONDS);
    outputRead.get(10, TimeUnit.SECONDS);
    return p.exitValue();
  }

  public List<String> lines() {
    return lines;
  }

  public String output() {
    return String.join("\n", lines);
  }

  public void kill() {
    process.destroyForcibly();
  }
}
