package io.sessiond.http.fuzz;

import io.sessiond.http.fuzz.RawHttp.Answer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.regex.Pattern;

/**
 * Sends the generated requests with bounded concurrency and checks each answer: complete, never
 * 5xx, a 4xx as a problem document with a detail, a hostile request never accepted. A write aimed
 * at a tracked session runs alone on that session, between two snapshots of it (export and blob
 * list): a rejected write must leave it exactly as it was. Restore jobs run alone (they import
 * sessions from PostgreSQL, which would move a snapshot under another request).
 */
final class Fuzzer {
  private final RawHttp http;
  private final HostileRequests generator;
  private final Map<String, String> keys;
  private final Findings findings;
  private final DaemonFailures failures;
  private final Map<String, ReentrantLock> sessionLocks = new ConcurrentHashMap<>();
  private final ReentrantReadWriteLock restoreLock = new ReentrantReadWriteLock();
  private final Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
  private final AtomicInteger snapshotsCompared = new AtomicInteger();
  private final AtomicLong restoredByJobs = new AtomicLong();

  Fuzzer(RawHttp http, HostileRequests generator, Map<String, String> keys, Findings findings, DaemonFailures failures) {
    this.http = http;
    this.failures = failures;
    this.generator = generator;
    this.keys = keys;
    this.findings = findings;
  }

