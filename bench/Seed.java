import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Seeds the benchmark data set over HTTP: N sessions of ~1 KiB data (PUT), then 100 Baileys-shaped
 * pre-keys (ids 1..100) in each session (POST keys). Run with the JDK's source launcher:
 * {@code java bench/Seed.java <baseUrl> <apiKey> [sessions] [concurrency]}.
 * Session ids are {@code bench-0 .. bench-(N-1)}; the wrk scripts use the same names.
 */
public final class Seed {
  public static void main(String[] args) throws Exception {
    String base = args[0];
    String key = args[1];
    int sessions = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
    int concurrency = args.length > 3 ? Integer.parseInt(args[3]) : 64;
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    long t0 = System.nanoTime();
    int failedPuts = run(client, concurrency, sessions, i -> HttpRequest.newBuilder(URI.create(base + "/v1/sessions/bench-" + i))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(sessionBody(i))).build());
    long t1 = System.nanoTime();
    int failedKeys = run(client, concurrency, sessions, i -> HttpRequest.newBuilder(URI.create(base + "/v1/sessions/bench-" + i + "/keys"))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(preKeyBatch(1, 100, i))).build());
    long t2 = System.nanoTime();
    System.out.printf("seeded %d sessions (~%d B of data each) in %.1f s and %d x 100 pre-keys in %.1f s; failures: %d puts, %d key batches%n",
        sessions, sessionBody(0).length(), (t1 - t0) / 1e9, sessions, (t2 - t1) / 1e9, failedPuts, failedKeys);
    if (failedPuts + failedKeys > 0) {
      System.exit(1);
    }
  }

  interface Req {
    HttpRequest make(int i);
  }

  private static int run(HttpClient client, int concurrency, int n, Req req) throws InterruptedException {
    Semaphore slots = new Semaphore(concurrency);
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger firstStatus = new AtomicInteger();
    for (int i = 0; i < n; i++) {
      slots.acquire();
      CompletableFuture<HttpResponse<String>> f = client.sendAsync(req.make(i), HttpResponse.BodyHandlers.ofString());
      f.whenComplete((r, t) -> {
        if (t != null || r.statusCode() / 100 != 2) {
          if (failed.getAndIncrement() == 0) {
            System.err.println("seed request failed: " + (t != null ? t : r.statusCode() + " " + r.body()));
          }
        }
        slots.release();
      });
    }
    slots.acquire(concurrency);
    return failed.get();
  }

  /** ~1 KiB of session data: {"data":{"owner":..,"n":..,"blob":"<960 chars>"}}. */
  static String sessionBody(int i) {
    StringBuilder blob = new StringBuilder(960);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    long x = 0x9E3779B97F4A7C15L * (i + 1);
    while (blob.length() < 960) {
      x ^= x << 13; x ^= x >>> 7; x ^= x << 17;
      blob.append(alphabet.charAt((int) (x & 63)));
    }
    return "{\"data\":{\"owner\":\"bench\",\"n\":" + i + ",\"jid\":\"" + (1_000_000_000L + i)
        + "@s.whatsapp.net\",\"blob\":\"" + blob + "\"}}";
  }

  /** A Baileys-shaped pre-key batch: {"pre-key":{"<id>":{"public":{"type":"Buffer","data":..},"private":{..}}}}. */
  static String preKeyBatch(int first, int count, int salt) {
    StringBuilder b = new StringBuilder(count * 140 + 16).append("{\"pre-key\":{");
    for (int k = 0; k < count; k++) {
      if (k > 0) {
        b.append(',');
      }
      int id = first + k;
      b.append('"').append(id).append("\":{\"public\":{\"type\":\"Buffer\",\"data\":\"").append(b64(id * 31L + salt))
          .append("\"},\"private\":{\"type\":\"Buffer\",\"data\":\"").append(b64(id * 17L + salt * 7L)).append("\"}}");
    }
    return b.append("}}").toString();
  }

  /** 32 pseudo-random bytes in base64 (44 chars). */
  private static String b64(long seed) {
    byte[] bytes = new byte[32];
    long x = seed * 0x9E3779B97F4A7C15L + 1;
    for (int i = 0; i < 32; i++) {
      x ^= x << 13; x ^= x >>> 7; x ^= x << 17;
      bytes[i] = (byte) x;
    }
    return java.util.Base64.getEncoder().encodeToString(bytes);
  }
}
