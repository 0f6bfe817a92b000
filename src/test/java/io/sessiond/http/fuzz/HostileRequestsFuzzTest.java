package io.sessiond.http.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sessiond.http.fuzz.RawHttp.Answer;
import io.sessiond.testing.DaemonExtension;
import io.sessiond.testing.TestDaemon;
import io.sessiond.testing.TestPostgres;
import io.sessiond.testing.TestRedis;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #12: ten thousand generated hostile requests (docs/decisions.md, "Fuzzing") against one
 * daemon on Redis with write-behind sync to PostgreSQL, two tenants. Every request gets a whole
 * answer, never a 5xx; every 4xx is a problem document; a request the contract forbids is refused;
 * a refused write leaves its session as it was. Afterwards the daemon is ready, the sync backlog
 * drains, and PostgreSQL holds every live session at the version Redis has.
 *
 * <p>{@code -Dfuzz.seed=N} replays a run (the seed is printed), {@code -Dfuzz.requests},
 * {@code -Dfuzz.concurrency} (1 sends in index order), {@code -Dfuzz.skipKnown=true} (the requests of
 * known findings are sent valid instead). Failures are reported by class, known findings marked.
 */
class HostileRequestsFuzzTest {
  /** CI runs one fixed seed, so that a red build replays exactly; a developer's run draws a new one each time. */
  private static final long CI_SEED = 20261204L;
  private static final long SEED = Long.getLong("fuzz.seed",
      "true".equals(System.getenv("CI")) ? CI_SEED : new SecureRandom().nextLong());
  private static final int REQUESTS = Integer.getInteger("fuzz.requests", 10_000);
  private static final int CONCURRENCY = Integer.getInteger("fuzz.concurrency", 16);
  private static final long DRAIN_DEADLINE_MS = 30_000;

  private static final String A = TestDaemon.freshTenant();
  private static final String B = TestDaemon.freshTenant();
  private static final Map<String, String> KEYS = Map.of(A, "test-" + UUID.randomUUID(), B, "test-" + UUID.randomUUID());
  private static final Map<Route.Limit, Integer> LIMITS = Map.of(Route.Limit.BODY, 4096, Route.Limit.BATCH, 8192,
      Route.Limit.IMPORT, 16_384, Route.Limit.BLOB, 8192);
  /** The sessions requests aim at, the same ids in both tenants; half exist before the first request. */
  private static final List<String> POOL = pool();
  private static final String PG = TestPostgres.newDatabase();

  @RegisterExtension
  static final DaemonExtension daemon = DaemonExtension.of(builder());

  private static TestDaemon.Builder builder() {
    TestDaemon.Builder b = TestDaemon.builder().set("SESSION_STORE", "redis").set("REDIS_PREFIX", TestRedis.uniquePrefix())
        .set("PG_URL", PG).set("SESSION_SYNC_INTERVAL_MS", 100).set("HEALTH_INTERVAL_MS", 200)
        .set("MAX_BODY_BYTES", LIMITS.get(Route.Limit.BODY)).set("MAX_KEY_BATCH_BYTES", LIMITS.get(Route.Limit.BATCH))
        .set("MAX_IMPORT_BYTES", LIMITS.get(Route.Limit.IMPORT)).set("MAX_BLOB_BYTES", LIMITS.get(Route.Limit.BLOB))
        .set("MAX_MESSAGES_PER_SESSION", 50).set("HTTP_INSTANCES", 2)
        .tenantWithKeys(A, KEYS.get(A)).tenantWithKeys(B, KEYS.get(B));
    TestRedis.settings().forEach(b::set);
    return b;
  }

