package io.sessiond.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Command-line tools a test needs from Debian packages (nginx, promtool): found on the PATH, or
 * installed with apt-get when absent. A test is skipped, with the reason printed, only when there is
 * no apt-get at all; an install that fails fails the test, so CI never passes without the check.
 */
public final class Tools {
  private Tools() {
  }

  /** The path of {@code binary}, installing Debian package {@code pkg} when it is missing. */
  public static synchronized String require(String binary, String pkg) {
    String found = which(binary);
    if (found != null) {
      return found;
    }
    if (which("apt-get") == null) {
      String reason = binary + " is not installed and there is no apt-get to install package " + pkg;
      System.out.println("SKIPPED: " + reason);
      Assumptions.abort(reason);
    }
    run(List.of("apt-get", "update", "-qq"));
    // Without its recommendations: prometheus recommends prometheus-node-exporter, which brings
    // smartmontools, ipmitool, nvme-cli and more, and their set-up took most of a minute on a fresh
    // machine; what a test needs is in the package and its dependencies.
    run(List.of("apt-get", "install", "-y", "-qq", "--no-install-recommends", pkg));
    found = which(binary);
    if (found == null) {
      throw new AssertionError("apt-get installed " + pkg + " but " + binary + " is still not on the PATH");
    }
    return found;
  }

  private static void run(List<String> command) {
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
      pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
      Process p = pb.start();
      String output = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError(String.join(" ", command) + " failed (run the tests as root, or install it first):\n"
            + output);
      }
    } catch (IOException e) {
      throw new AssertionError("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running " + String.join(" ", command), e);
    }
  }

  /** {@code command -v}: the first executable named {@code binary} on the PATH (plus the sbin folders). */
  public static String which(String binary) {
    String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/local/sbin";
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, binary))) {
        return Path.of(dir, binary).toString();
      }
    }
    return null;
  }
}
