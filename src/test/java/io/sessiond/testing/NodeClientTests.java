package io.sessiond.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the Node client's tests ({@code npm test} in clients/node) twice against the jar the build
 * made: on the memory store, then on the Redis store with a private Redis started here (the same
 * embedded server the Java tests use; {@code SESSIOND_TEST_REDIS_URL} points the run's daemon at
 * it). Each run starts one daemon that all its test files share, each file on a tenant of its own
 * (clients/node/test/run.js). The second run leaves out the test files whose outcome no store can change
 * ({@link #STORE_INDEPENDENT}: the package's contents and its types, which npm pack and tsc check):
 * they ran in the first. Maven runs it in the integration-test phase ({@code exec}, test classpath); the output of
 * npm is streamed as it comes, and the exit code is non-zero when either run failed or npm is
 * missing. Usage: {@code NodeClientTests <clients/node directory>}.
 */
public final class NodeClientTests {
  /**
   * Test files that check the package itself (npm pack, installing the tarball, tsc on the README's
   * examples and the type tests), not what the daemon stores: run once, on the memory store.
   */
  static final List<String> STORE_INDEPENDENT = List.of("package.test.js", "typings.test.js");

  private NodeClientTests() {
  }

  public static void main(String[] args) {
    Path dir = Path.of(args.length > 0 ? args[0] : "clients/node").toAbsolutePath();
    if (!onPath("npm")) {
      System.err.println("NodeClientTests: npm is not on the PATH, so the Node client's tests cannot run;"
          + " install Node 20+ with npm, or skip them with -DskipNodeTests");
      System.exit(1);
    }
    Map<String, Integer> results = new LinkedHashMap<>();
    results.put("memory", npmTest(dir, "memory", null));
    TestRedis.Server redis = TestRedis.privateServer();
    try {
      results.put("redis (" + redis.url() + ")", npmTest(dir, "redis", redis.url()));
    } finally {
      redis.stop();
    }
    System.out.println();
    results.forEach((store, code) -> System.out.println("NodeClientTests: npm test on the " + store + " store: "
        + (code == 0 ? "passed" : "FAILED (exit " + code + ")")));
    System.exit(results.values().stream().allMatch(code -> code == 0) ? 0 : 1);
  }

  /**
   * Runs {@code npm test} with the store chosen by {@code SESSIOND_TEST_REDIS_URL} (on Redis, with the
   * test files named, all but the {@link #STORE_INDEPENDENT} ones); its exit code.
   */
  private static int npmTest(Path dir, String store, String redisUrl) {
    List<String> command = List.of("npm", "test");
    if (redisUrl != null) {
      List<String> files;
      try (var listing = Files.list(dir.resolve("test"))) {
        files = listing.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".test.js"))
            .filter(f -> !STORE_INDEPENDENT.contains(f)).sorted().map(f -> "test/" + f).toList();
      } catch (IOException e) {
        System.err.println("NodeClientTests: cannot list " + dir.resolve("test") + ": " + e.getMessage());
        return 1;
      }
      command = new java.util.ArrayList<>(List.of("npm", "test", "--"));
      command.addAll(files);
    }
    System.out.println("NodeClientTests: " + String.join(" ", command) + " on the " + store + " store, in " + dir);
    ProcessBuilder npm = new ProcessBuilder(command).directory(dir.toFile()).inheritIO();
    npm.environment().remove("SESSIOND_TEST_REDIS_URL");
    if (redisUrl != null) {
      npm.environment().put("SESSIOND_TEST_REDIS_URL", redisUrl);
    }
    try {
      return npm.start().waitFor();
    } catch (IOException e) {
      System.err.println("NodeClientTests: cannot start npm in " + dir + ": " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  private static boolean onPath(String binary) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String each : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(each, binary))) {
        return true;
      }
    }
    return false;
  }
}