  private static List<String> pool() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add("s-" + i);
    }
    ids.addAll(List.of("4915123456789@s.whatsapp.net", "g:1::0", "a+b.c_d-e", "x".repeat(128)));
    return List.copyOf(ids);
  }

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void hostileRequests_neverBreakTheDaemon_norChangeWhatTheyDoNotOwn() throws Exception {
    System.out.println("HostileRequestsFuzzTest: seed " + SEED + " (replay with -Dfuzz.seed=" + SEED + "), "
        + REQUESTS + " requests, " + CONCURRENCY + " in flight");
    RawHttp http = new RawHttp(daemon.port(), 15_000);
    Findings findings = new Findings();
    DaemonFailures failures = new DaemonFailures();
    Fuzzer fuzzer = new Fuzzer(http, new HostileRequests(SEED, List.of(A, B), KEYS, POOL, LIMITS), KEYS, findings, failures);
    createHalfThePool(http);
    long started = System.nanoTime();
    failures.attach();
    long fuzzMs;
    try {
      fuzzer.run(REQUESTS, CONCURRENCY);
      fuzzMs = (System.nanoTime() - started) / 1_000_000;
      new EndChecks(fuzzer, findings).run();
    } finally {
      failures.detach();
    }
    String summary = "seed " + SEED + ": " + REQUESTS + " requests in " + fuzzMs + " ms, answers by status "
        + fuzzer.statuses() + ", " + fuzzer.snapshotsCompared() + " refused writes checked against snapshots";
    System.out.println("HostileRequestsFuzzTest: " + summary);
    if (!findings.isEmpty()) {
      System.out.println(findings.report());
    }
    assertTrue(findings.isEmpty(), () -> summary + "\nreplay: mvn test -Dtest=HostileRequestsFuzzTest -Dfuzz.seed="
        + SEED + "\n" + findings.report());
  }

  /** Sessions with data, creds, keys, messages and a blob: something for the hostile requests to damage. */
  private static void createHalfThePool(RawHttp http) {
    for (String tenant : List.of(A, B)) {
      for (int i = 0; i < POOL.size(); i += 2) {
        String path = "/v1/sessions/" + POOL.get(i);
        send(http, tenant, "PUT", path, "application/json",
            "{\"data\":{\"owner\":\"fuzz\"},\"creds\":{\"registrationId\":7},\"ttlSeconds\":3600}", 201);
        send(http, tenant, "POST", path + "/keys", "application/json",
            "{\"pre-key\":{\"1\":{\"type\":\"Buffer\",\"data\":\"BQ==\"},\"2\":2}}", 204);
        send(http, tenant, "POST", path + "/messages", "application/json", "{\"role\":\"user\",\"content\":\"hi\"}", 201);
        send(http, tenant, "PUT", path + "/blobs/RemoteAuth.zip", "application/octet-stream", "zip-bytes", 201);
      }
    }
  }

  private static void send(RawHttp http, String tenant, String method, String path, String type, String body, int status) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEYS.get(tenant)
        + "\r\nContent-Type: " + type + "\r\nContent-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n";
    byte[] head8 = head.getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = new byte[head8.length + bytes.length];
    System.arraycopy(head8, 0, all, 0, head8.length);
    System.arraycopy(bytes, 0, all, head8.length, bytes.length);
    Answer a = http.exchange(all, false);
    if (a.status() != status && !(status == 201 && a.status() == 200)) {
      throw new AssertionError("setup " + method + " " + path + " answered " + a.status() + " " + a.bodyText()
          + (a.failure() == null ? "" : a.failure()));
    }
  }

  /** After the run: readiness, the sync backlog, PostgreSQL against Redis. */
  private static final class EndChecks {
    private static final Pattern BACKLOG = Pattern.compile("backlog (\\d+)");
    private final Fuzzer fuzzer;
    private final Findings findings;
    /** Tenants whose sessions could not be listed: left out of the comparison. */
    private final Set<String> unlisted = new HashSet<>();

    EndChecks(Fuzzer fuzzer, Findings findings) {
      this.fuzzer = fuzzer;
      this.findings = findings;
    }

    void run() {
      Answer ready = readyWithin(10_000);
      if (ready.status() != 200) {
        findings.addCheck("not ready after the run", "GET /health/ready", ready.status() + " " + ready.bodyText(), null);
        return;
      }
      String backlog = backlogDrained();
      if (backlog != null) {
        findings.addCheck("sync backlog not drained within " + DRAIN_DEADLINE_MS + " ms", "GET /health/ready", backlog, null);
      }
      comparePostgres();
    }

    private Answer readyWithin(long ms) {
      long deadline = System.currentTimeMillis() + ms;
      Answer a = fuzzer.get(A, "/health/ready");
      while (a.status() != 200 && System.currentTimeMillis() < deadline) {
        Fuzzer.sleep(100);
        a = fuzzer.get(A, "/health/ready");
      }
      return a;
    }

    /** Null once the sync check reports backlog 0; else the last readiness body. */
    private String backlogDrained() {
      long deadline = System.currentTimeMillis() + DRAIN_DEADLINE_MS;
      while (true) {
        Answer a = fuzzer.get(A, "/health/ready");
        Matcher m = BACKLOG.matcher(a.bodyText());
        if (a.status() == 200 && m.find() && m.group(1).equals("0")) {
          return null;
        }
        if (System.currentTimeMillis() > deadline) {
          return a.status() + " " + a.bodyText();
        }
        Fuzzer.sleep(100);
      }
    }

    /** Every live session in PostgreSQL at the version Redis has, and no other (polled: the last batch may be in flight). */
    private void comparePostgres() {
      long deadline = System.currentTimeMillis() + DRAIN_DEADLINE_MS;
      Map<String, String> diff;
      Map<String, JsonObject> quarantined;
      do {
        diff = differences(live(), postgres());
        // A quarantined session will not reach PostgreSQL however long we wait.
        quarantined = quarantined(diff.keySet());
        if (diff.isEmpty() || quarantined.keySet().equals(diff.keySet())) {
          break;
        }
        Fuzzer.sleep(200);
      } while (System.currentTimeMillis() < deadline);
      for (Map.Entry<String, String> d : diff.entrySet()) {
        JsonObject sync = quarantined.get(d.getKey());
        // PostgreSQL refuses a NUL in text: a session that took one in (an id, a member name) stays quarantined.
        String known = sync != null && sync.encode().contains("0x00") ? HostileValues.NUL_SURROGATE : null;
        // A restore job imports what Redis lacks, a session whose delete still waits for sync included: the
        // delete then reaches PostgreSQL and the session lives on in Redis alone (docs/decisions.md, Fuzzing).
        String resurrected = sync == null && d.getValue().endsWith("PostgreSQL null") && fuzzer.restoredByJobs() > 0
            ? "; restore jobs wrote " + fuzzer.restoredByJobs() + " sessions into Redis during the run" : "";
        findings.addCheck("PostgreSQL differs from Redis", "session " + HostileRequest.abbreviate(d.getKey(), 80),
            d.getValue() + (sync == null ? "" : "; sync: " + HostileRequest.abbreviate(sync.encode(), 300)) + resurrected,
            known);
      }
    }

    /** The sync state of those of the sessions (tenant/id) that are quarantined. */
    private Map<String, JsonObject> quarantined(Set<String> sessions) {
      Map<String, JsonObject> out = new TreeMap<>();
      for (String session : sessions) {
        String[] tenantAndId = session.split("/", 2);
        Answer status = fuzzer.get(tenantAndId[0], "/v1/sessions/" + tenantAndId[1] + "/status");
        JsonObject sync = status.status() == 200 ? new JsonObject(status.bodyText()).getJsonObject("sync") : null;
        if (sync != null && Boolean.TRUE.equals(sync.getBoolean("quarantined"))) {
          out.put(session, sync);
        }
      }
      return out;
    }

    private Map<String, String> differences(Map<String, Long> redis, Map<String, Long> pg) {
      Map<String, String> diff = new TreeMap<>();
      pg.keySet().removeIf(k -> unlisted.contains(k.substring(0, k.indexOf('/'))));
      redis.forEach((k, v) -> {
        if (!v.equals(pg.get(k))) {
          diff.put(k, "Redis version " + v + ", PostgreSQL " + pg.get(k));
        }
      });
      pg.forEach((k, v) -> {
        if (!redis.containsKey(k)) {
          diff.put(k, "deleted in Redis, PostgreSQL holds version " + v);
        }
      });
      return diff;
    }

    /** tenant/id → version of every session the API lists. */
    private Map<String, Long> live() {
      Map<String, Long> out = new TreeMap<>();
      for (String tenant : List.of(A, B)) {
        String cursor = null;
        do {
          Answer page = fuzzer.get(tenant, "/v1/sessions?limit=1000" + (cursor == null ? "" : "&cursor=" + cursor));
          if (page.status() != 200) {
            // Seen when an import stored a version past 2^53 (the listing cannot read it back).
            if (unlisted.add(tenant)) {
              String cause = fuzzer.causeOf(page.bodyText());
              findings.addCheck("listing the sessions answered " + page.status() + " after the run", "GET /v1/sessions",
                  HostileRequest.abbreviate(page.bodyText(), 300) + (cause == null ? "" : "; logged: " + cause),
                  Fuzzer.consequenceOf(cause));
            }
            break;
          }
          JsonObject body = new JsonObject(page.bodyText());
          JsonArray sessions = body.getJsonArray("sessions");
          for (int i = 0; i < sessions.size(); i++) {
            JsonObject s = sessions.getJsonObject(i);
            out.put(tenant + "/" + s.getString("id"), s.getLong("version"));
          }
          cursor = body.getString("nextCursor");
        } while (cursor != null);
      }
      return out;
    }

    private static Map<String, Long> postgres() {
      Map<String, Long> out = new TreeMap<>();
      for (List<String> row : TestPostgres.query(PG, "SELECT tenant, id, version FROM sessions WHERE tenant IN ('"
          + A + "', '" + B + "')")) {
        out.put(row.get(0) + "/" + row.get(1), Long.parseLong(row.get(2)));
      }
      return out;
    }
  }
}
