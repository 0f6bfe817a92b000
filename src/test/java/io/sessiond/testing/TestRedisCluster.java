package io.sessiond.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import redis.embedded.core.ExecutableProvider;

/**
 * A real Redis Cluster for tests: three masters and three replicas of {@code redis-server} (the
 * machine's own, Redis 7, when it is on the PATH; else the 6.2 binary of the embedded-redis jar), each a
 * process of its own on a free port, formed by hand (CLUSTER ADDSLOTS, MEET, REPLICATE) so that it
 * works on both versions. A node timeout of one second makes failovers quick. Nodes can be killed
 * ({@code SIGKILL}) and failed over ({@code CLUSTER FAILOVER}); {@link #stop()} ends every process.
 */
public final class TestRedisCluster {
  /** The cluster's failure-detection time; a killed master's replica takes over about this much later. */
  public static final int NODE_TIMEOUT_MS = 1000;
  private static final int[][] RANGES = {{0, 5460}, {5461, 10922}, {10923, 16383}};

  private final List<Node> nodes = new ArrayList<>();
  private final Path dir;
  private final String binary;

  private TestRedisCluster(Path dir, String binary) {
    this.dir = dir;
    this.binary = binary;
  }

  /** One redis-server of the cluster. */
  public final class Node {
    public final int port;
    private Process process;
    private String id;

    Node(int port) {
      this.port = port;
    }

    void launch() {
      try {
        Path home = dir.resolve(Integer.toString(port));
        Files.createDirectories(home);
        process = new ProcessBuilder(List.of(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
            "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", Integer.toString(NODE_TIMEOUT_MS), "--cluster-replica-validity-factor", "0",
            "--save", "", "--appendonly", "no", "--dir", home.toString()))
            .redirectErrorStream(true).redirectOutput(home.resolve("redis.log").toFile()).start();
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
          try {
            if ("PONG".equals(Resp.text(port, "PING"))) {
              break;
            }
          } catch (IllegalStateException e) {
            if (System.currentTimeMillis() > deadline) {
              throw e;
            }
          }
          pause(20);
        }
        id = Resp.text(port, "CLUSTER", "MYID");
      } catch (IOException e) {
        throw new IllegalStateException("cannot start redis-server on port " + port, e);
      }
    }

    public String id() {
      return id;
    }

    /** {@code kill -9}: the node vanishes without a word, as in a crash. */
    public void kill() {
      process.destroyForcibly();
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Starts a killed node again on its port with its cluster state (it rejoins as a replica). */
    public void restart() {
      launch();
    }

    public boolean alive() {
      return process.isAlive();
    }

    public boolean isMaster() {
      return Resp.call(port, "ROLE") instanceof List<?> role && "master".equals(role.get(0));
    }

    public Object call(Object... args) {
      return Resp.call(port, args);
    }

    @Override
    public String toString() {
      return "node:" + port;
    }
  }

  /** Starts six nodes and forms the cluster; waits until every node reports it ok and replicas are in sync. */
  public static TestRedisCluster start() {
    try {
      String binary = Tools.which("redis-server");
      if (binary == null) {
        File f = ExecutableProvider.newJarResourceProvider().get();
        binary = f.getAbsolutePath();
      }
      TestRedisCluster c = new TestRedisCluster(Files.createTempDirectory("sessiond-cluster-"), binary);
      Runtime.getRuntime().addShutdownHook(new Thread(c::stop));
      c.form();
      return c;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start a Redis Cluster", e);
    }
  }