  /** Sends requests 0 … count-1, {@code concurrency} at a time. */
  void run(int count, int concurrency) throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    for (int t = 0; t < concurrency; t++) {
      pool.execute(() -> {
        for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
          send(generator.next(i));
        }
      });
    }
    pool.shutdown();
    if (!pool.awaitTermination(10, TimeUnit.MINUTES)) {
      pool.shutdownNow();
      throw new AssertionError("the fuzzer did not finish within 10 minutes");
    }
  }

  /** Answers by status (0: no whole answer), for the run's summary. */
  Map<Integer, Integer> statuses() {
    return new TreeMap<>(statuses);
  }

  int snapshotsCompared() {
    return snapshotsCompared.get();
  }

  /** Sessions the restore jobs of the run wrote into Redis (those Redis lacked or held older). */
  long restoredByJobs() {
    return restoredByJobs.get();
  }

  private void send(HostileRequest request) {
    if (request.template().equals(Route.RESTORE.template) && request.method().equals("POST")) {
      restoreLock.writeLock().lock();
      try {
        Answer a = exchange(request);
        awaitJob(request, a);
      } finally {
        restoreLock.writeLock().unlock();
      }
      return;
    }
    restoreLock.readLock().lock();
    List<ReentrantLock> locks = locks(request);
    locks.forEach(ReentrantLock::lock);
    try {
      String before = request.writesTarget() ? snapshot(request.tenant(), request.target()) : null;
      Answer a = exchange(request);
      if (before != null && (a.failure() != null || a.status() >= 400)) {
        String after = snapshot(request.tenant(), request.target());
        snapshotsCompared.incrementAndGet();
        if (!before.equals(after)) {
          findings.add("rejected write changed the session", consequence(request, failures.causeOf(a.bodyText())), a.status() + " " + HostileRequest.abbreviate(
              a.bodyText(), 200) + "; before: " + HostileRequest.abbreviate(before, 300) + "; after: "
              + HostileRequest.abbreviate(after, 300));
        }
      }
    } finally {
      locks.forEach(ReentrantLock::unlock);
      restoreLock.readLock().unlock();
    }
  }

  /**
   * The sessions a request may touch, locked in one order: its target, and the same id in the other
   * tenant when it carries both tenants' keys (which key wins is what the request tests).
   */
  private List<ReentrantLock> locks(HostileRequest request) {
    if (request.target() == null) {
      return List.of();
    }
    List<String> tenants = request.kind().startsWith("repeated-auth:") ? new ArrayList<>(keys.keySet())
        : List.of(request.tenant());
    return tenants.stream().sorted()
        .map(t -> sessionLocks.computeIfAbsent(t + "/" + request.target(), k -> new ReentrantLock())).toList();
  }

  private Answer exchange(HostileRequest request) {
    Answer a = http.exchange(request.render(), false);
    statuses.merge(a.status(), 1, Integer::sum);
    check(request, a);
    return a;
  }

  private void check(HostileRequest request, Answer a) {
    String got = a.failure() != null ? a.failure() : a.status() + " " + a.header("Content-Type") + " "
        + HostileRequest.abbreviate(a.bodyText(), 300);
    if (a.failure() != null) {
      findings.add(a.failure().split(":")[0], request, got);
    } else if (a.status() >= 500 && !(a.status() == 503 && request.template().equals(Route.READY.template))) {
      String cause = failures.causeOf(a.bodyText());
      String exception = cause == null ? "" : " (" + cause.substring(0, Math.max(0, cause.indexOf(':'))) + ")";
      findings.add("5xx " + a.status() + exception, consequence(request, cause), got + (cause == null ? "" : "; logged: " + cause));
    } else if (a.status() >= 400 && !isProblem(a)) {
      findings.add(a.status() + " without a problem document", request, got);
    } else if (a.status() < 400 && request.mustReject()) {
      findings.add("hostile request accepted (2xx)", request, got);
    }
  }

  /**
   * The request, marked as belonging to the known finding of versions past 2^53 when the daemon failed
   * to parse such a version back (a session an earlier import stored at 2^63-1 fails every read of it),
   * whatever else the request carried.
   */
  private static HostileRequest consequence(HostileRequest r, String cause) {
    String known = consequenceOf(cause);
    return known == null ? r : new HostileRequest(r.index(), r.kind(), r.method(),
        r.template(), r.tenant(), r.target(), r.uri(), r.headers(), r.body(), r.mustReject(), known);
  }

  /** The known finding a logged cause comes from, when it is an unreadable version; else null. */
  static String consequenceOf(String cause) {
    return cause != null && UNREADABLE_VERSION.matcher(cause).find() ? HostileValues.BIG_VERSION + ", a consequence" : null;
  }

  /** What the daemon logged for a 500 answered with {@code body}. */
  String causeOf(String body) {
    return failures.causeOf(body);
  }

  private static final Pattern UNREADABLE_VERSION =
      Pattern.compile("NumberFormatException: For input string: \"[0-9.]+e\\+[0-9]+\"");

  /** application/problem+json whose body has the status and a non-blank detail. */
  private static boolean isProblem(Answer a) {
    if (!"application/problem+json".equals(a.header("Content-Type"))) {
      return false;
    }
    try {
      JsonObject p = new JsonObject(a.bodyText());
      String detail = p.getString("detail");
      return Objects.equals(p.getInteger("status"), a.status()) && detail != null && !detail.isBlank();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The session as the API shows it: its export and its blob list (status and body of each). */
  String snapshot(String tenant, String id) {
    Answer export = get(tenant, "/v1/sessions/" + id + "/export");
    Answer blobs = get(tenant, "/v1/sessions/" + id + "/blobs");
    // A failing read answers a fresh correlation id each time: not a change of the session.
    return (export.status() + " " + export.bodyText() + " | " + blobs.status() + " " + blobs.bodyText())
        .replaceAll("correlation id [0-9a-f-]{36}", "correlation id <id>")
        .replaceAll("\"correlationId\":\"[0-9a-f-]{36}\"", "\"correlationId\":\"<id>\"");
  }

  Answer get(String tenant, String uri) {
    String head = "GET " + uri + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + keys.get(tenant)
        + "\r\nConnection: close\r\n\r\n";
    return http.exchange(head.getBytes(StandardCharsets.ISO_8859_1), false);
  }

  /** A restore job started: waits until it is no longer running (it runs alone). */
  private void awaitJob(HostileRequest request, Answer started) {
    String location = started.header("Location");
    if (started.status() != 202 || location == null) {
      return;
    }
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      Answer job = get(request.tenant(), location);
      if (job.status() != 200 || !job.bodyText().contains("\"running\"")) {
        if (job.status() == 200) {
          restoredByJobs.addAndGet(new JsonObject(job.bodyText()).getLong("restored", 0L));
        }
        return;
      }
      sleep(50);
    }
    findings.add("restore job still running after 30 s", request, location);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
