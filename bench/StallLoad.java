import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One tenant's steady GETs while another sends the largest requests the limits allow. Run with the
 * JDK's source launcher:
 * {@code java bench/StallLoad.java <baseUrl> <keyOfBulkTenant> <keyOfOtherTenant> <importBytes> <keyBatchBytes> <keysPerBatch> <putBytes> <seconds>}.
 *
 * <p>The other tenant sends a GET of one small session every 2 ms (open loop: at most 64 in flight,
 * beyond that a GET counts as skipped) for {@code seconds}. One second in, the bulk tenant sends,
 * at once: an import of {@code importBytes} (small pre-keys, the shape that costs most per byte), a
 * key batch of {@code keysPerBatch} keys filling {@code keyBatchBytes}, and a PUT of {@code putBytes}
 * of data made of small members. Prints the bulk requests' statuses and times and one RESULT line
 * with the other tenant's GET latency (p50, p99, p99.9, max), counted over the whole run and over the
 * window in which the bulk requests were in flight. A size of 0 leaves that request out.
 */
public final class StallLoad {
  record Sample(long startNanos, long micros, int status) {}

  public static void main(String[] args) throws Exception {
    String base = args[0];
    String bulkKey = args[1];
    String otherKey = args[2];
    int importBytes = Integer.parseInt(args[3]);
    int batchBytes = Integer.parseInt(args[4]);
    int batchKeys = Integer.parseInt(args[5]);
    int putBytes = Integer.parseInt(args[6]);
    int seconds = Integer.parseInt(args[7]);
    // Seconds of GETs alone before the bulk requests, so that the other tenant's path is compiled and warm
    // (the first second of a fresh daemon and client had GETs of 150-400 ms with no bulk request at all).
    int warmup = args.length > 8 ? Integer.parseInt(args[8]) : 1;
    // 'curl': the bulk tenant's requests are sent by curl processes of their own (bodies from files), so this
    // JVM, which times the other tenant's GETs, does not also encode and write 42 MB of bodies; 'java': by
    // this JVM's HttpClient, as before 2026-12-06.
    String bulkClient = args.length > 9 ? args[9] : "java";
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .executor(Executors.newFixedThreadPool(4)).connectTimeout(Duration.ofSeconds(5)).build();

    send(http, base, otherKey, "PUT", "/v1/sessions/probe", "{\"data\":{\"n\":1}}").join();
    send(http, base, bulkKey, "PUT", "/v1/sessions/batch", "{\"data\":{}}").join();
    String importDoc = importDoc(importBytes);
    String keyBatch = keyBatch(batchBytes, batchKeys);
    String put = put(putBytes);
    System.out.printf("bodies: import %d bytes (%d keys), key batch %d bytes (%d keys), PUT %d bytes%n",
        importDoc.length(), count(importDoc, "{\"k\":"), keyBatch.length(), batchKeys, put.length());

    ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
    AtomicLong inFlight = new AtomicLong();
    AtomicLong skipped = new AtomicLong();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    long began = System.nanoTime();
    timer.scheduleAtFixedRate(() -> {
      if (inFlight.incrementAndGet() > 64) {
        inFlight.decrementAndGet();
        skipped.incrementAndGet();
        return;
      }
      long start = System.nanoTime();
      send(http, base, otherKey, "GET", "/v1/sessions/probe", null).whenComplete((r, e) -> {
        inFlight.decrementAndGet();
        samples.add(new Sample(start, (System.nanoTime() - start) / 1000, e != null ? -1 : r.statusCode()));
      });
    }, 0, 2, TimeUnit.MILLISECONDS);

    Map<String, java.nio.file.Path> files = new TreeMap<>();
    if (bulkClient.equals("curl")) {
      files.put("import", bodyFile(importDoc));
      files.put("key batch", bodyFile(keyBatch));
      files.put("PUT", bodyFile(put));
    }
    Thread.sleep(warmup * 1000L);
    Map<String, Double> delaysBefore = loopDelays(http, base);
    long bulkStart = System.nanoTime();
    long bulkStartEpochMs = System.currentTimeMillis();
    // A size of 0 leaves that request out (all three 0: the GETs alone, on an idle daemon).
    List<CompletableFuture<String>> bulk = new ArrayList<>();
    if (importBytes > 0) {
      bulk.add(bulkClient.equals("curl") ? curl(files.get("import"), base, bulkKey, "POST", "/v1/sessions/import", "import", bulkStart)
          : timed(send(http, base, bulkKey, "POST", "/v1/sessions/import", importDoc), "import", bulkStart));
    }
    if (batchBytes > 0) {
      bulk.add(bulkClient.equals("curl") ? curl(files.get("key batch"), base, bulkKey, "POST", "/v1/sessions/batch/keys", "key batch", bulkStart)
          : timed(send(http, base, bulkKey, "POST", "/v1/sessions/batch/keys", keyBatch), "key batch", bulkStart));
    }
    if (putBytes > 0) {
      bulk.add(bulkClient.equals("curl") ? curl(files.get("PUT"), base, bulkKey, "PUT", "/v1/sessions/big", "PUT", bulkStart)
          : timed(send(http, base, bulkKey, "PUT", "/v1/sessions/big", put), "PUT", bulkStart));
    }
    CompletableFuture.allOf(bulk.toArray(CompletableFuture[]::new)).join();
    long bulkEnd = System.nanoTime();
    // With no bulk request (an idle run) the window is the rest of the run.
    Map<String, Double> delaysAfter = bulk.isEmpty() ? null : loopDelays(http, base);
    bulk.forEach(f -> System.out.println(f.join()));
    long left = seconds * 1_000_000_000L - (System.nanoTime() - began);
    if (left > 0) {
      Thread.sleep(left / 1_000_000);
    }
    if (delaysAfter == null) {
      delaysAfter = loopDelays(http, base);
      bulkEnd = System.nanoTime();
    }
    timer.shutdownNow();
    Thread.sleep(3000);

    List<Sample> all = new ArrayList<>(samples);
    List<Long> window = new ArrayList<>();
    List<Long> every = new ArrayList<>();
    long errors = 0;
    for (Sample s : all) {
      if (s.status() != 200) {
        errors++;
      }
      every.add(s.micros());
      if (s.startNanos() + s.micros() * 1000 >= bulkStart && s.startNanos() <= bulkEnd) {
        window.add(s.micros());
      }
    }
    System.out.printf("RESULT gets=%d errors=%d skipped=%d all[%s] during-bulk(%d ms)[%s]%n", all.size(), errors,
        skipped.get(), stats(every), (bulkEnd - bulkStart) / 1_000_000, stats(window));
    System.out.println("LOOPDELAY " + delayStats(delaysBefore, delaysAfter));
    System.out.println("TIMELINE " + timeline(all, bulkStart, bulkEnd));
    System.out.println("SLOW " + slow(all, bulkStart, bulkEnd, bulkStartEpochMs));
    System.exit(0);
  }

