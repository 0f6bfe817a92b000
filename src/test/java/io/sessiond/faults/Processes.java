package io.sessiond.faults;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Small process and HTTP helpers the fault suite's fixtures share. */
final class Processes {
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  private Processes() {
  }

  static Process start(List<String> command, Path log, java.util.Map<String, String> env) {
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      pb.environment().putAll(env);
      return pb.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
    }
  }

  /** SIGKILL, and waits until the process is gone. */
  static void kill9(Process p) {
    if (p == null) {
      return;
    }
    p.destroyForcibly();
    waitGone(p.toHandle());
  }

  /** SIGKILL of a process known only by its pid (a server another library started). */
  static void kill9(long pid) {
    ProcessHandle.of(pid).ifPresent(h -> {
      h.destroyForcibly();
      waitGone(h);
    });
  }

  /** SIGTERM, then SIGKILL after 15 s. */
  static void stop(Process p) {
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        kill9(p);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void waitGone(ProcessHandle h) {
    try {
      h.onExit().get(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("process " + h.pid() + " did not exit", e);
    }
  }

  /** The status {@code url} answers a GET with; 0 when it does not answer. */
  static int status(String url) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).GET().build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Polls {@code url} until its status satisfies {@code ok}; fails after {@code timeoutMs}. */
  static void awaitStatus(String url, Predicate<Integer> ok, long timeoutMs, String what) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    int last = -1;
    while (System.currentTimeMillis() < deadline) {
      last = status(url);
      if (ok.test(last)) {
        return;
      }
      pause(50);
    }
    throw new AssertionError(what + ": " + url + " still answered " + last + " after " + timeoutMs + " ms");
  }

  /** A poll interval, not a synchronisation: callers re-check their condition after it. */
  static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port", e);
    }
  }
}
