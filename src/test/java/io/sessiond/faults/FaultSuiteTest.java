package io.sessiond.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sessiond.faults.AckLoad.Verification;
import io.sessiond.testing.Resp;
import io.sessiond.testing.TestRedisCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The fault suite (docs/RELIABILITY.md): three daemons behind the shipped nginx configuration, Redis
 * with AOF behind a fault-injecting TCP proxy, PostgreSQL with write-behind sync, and a load that
 * records every acknowledged write. Each scenario injects its fault under load, lets the fleet recover
 * by itself, then looks for every acknowledged write byte for byte in what the daemons serve and in
 * PostgreSQL. A short version runs in {@code mvn verify}; {@code -Dfaults.long=true} runs the long one
 * (20 kills, a 60 s PostgreSQL outage, longer network faults, a Redis Cluster master failover: clean, then
 * killed, on a fleet of its own) and its table is the one in
 * docs/RELIABILITY.md. The table of each run is printed and written to {@code target/faults-report.md}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultSuiteTest {
  private static final boolean LONG = Boolean.getBoolean("faults.long");
  private static final int SESSIONS = 40;
  private static final int WRITERS = 4;
  private static final long PROGRESS_TIMEOUT_MS = 60_000;

  private final List<String> rows = new ArrayList<>();
  private Path dir;
  private Fleet fleet;

  @BeforeAll
  void startFleet() throws IOException {
    dir = Files.createTempDirectory("sessiond-faults-");
    fleet = new Fleet(dir.resolve("write-behind"), 3, "write-behind");
  }

  @AfterAll
  void report() throws IOException {
    if (fleet != null) {
      fleet.close();
    }
    String table = "| scenario | acknowledged | verified (served) | lost (served) | verified in PostgreSQL | duplicated"
        + " | recovery s | client-visible errors after retries | slowest answer ms |\n"
        + "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n" + String.join("\n", rows) + "\n";
    String report = "# Fault suite, " + (LONG ? "long" : "short") + " run, " + Instant.now() + "\n\n" + table;
    System.out.println(report);
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target/faults-report.md"), report);
  }

  @Test
  @Order(1)
  void killNineOfAnInstance_losesNoAcknowledgedWrite() throws Exception {
    int kills = LONG ? 20 : 2;
    AckLoad load = new AckLoad(fleet.lb(), "kill9", SESSIONS).start(WRITERS);
    awaitAcks(load, 50);
    long end = 0;
    for (int k = 0; k < kills; k++) {
      int i = k % fleet.size();
      fleet.kill9Daemon(i);
      awaitAcks(load, load.acked() + 20); // the others serve meanwhile
      fleet.startDaemon(i, true);
      end = System.currentTimeMillis();
    }
    finish("kill -9 of an instance ×" + kills + ", restarted each time", load, end, 0);
  }

  @Test
  @Order(2)
  void redisKilledAndRestartedFromAof_losesNoAcknowledgedWrite() throws Exception {
    AckLoad load = new AckLoad(fleet.lb(), "aof", SESSIONS).start(WRITERS);
    awaitAcks(load, 50);
    fleet.redis.kill9();
    Processes.pause(1000); // Redis stays down a second under load
    fleet.redis.start();
    long end = System.currentTimeMillis();
    finish("Redis killed (SIGKILL), restarted from its AOF after 1 s", load, end, 0);
  }

  @Test
  @Order(3)
  void redisWipedUnderLoad_isRefilledFromPostgres_losingOnlyTheUnsyncedWindow() throws Exception {
    AckLoad load = new AckLoad(fleet.lb(), "wipe", SESSIONS).start(WRITERS);
    awaitAcks(load, 100);
    assertEquals("+OK", fleet.redis.command("FLUSHALL"));
    // Writes acknowledged while FLUSHALL was on its way may have been applied before it: count from its reply.
    long wipedAt = System.currentTimeMillis();
    awaitAcks(load, load.acked() + 100);
    load.stop();
    // The refill ends on every daemon; then every write acknowledged after the wipe must be served.
    awaitTrue(PROGRESS_TIMEOUT_MS, "the refill ends on every daemon", () -> fleet.ports().stream()
        .noneMatch(p -> readinessBody(p).contains("being refilled")));
    Verification served = load.verifyServed();
    long window = served.lostAckedAt().stream().mapToLong(at -> wipedAt - at).max().orElse(0);
    // A write sent before FLUSHALL's reply may have run before it and been wiped, even when its answer
    // arrived later; one sent after it ran on the emptied Redis and must be served.
    assertTrue(served.lostSentAt().stream().allMatch(at -> at < wipedAt),
        "writes sent after the wipe (" + wipedAt + ") were lost: " + served);
    // Lost: only what write-behind had not synced yet (SESSION_SYNC_INTERVAL_MS 200 plus a batch).
    assertTrue(window <= 5_000, "a write acknowledged " + window + " ms before the wipe was lost: " + served);
    Verification durable = awaitDurable(fleet.pgUrl, load, served.lost());
    rows.add(row("Redis wiped (FLUSHALL) under load, refilled from PostgreSQL while serving; lost = the unsynced"
        + " window, at most " + window + " ms before the wipe", load, served, durable, 0));
  }

  @Test
  @Order(5)
  void postgresStoppedUnderWriteBehind_losesNothing_andTheBacklogDrains() throws Exception {
    long outageMs = LONG ? 60_000 : 5_000;
    AckLoad load = new AckLoad(fleet.lb(), "pgstop", SESSIONS).start(WRITERS);
    awaitAcks(load, 50);
    fleet.pg.stop();
    long stopped = System.currentTimeMillis();
    awaitTrue(outageMs + 30_000, "writes go on while PostgreSQL is down", () -> System.currentTimeMillis() - stopped
        >= outageMs);
    int ackedDuringOutage = load.acked();
    fleet.pg.start();
    long end = System.currentTimeMillis();
    assertTrue(ackedDuringOutage > 50, "writes acknowledged while PostgreSQL was down: " + ackedDuringOutage);
    finish("PostgreSQL stopped " + outageMs / 1000 + " s under write-behind, then started", load, end, 0);
  }

  @Test
  @Order(4)
  void networkFaultsToRedis_failFastOrSucceed_neverHang_andRecoverByThemselves() throws Exception {
    long holeMs = LONG ? 20_000 : 3_000;
    AckLoad load = new AckLoad(fleet.lb(), "net", SESSIONS).start(WRITERS);
    awaitAcks(load, 50);
    fleet.proxy.delay(300);
    Processes.pause(2000);
    fleet.proxy.reset();
    Processes.pause(500);
    fleet.proxy.pass();
    awaitAcks(load, load.acked() + 20);
    fleet.proxy.blackHole();
    Processes.pause(holeMs);
    fleet.proxy.pass();
    long end = System.currentTimeMillis();
    finish("TCP proxy to Redis: 300 ms latency 2 s, connection resets, black hole " + holeMs / 1000 + " s", load, end,
        0);
    long bound = 2 * Fleet.REQUEST_TIMEOUT_MS + 3000;
    assertTrue(load.maxLatencyMs() <= bound, "an answer took " + load.maxLatencyMs() + " ms (bound " + bound + " ms)");
  }

  @Test
  @Order(6)
  void postgresCrashedUnderWriteThrough_everyAcknowledgedWriteIsInPostgresAtOnce() throws Exception {
    try (Fleet wt = new Fleet(dir.resolve("write-through"), 2, "write-through")) {
      AckLoad load = new AckLoad(wt.lb(), "pgcrash", SESSIONS).start(WRITERS);
      awaitAcks(load, 50);
      wt.pg.crash();
      Processes.pause(2000);
      wt.pg.restartAfterCrash();
      long end = System.currentTimeMillis();
      long recovery = awaitAcks(load, load.acked() + 50) - end;
      load.stop();
      Verification durable = load.verifyDurable(wt.pgUrl); // no waiting: write-through acknowledges after the commit
      Verification served = load.verifyServed();
      rows.add(row("PostgreSQL crashed (SIGKILL) 2 s under write-through, recovered from its WAL", load, served,
          durable, recovery));
      assertEquals(0, durable.lost(), "acknowledged writes missing from PostgreSQL: " + durable);
      assertEquals(0, served.lost(), "acknowledged writes not served: " + served);
      assertEquals(0, served.duplicated(), "retried writes applied twice: " + served);
    }
  }

  @Test
  @Order(7)
  void clusterMasterFailover_cleanThenKilled_otherSlotsServedThroughout_onlyUnreplicatedWritesLost() throws Exception {
    // A fleet of its own on six redis-servers costs ~30 s on 2 cores (CI is near its budget); in mvn verify
    // the same failovers run in-process in ClusterFailoverApiTest. Reported as skipped in the short run.
    assumeTrue(LONG, "the Cluster failover scenario runs in the long version (-Dfaults.long=true)");
    TestRedisCluster cluster = TestRedisCluster.start();
    try (Fleet cf = new Fleet(dir.resolve("cluster"), 3, "write-behind", cluster)) {
      // A clean failover: the master hands its slots to its replica once the replica has every write.
      AckLoad clean = new AckLoad(cf.lb(), "cluster-failover", SESSIONS).start(WRITERS);
      awaitAcks(clean, 50);
      TestRedisCluster.Node master = cluster.masterOf(slot(cluster, clean.sessions().get(0)));
      Set<String> onMaster = sessionsOn(cluster, master, clean.sessions());
      TestRedisCluster.Node replica = cluster.replicaOf(master);
      long failoverAt = System.currentTimeMillis();
      assertEquals("OK", replica.call("CLUSTER", "FAILOVER"));
      TestRedisCluster.await("the replica took over", replica::isMaster);
      long tookOver = System.currentTimeMillis();
      long recovery = awaitEverySessionAcked(clean, tookOver) - failoverAt;
      clean.stop();
      cf.awaitAllReady();
      Verification served = clean.verifyServed();
      Verification durable = awaitDurable(cf.pgUrl, clean, 0);
      rows.add(row("Redis Cluster (3 masters, 3 replicas): `CLUSTER FAILOVER` of the master of " + onMaster.size()
          + " of " + SESSIONS + " sessions under load (took over in " + (tookOver - failoverAt) + " ms)", clean, served,
          durable, recovery));
      assertEquals(0, served.lost(), "acknowledged writes not served after a clean failover: " + served);
      assertEquals(0, served.duplicated(), "retried writes applied twice: " + served);
      assertOnly(clean, onMaster, "clean failover");

      // A killed master: its replica is promoted after the node timeout; what it had not received is lost.
      AckLoad kill = new AckLoad(cf.lb(), "cluster-kill", SESSIONS).start(WRITERS);
      awaitAcks(kill, 50);
      TestRedisCluster.Node victim = cluster.masterOf(slot(cluster, kill.sessions().get(SESSIONS - 1)));
      Set<String> onVictim = sessionsOn(cluster, victim, kill.sessions());
      long killedAt = System.currentTimeMillis();
      victim.kill();
      TestRedisCluster.await("a replica took over the killed master's slots", () -> cluster.masters().size() == 3
          && cluster.nodes().stream().filter(TestRedisCluster.Node::alive)
          .allMatch(n -> Resp.text(n.port, "CLUSTER", "INFO").contains("cluster_state:ok")));
      long killTookOver = System.currentTimeMillis();
      recovery = awaitEverySessionAcked(kill, killTookOver) - killedAt;
      kill.stop();
      cf.awaitAllReady();
      served = kill.verifyServed();
      durable = awaitDurable(cf.pgUrl, kill, served.lost());
      rows.add(row("Redis Cluster: master of " + onVictim.size() + " of " + SESSIONS + " sessions killed (SIGKILL) under"
          + " load, replica promoted after " + (killTookOver - killedAt) + " ms; lost = " + lostWindow(served, killedAt),
          kill, served, durable, recovery));
      assertUnreplicatedOnly(served, onVictim, killedAt, "served");
      assertUnreplicatedOnly(durable, onVictim, killedAt, "in PostgreSQL");
      assertEquals(0, served.duplicated(), "retried writes applied twice: " + served);
      assertOnly(kill, onVictim, "killed master");
    } finally {
      cluster.stop();
    }
  }

  /** A session's hash slot, as the daemons key it ({@code <prefix>{<tenant>:<id>}}). */
  private static int slot(TestRedisCluster cluster, String session) {
    TestRedisCluster.Node any = cluster.nodes().stream().filter(TestRedisCluster.Node::alive).findFirst().orElseThrow();
    return ((Long) any.call("CLUSTER", "KEYSLOT", "faults:{" + Fleet.TENANT + ":" + session + "}")).intValue();
  }

  private static Set<String> sessionsOn(TestRedisCluster cluster, TestRedisCluster.Node master, List<String> sessions) {
    Set<String> out = new HashSet<>();
    for (String id : sessions) {
      if (cluster.masterOf(slot(cluster, id)) == master) {
        out.add(id);
      }
    }
    return out;
  }

  /** Writes that failed for good did so only on the failed master's sessions: the other slots were served throughout. */
  private static void assertOnly(AckLoad load, Set<String> failed, String phase) {
    Set<String> elsewhere = new HashSet<>(load.errorSessions());
    elsewhere.removeAll(failed);
    assertTrue(elsewhere.isEmpty(), phase + ": writes failed for sessions on the other masters: " + elsewhere + " "
        + load.errors());
  }

  /**
   * Redis Cluster replicates asynchronously: a write the killed master acknowledged but had not sent to its
   * replica is gone (docs/RELIABILITY.md). Only those may be lost: on the killed master, acknowledged before the
   * kill and at most 2 s before it.
   */
  private static void assertUnreplicatedOnly(Verification v, Set<String> onVictim, long killedAt, String where) {
    for (int i = 0; i < v.lost(); i++) {
      String session = v.lostSessions().get(i);
      long ackedAt = v.lostAckedAt().get(i);
      assertTrue(onVictim.contains(session) && ackedAt <= killedAt && killedAt - ackedAt <= 2_000,
          "an acknowledged write of " + session + " (acknowledged " + (killedAt - ackedAt) + " ms before the kill) is"
              + " missing " + where + ": " + v);
    }
  }

  private static String lostWindow(Verification v, long killedAt) {
    return v.lost() == 0 ? "none" : "acknowledged at most " + v.lostAckedAt().stream().mapToLong(at -> killedAt - at)
        .max().orElse(0) + " ms before the kill (not yet replicated)";
  }

  private static long awaitEverySessionAcked(AckLoad load, long after) {
    awaitTrue(PROGRESS_TIMEOUT_MS, "every session has a write acknowledged after " + after,
        () -> load.everySessionAckedAfter(after));
    return System.currentTimeMillis();
  }

  /** Stops the load once it progresses after the fault, verifies, records the row; no write may be lost. */
  private void finish(String scenario, AckLoad load, long faultEnd, int allowedLost) throws Exception {
    long recovery = awaitAcks(load, load.acked() + 50) - faultEnd;
    load.stop();
    fleet.awaitAllReady();
    Verification served = load.verifyServed();
    Verification durable = awaitDurable(fleet.pgUrl, load, 0);
    rows.add(row(scenario, load, served, durable, recovery));
    assertTrue(served.lost() <= allowedLost, "acknowledged writes not served: " + served);
    // Every write carries an Idempotency-Key: a retry of one that landed is answered from its record.
    assertEquals(0, served.duplicated(), "retried writes applied twice: " + served);
  }

  /** Polls PostgreSQL until it holds every acknowledged write but {@code expectedLost}; the last verification. */
  private static Verification awaitDurable(String pgUrl, AckLoad load, int expectedLost) {
    long deadline = System.currentTimeMillis() + PROGRESS_TIMEOUT_MS;
    Verification v = load.verifyDurable(pgUrl);
    while (v.lost() > expectedLost && System.currentTimeMillis() < deadline) {
      Processes.pause(200);
      v = load.verifyDurable(pgUrl);
    }
    assertTrue(v.lost() <= expectedLost, "acknowledged writes missing from PostgreSQL after "
        + PROGRESS_TIMEOUT_MS + " ms: " + v);
    return v;
  }

  private static String row(String scenario, AckLoad load, Verification served, Verification durable, long recoveryMs) {
    return "| " + scenario + " | " + served.acked() + " | " + served.verified() + " | " + served.lost() + " | "
        + durable.verified() + " | " + served.duplicated() + " | " + String.format("%.1f", Math.max(0, recoveryMs) / 1000.0)
        + " | " + (load.errors().isEmpty() ? "none" : load.errors().toString()) + " | " + load.maxLatencyMs() + " |";
  }

  /** Waits until the load has {@code count} acknowledged writes; when that happened (epoch ms). */
  private static long awaitAcks(AckLoad load, int count) {
    awaitTrue(PROGRESS_TIMEOUT_MS, "the load reaches " + count + " acknowledged writes (has " + load.acked() + ")",
        () -> load.acked() >= count);
    return System.currentTimeMillis();
  }

  private static void awaitTrue(long timeoutMs, String what, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out after " + timeoutMs + " ms waiting until " + what);
      }
      Processes.pause(20);
    }
  }

  private static String readinessBody(int port) {
    try {
      return Processes.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
          .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "unreachable";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }
}
