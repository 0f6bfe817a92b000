import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Redis wiped under a write load, and what write-behind lost. Run with the JDK's source launcher:
 * {@code java bench/WipeLoad.java <baseUrl> <apiKey> <appends/s> <seconds> <sessions> <wipeAtSeconds> <wipe command...>}.
 *
 * <p>Creates the sessions and waits until readiness shows an empty sync backlog, then appends one
 * message per request at a fixed rate (open loop, at most 512 in flight), each with a unique text, on
 * random sessions {@code wipe-0..N-1}, and runs the wipe command (e.g. {@code redis-cli flushall}) at
 * the given second. After the load it waits until readiness no longer reports a refill, reads every
 * session's messages back and counts each acknowledged append as verified or lost, with the lost
 * ones' acknowledgement times relative to the wipe (the loss window of write-behind). Prints RESULT.
 */
public final class WipeLoad {
  record Ack(int session, long n, long ackNanos) {}

  public static void main(String[] args) throws Exception {
    String base = args[0];
    String key = args[1];
    int rate = Integer.parseInt(args[2]);
    int seconds = Integer.parseInt(args[3]);
    int sessions = Integer.parseInt(args[4]);
    int wipeAt = Integer.parseInt(args[5]);
    List<String> wipe = List.of(args).subList(6, args.length);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();

    for (int s = 0; s < sessions; s++) {
      HttpResponse<String> r = client.send(req(base, key, "/v1/sessions/wipe-" + s).PUT(HttpRequest.BodyPublishers
          .ofString("{\"data\":{\"bench\":\"wipe\"}}")).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() >= 300) {
        throw new IllegalStateException("create answered " + r.statusCode() + ": " + r.body());
      }
    }
    awaitReady(client, base, "backlog 0,", 120);

    ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    Map<Integer, AtomicLong> errors = new ConcurrentHashMap<>();
    Semaphore inFlight = new Semaphore(512);
    AtomicLong skipped = new AtomicLong();
    AtomicLong seq = new AtomicLong();
    ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
    long start = System.nanoTime();
    long[] wipedAt = {0};
    pacer.scheduleAtFixedRate(() -> {
      if (!inFlight.tryAcquire()) {
        skipped.incrementAndGet();
        return;
      }
      long n = seq.incrementAndGet();
      int s = (int) (Math.floorMod(n * 2654435761L, sessions));
      String body = "[{\"role\":\"user\",\"content\":\"w-" + n + "\"}]";
      client.sendAsync(req(base, key, "/v1/sessions/wipe-" + s + "/messages")
              .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding())
          .whenComplete((r, e) -> {
            inFlight.release();
            int status = e != null ? 0 : r.statusCode();
            if (status >= 200 && status < 300) {
              acks.add(new Ack(s, n, System.nanoTime()));
            } else {
              errors.computeIfAbsent(status, x -> new AtomicLong()).incrementAndGet();
            }
          });
    }, 0, 1_000_000_000L / rate, TimeUnit.NANOSECONDS);
    pacer.schedule(() -> {
      try {
        Process p = new ProcessBuilder(wipe).redirectErrorStream(true).start();
        wipedAt[0] = System.nanoTime();
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, wipeAt, TimeUnit.SECONDS);
    Thread.sleep(seconds * 1000L);
    pacer.shutdown();
    pacer.awaitTermination(10, TimeUnit.SECONDS);
    inFlight.acquire(512);
    long loadEnd = System.nanoTime();
    long refillSeconds = awaitReady(client, base, null, 300);

    Set<String> seen = new HashSet<>();
    Pattern text = Pattern.compile("\"content\":\"(w-\\d+)\"");
    for (int s = 0; s < sessions; s++) {
      HttpResponse<String> r = client.send(req(base, key, "/v1/sessions/wipe-" + s + "/messages?limit=1000&order=asc")
          .GET().build(), HttpResponse.BodyHandlers.ofString());
      Matcher m = text.matcher(r.body());
      while (m.find()) {
        seen.add(m.group(1));
      }
    }
    List<Long> lostBefore = new ArrayList<>();
    long lostAfter = 0;
    for (Ack a : acks) {
      if (!seen.contains("w-" + a.n())) {
        if (a.ackNanos() <= wipedAt[0]) {
          lostBefore.add((wipedAt[0] - a.ackNanos()) / 1_000_000);
        } else {
          lostAfter++;
        }
      }
    }
    lostBefore.sort(null);
    Map<Integer, Long> errs = new TreeMap<>();
    errors.forEach((k, v) -> errs.put(k, v.get()));
    System.out.printf("RESULT acked=%d verified=%d lost=%d lost_after_wipe=%d window_max_ms=%d window_p50_ms=%d"
            + " errors=%s skipped=%d seconds=%.1f wipe_at_s=%.1f refill_wait_s=%d%n",
        acks.size(), acks.size() - lostBefore.size() - lostAfter, lostBefore.size() + lostAfter, lostAfter,
        lostBefore.isEmpty() ? 0 : lostBefore.get(lostBefore.size() - 1),
        lostBefore.isEmpty() ? 0 : lostBefore.get(lostBefore.size() / 2), errs.toString().replace(" ", ""),
        skipped.get(), (loadEnd - start) / 1e9, (wipedAt[0] - start) / 1e9, refillSeconds);
  }

  private static HttpRequest.Builder req(String base, String key, String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json");
  }

  /**
   * Polls readiness until its body contains {@code needle} (or, with {@code null}, no longer reports a
   * refill); the seconds it took.
   */
  private static long awaitReady(HttpClient client, String base, String needle, int maxSeconds) throws Exception {
    long t0 = System.nanoTime();
    while (System.nanoTime() - t0 < maxSeconds * 1_000_000_000L) {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      boolean ok = needle == null ? r.statusCode() == 200 && !r.body().contains("being refilled")
          : r.body().contains(needle);
      if (ok) {
        return (System.nanoTime() - t0) / 1_000_000_000L;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("readiness never showed " + (needle == null ? "the refill's end" : needle));
  }
}