  /**
   * The daemon's event-loop delay histogram ({@code sessiond_http_loop_delay_seconds_bucket}, cumulative
   * counts by upper bound in seconds), empty when the daemon has none.
   */
  private static Map<String, Double> loopDelays(HttpClient http, String base) {
    Map<String, Double> buckets = new TreeMap<>();
    try {
      String text = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      Matcher m = Pattern.compile("(?m)^sessiond_http_loop_delay_seconds_bucket\\{le=\"([^\"]+)\"\\} ([0-9.eE+]+)$").matcher(text);
      while (m.find()) {
        buckets.put(m.group(1), Double.parseDouble(m.group(2)));
      }
    } catch (Exception e) {
      System.out.println("metrics: " + e);
    }
    return buckets;
  }

  /** The timer firings of the bulk window by delay bucket, and the largest bucket any fell in. */
  private static String delayStats(Map<String, Double> before, Map<String, Double> after) {
    if (after.isEmpty()) {
      return "n/a (no sessiond_http_loop_delay_seconds in /metrics)";
    }
    List<Map.Entry<Double, Long>> rows = new ArrayList<>();
    after.forEach((le, n) -> rows.add(Map.entry(le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le),
        (long) (n - before.getOrDefault(le, 0.0)))));
    rows.sort(Map.Entry.comparingByKey());
    long total = rows.get(rows.size() - 1).getValue();
    StringBuilder b = new StringBuilder("timers=" + total);
    long below = 0;
    String worst = "none";
    for (Map.Entry<Double, Long> r : rows) {
      String bound = r.getKey().isInfinite() ? "inf" : String.format("%.0fms", r.getKey() * 1000);
      if (r.getValue() > below) {
        worst = "<=" + bound;
      }
      if (r.getKey() >= 0.01 && !r.getKey().isInfinite()) {
        b.append(" over").append(bound).append('=').append(total - r.getValue());
      }
      below = r.getValue();
    }
    return b.append(" longest").append(worst).toString();
  }

  /**
   * The slowest GET started in each 500 ms from the bulk requests' start to their end (ms; '-' when
   * none started), to see when in the bulk work the other tenant waited.
   */
  private static String timeline(List<Sample> all, long from, long to) {
    int bins = (int) ((to - from) / 500_000_000L) + 1;
    long[] worst = new long[bins];
    java.util.Arrays.fill(worst, -1);
    for (Sample s : all) {
      if (s.startNanos() >= from && s.startNanos() <= to) {
        int i = (int) ((s.startNanos() - from) / 500_000_000L);
        worst[i] = Math.max(worst[i], s.micros());
      }
    }
    StringBuilder b = new StringBuilder("max GET ms per 500 ms of the bulk window:");
    for (long w : worst) {
      b.append(' ').append(w < 0 ? "-" : String.valueOf(w / 1000));
    }
    return b.toString();
  }

  /**
   * The bulk window's start in epoch ms (to line it up with a JFR recording or a GC log) and every GET of the window
   * over 40 ms as start+duration, ms from that start.
   */
  private static String slow(List<Sample> all, long from, long to, long fromEpochMs) {
    StringBuilder b = new StringBuilder("bulk window from epoch ms " + fromEpochMs + "; GETs over 40 ms (start+ms):");
    all.stream().filter(s -> s.startNanos() >= from && s.startNanos() <= to && s.micros() > 40_000)
        .sorted(java.util.Comparator.comparingLong(Sample::startNanos))
        .forEach(s -> b.append(' ').append((s.startNanos() - from) / 1_000_000).append('+').append(s.micros() / 1000));
    return b.toString();
  }

  private static java.nio.file.Path bodyFile(String body) throws java.io.IOException {
    java.nio.file.Path f = java.nio.file.Files.createTempFile("stall-body", ".json");
    f.toFile().deleteOnExit();
    java.nio.file.Files.writeString(f, body);
    return f;
  }

  /** The request sent by a curl process of its own, its status and time from {@code start} as {@link #timed} reports them. */
  private static CompletableFuture<String> curl(java.nio.file.Path body, String base, String key, String method, String path,
                                                String what, long start) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        Process p = new ProcessBuilder("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", method,
            "-H", "Authorization: Bearer " + key, "-H", "Content-Type: application/json", "-H", "Expect:",
            "--max-time", "120", "--data-binary", "@" + body, base + path).redirectErrorStream(true).start();
        String code = new String(p.getInputStream().readAllBytes()).trim();
        p.waitFor();
        return String.format("%s: %s in %d ms", what, code, (System.nanoTime() - start) / 1_000_000);
      } catch (Exception e) {
        return what + ": failed " + e;
      }
    }, Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "curl-" + what);
      t.setDaemon(true);
      return t;
    }));
  }

  private static CompletableFuture<String> timed(CompletableFuture<HttpResponse<String>> f, String what, long start) {
    return f.handle((r, e) -> String.format("%s: %s in %d ms%s", what, e != null ? "failed " + e : r.statusCode(),
        (System.nanoTime() - start) / 1_000_000,
        e == null && r.statusCode() >= 300 ? " " + r.body().substring(0, Math.min(300, r.body().length())) : ""));
  }

  private static String stats(List<Long> micros) {
    if (micros.isEmpty()) {
      return "n=0";
    }
    Collections.sort(micros);
    return String.format("n=%d p50=%.1fms p99=%.1fms p99.9=%.1fms max=%.1fms", micros.size(), pct(micros, 0.50),
        pct(micros, 0.99), pct(micros, 0.999), micros.get(micros.size() - 1) / 1000.0);
  }

  private static double pct(List<Long> sorted, double p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1)) / 1000.0;
  }

  private static CompletableFuture<HttpResponse<String>> send(HttpClient http, String base, String key, String method,
                                                              String path, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120))
        .header("Authorization", "Bearer " + key);
    if (body != null) {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String importDoc(int bytes) {
    StringBuilder b = new StringBuilder(bytes).append("{\"id\":\"imported\",\"data\":{},\"keys\":{\"pre-key\":{");
    for (int i = 0; b.length() < bytes - 64; i++) {
      b.append(i == 0 ? "" : ",").append('"').append(i).append("\":{\"k\":").append(i % 10).append('}');
    }
    return b.append("}},\"messages\":[]}").toString();
  }

  static String keyBatch(int bytes, int keys) {
    int valueLength = Math.max(1, (bytes - 64) / keys - 16);
    String value = "\"" + "v".repeat(valueLength) + "\"";
    StringBuilder b = new StringBuilder(bytes).append("{\"session\":{");
    for (int i = 0; i < keys; i++) {
      b.append(i == 0 ? "" : ",").append("\"s").append(i).append("\":").append(value);
    }
    return b.append("}}").toString();
  }

  static String put(int bytes) {
    StringBuilder b = new StringBuilder(bytes).append("{\"data\":{");
    for (int i = 0; b.length() < bytes - 64; i++) {
      b.append(i == 0 ? "" : ",").append("\"m").append(i).append("\":").append(i % 10);
    }
    return b.append("}}").toString();
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