  private void form() {
    for (int i = 0; i < 6; i++) {
      Node n = new Node(freePort());
      n.launch();
      nodes.add(n);
    }
    for (int i = 0; i < 3; i++) {
      Node m = nodes.get(i);
      Resp.text(m.port, "CLUSTER", "SET-CONFIG-EPOCH", i + 1);
      List<Object> args = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
      for (int s = RANGES[i][0]; s <= RANGES[i][1]; s++) {
        args.add(s);
      }
      Resp.text(m.port, args.toArray());
    }
    for (int i = 1; i < 6; i++) {
      Resp.text(nodes.get(i).port, "CLUSTER", "MEET", "127.0.0.1", nodes.get(0).port);
    }
    for (int i = 3; i < 6; i++) {
      Node replica = nodes.get(i);
      String master = nodes.get(i - 3).id;
      await("node " + replica.port + " knows its master", () -> Resp.text(replica.port, "CLUSTER", "NODES").contains(master));
      Resp.text(replica.port, "CLUSTER", "REPLICATE", master);
    }
    awaitHealthy();
  }

  /** Waits until every live node reports {@code cluster_state:ok}, and every master's replica is in sync. */
  public void awaitHealthy() {
    await("the cluster is ok on every node", () -> nodes.stream().filter(Node::alive)
        .allMatch(n -> Resp.text(n.port, "CLUSTER", "INFO").contains("cluster_state:ok")));
    await("every replica is in sync", () -> nodes.stream().filter(Node::alive).filter(n -> !n.isMaster())
        .allMatch(n -> Resp.text(n.port, "INFO", "replication").contains("master_link_status:up")));
  }

  /** {@code REDIS_MODE}, {@code REDIS_URL} and {@code REDIS_NODES} for a daemon on this cluster. */
  public Map<String, String> settings() {
    Map<String, String> s = new HashMap<>();
    s.put("REDIS_MODE", "cluster");
    s.put("REDIS_URL", "redis://127.0.0.1:" + nodes.get(0).port);
    List<String> rest = new ArrayList<>();
    for (int i = 1; i < nodes.size(); i++) {
      rest.add("redis://127.0.0.1:" + nodes.get(i).port);
    }
    s.put("REDIS_NODES", String.join(",", rest));
    return s;
  }

  public List<Node> nodes() {
    return nodes;
  }

  /** The live master serving {@code slot} now. */
  public Node masterOf(int slot) {
    for (Node n : nodes) {
      if (n.alive() && n.isMaster()) {
        for (Object range : (List<?>) Resp.call(n.port, "CLUSTER", "SLOTS")) {
          List<?> r = (List<?>) range;
          long from = (Long) r.get(0);
          long to = (Long) r.get(1);
          int port = (int) (long) (Long) ((List<?>) r.get(2)).get(1);
          if (slot >= from && slot <= to) {
            return nodes.stream().filter(x -> x.port == port).findFirst().orElseThrow();
          }
        }
      }
    }
    throw new IllegalStateException("no live master serves slot " + slot);
  }

  /** A live replica of {@code master}. */
  public Node replicaOf(Node master) {
    return nodes.stream().filter(Node::alive).filter(n -> n != master)
        .filter(n -> Resp.text(n.port, "INFO", "replication").contains("master_port:" + master.port))
        .findFirst().orElseThrow(() -> new IllegalStateException("no live replica of " + master));
  }

  /** The live masters. */
  public List<Node> masters() {
    return nodes.stream().filter(Node::alive).filter(Node::isMaster).toList();
  }

  /** Ends every node and removes their folders. */
  public synchronized void stop() {
    nodes.forEach(n -> {
      if (n.process != null && n.process.isAlive()) {
        n.kill();
      }
    });
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temp directory is harmless
    }
  }

  /** Polls {@code check} every 20 ms for up to 30 s. */
  public static void await(String what, java.util.function.BooleanSupplier check) {
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      try {
        if (check.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        if (System.currentTimeMillis() > deadline) {
          throw new AssertionError("timed out waiting until " + what + ": " + e.getMessage(), e);
        }
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      pause(20);
    }
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A free port whose cluster bus port (+10000) is free too. */
  private static int freePort() {
    java.util.Random random = new java.util.Random();
    for (int tries = 0; tries < 1000; tries++) {
      int port = 20_000 + random.nextInt(20_000);
      if (free(port) && free(port + 10_000)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port pair for a cluster node");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
