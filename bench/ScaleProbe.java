import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * GET and PUT latency on a store of many sessions. Run with the JDK's source launcher:
 * {@code java bench/ScaleProbe.java <baseUrl> <apiKey> <sessions> <idPrefix> <requests/s> <seconds>}.
 *
 * <p>Open loop at a fixed rate (half GETs of a random session {@code <idPrefix><0..sessions-1>}, half PUTs
 * of ~1 KiB data to another), 32 client threads, after 3 s of the same load that are not recorded (the
 * JIT of this client and of the daemon). Each latency is measured from when a client thread sent the
 * request; {@code due_p99_ms} also counts the time a request waited for a free client thread after it
 * was due (a stall of the server or of this client on a loaded machine). Prints one RESULT line with
 * p50 and p99 of each, in milliseconds, and the number of answers other than 2xx.
 */
public final class ScaleProbe {
  public static void main(String[] args) throws Exception {
    String base = args[0];
    String key = args[1];
    int sessions = Integer.parseInt(args[2]);
    String prefix = args[3];
    int rate = Integer.parseInt(args[4]);
    int seconds = Integer.parseInt(args[5]);
    System.setProperty("http.maxConnections", "32");
    ExecutorService pool = Executors.newFixedThreadPool(32);
    List<Long> gets = Collections.synchronizedList(new ArrayList<>());
    List<Long> puts = Collections.synchronizedList(new ArrayList<>());
    List<Long> dues = Collections.synchronizedList(new ArrayList<>());
    int warmup = 3;
    AtomicLong errors = new AtomicLong();
    String data = "{\"data\":{\"owner\":\"probe\",\"blob\":\"" + "x".repeat(1000) + "\"}}";
    long start = System.nanoTime();
    long total = (long) rate * (seconds + warmup);
    long recordFrom = (long) rate * warmup;
    for (long i = 0; i < total; i++) {
      long due = start + i * 1_000_000_000L / rate;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      boolean get = (i & 1) == 0;
      String id = prefix + ThreadLocalRandom.current().nextInt(sessions);
      boolean recorded = i >= recordFrom;
      pool.execute(() -> {
        long sentAt = System.nanoTime();
        int status = call(get ? "GET" : "PUT", base + "/v1/sessions/" + id, key, get ? null : data);
        long end = System.nanoTime();
        if (!recorded) {
          return;
        }
        if (status < 200 || status > 299) {
          errors.incrementAndGet();
        }
        (get ? gets : puts).add((end - sentAt) / 1000);
        dues.add((end - due) / 1000);
      });
    }
    pool.shutdown();
    pool.awaitTermination(120, TimeUnit.SECONDS);
    System.out.printf("RESULT get_p50_ms=%.2f get_p99_ms=%.2f put_p50_ms=%.2f put_p99_ms=%.2f due_p99_ms=%.2f requests=%d"
        + " errors=%d%n", pct(gets, 50), pct(gets, 99), pct(puts, 50), pct(puts, 99), pct(dues, 99),
        gets.size() + puts.size(), errors.get());
  }

  private static double pct(List<Long> micros, int p) {
    if (micros.isEmpty()) {
      return -1;
    }
    long[] s = micros.stream().mapToLong(Long::longValue).sorted().toArray();
    return s[Math.min(s.length - 1, (int) Math.ceil(s.length * p / 100.0) - 1)] / 1000.0;
  }

  private static int call(String method, String url, String key, String body) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
      c.setRequestMethod(method);
      c.setConnectTimeout(5000);
      c.setReadTimeout(30000);
      c.setRequestProperty("Authorization", "Bearer " + key);
      if (body != null) {
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        c.setFixedLengthStreamingMode(b.length);
        try (var os = c.getOutputStream()) {
          os.write(b);
        }
      }
      int status = c.getResponseCode();
      var is = status < 400 ? c.getInputStream() : c.getErrorStream();
      if (is != null) {
        is.readAllBytes();
        is.close();
      }
      return status;
    } catch (Exception e) {
      return 0;
    }
  }
}
