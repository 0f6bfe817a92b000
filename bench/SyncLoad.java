import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Write-behind lag under a fixed write rate. Run with the JDK's source launcher:
 * {@code java bench/SyncLoad.java <baseUrl> <apiKey> <writes/s> <seconds> <sessions> <psql command...>}.
 *
 * <p>Paces writes at a fixed rate (open loop: a write is started every 1/rate s whatever the answers;
 * at most 512 in flight, beyond that a write is counted as skipped): every 10th write is a key batch
 * of 20 pre-keys, the others a PUT of ~1 KiB of data, each on a random session {@code sync-0..N-1}.
 * For each acknowledged write it keeps the acknowledgement time and the version the answer reports
 * (ETag). A poller keeps one {@code psql} session open and reads {@code SELECT id, version FROM
 * sessions} back to back; a write's lag is the time from its acknowledgement to the end of the
 * first poll that shows its session at that version or later (so the lag is over-stated by at most
 * one poll's duration plus the pause between polls, both printed). Writes not visible 60 s after the load stops count as lost.
 * Prints one RESULT line.
 */
public final class SyncLoad {
  record Ack(String id, long version, long ackNanos) {}

  public static void main(String[] args) throws Exception {
    String base = args[0];
    String key = args[1];
    int rate = Integer.parseInt(args[2]);
    int seconds = Integer.parseInt(args[3]);
    int sessions = Integer.parseInt(args[4]);
    List<String> psql = Arrays.asList(args).subList(5, args.length);

    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    String[] bodies = new String[16];
    for (int i = 0; i < bodies.length; i++) {
      bodies[i] = "{\"data\":{\"owner\":\"bench\",\"n\":" + i + ",\"jid\":\"" + (1_000_000_000L + i)
          + "@s.whatsapp.net\",\"blob\":\"" + chars(960, i) + "\"}}";
    }
    if (PREWARM_SECONDS > 0) {
      prewarm(client, key, bodies, rate, sessions);
    }
    // Create every session first (not measured), so that key batches never hit a missing session.
    Semaphore init = new Semaphore(64);
    for (int i = 0; i < sessions; i++) {
      init.acquire();
      client.sendAsync(put(base, key, "sync-" + i, bodies[i % 16]), HttpResponse.BodyHandlers.discarding())
          .whenComplete((r, t) -> init.release());
    }
    init.acquire(64);

    ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    AtomicLong sent = new AtomicLong(), failed = new AtomicLong(), skipped = new AtomicLong();
    AtomicLong firstError = new AtomicLong();
    List<Long> ackLatencyMicros = java.util.Collections.synchronizedList(new ArrayList<>());

    Poller poller = new Poller(psql);
    Thread pollThread = new Thread(poller, "psql-poller");
    pollThread.setDaemon(true);
    pollThread.start();

    // Warm-up at the same rate (not recorded): JIT of sessiond and of this client, HTTP connections.
    long cpu0 = cpuNanos(), wall0 = System.nanoTime();
    phase(client, base, key, bodies, rate, WARMUP_SECONDS, sessions, null, new AtomicLong(), new AtomicLong(), new AtomicLong(), null);
    SKIPS_PER_SECOND.clear();
    long cpu1 = cpuNanos();
    long start = System.nanoTime();
    long startEpochMs = System.currentTimeMillis();
    phase(client, base, key, bodies, rate, seconds, sessions, acks, sent, failed, skipped, ackLatencyMicros);
    double loadSeconds = (System.nanoTime() - start) / 1e9;
    long cpu2 = cpuNanos();
    // This tool's own CPU (all its threads, the poller's psql not included), in cores: it shares the machine.
    double toolWarmup = (cpu1 - cpu0) / (double) Math.max(1, start - wall0), toolLoad = (cpu2 - cpu1) / 1e9 / loadSeconds;
    System.out.println("TIMELINE skipped per second of the load " + SKIPS_PER_SECOND + "; acks slower than 100 ms by second sent "
        + SLOW_PER_SECOND + "; of those, sent more than 100 ms late (all 64 client threads busy) " + LATE_PER_SECOND);

    // Match acknowledgements with polls: wait until every acknowledged write is visible (or 60 s).
    List<Ack> all = new ArrayList<>(acks);
    all.sort((a, b) -> Long.compare(a.ackNanos, b.ackNanos));
    long[] lag = new long[all.size()];
    Arrays.fill(lag, -1);
    long deadline = System.nanoTime() + 60_000_000_000L;
    int visible = 0;
    while (visible < all.size() && System.nanoTime() < deadline) {
      Thread.sleep(200);
      visible = poller.match(all, lag);
    }
    poller.stop();
    // Lag by second of the load in which the write was acknowledged: where in the run the tail lies.
    java.util.TreeMap<Long, List<Long>> bySecond = new java.util.TreeMap<>();
    for (int i = 0; i < all.size(); i++) {
      if (lag[i] >= 0) {
        bySecond.computeIfAbsent(Math.max(0, (all.get(i).ackNanos - start) / 1_000_000_000L), k -> new ArrayList<>()).add(lag[i]);
      }
    }
    StringBuilder lagTimeline = new StringBuilder();
    bySecond.forEach((sec, lags) -> {
      long[] l = lags.stream().mapToLong(Long::longValue).sorted().toArray();
      lagTimeline.append(lagTimeline.length() == 0 ? "" : ", ").append(sec).append('=').append(pct(l, 99)).append('/').append(l[l.length - 1]);
    });
    System.out.println("TIMELINE lag p99/max ms by second acknowledged (load started at epoch " + startEpochMs / 1000 + ") {"
        + lagTimeline + "}");
    long[] ok = Arrays.stream(lag).filter(x -> x >= 0).sorted().toArray();
    long[] ackLat = ackLatencyMicros.stream().mapToLong(Long::longValue).sorted().toArray();
    System.out.printf("RESULT writes=%d seconds=%.1f rate=%.0f acked=%d failed=%d skipped=%d visible=%d lost=%d"
            + " ack_p50_ms=%.2f ack_p99_ms=%.2f lag_p50_ms=%d lag_p90_ms=%d lag_p99_ms=%d lag_max_ms=%d"
            + " polls=%d poll_avg_ms=%.1f poll_max_ms=%.1f poll_pause_ms=%d tool_cpu_warmup=%.2f tool_cpu_load=%.2f%n",
        sent.get(), loadSeconds, sent.get() / loadSeconds, all.size(), failed.get(), skipped.get(), ok.length,
        all.size() - ok.length, pct(ackLat, 50) / 1000.0, pct(ackLat, 99) / 1000.0, pct(ok, 50), pct(ok, 90),
        pct(ok, 99), ok.length == 0 ? -1 : ok[ok.length - 1], poller.polls, poller.pollNanos / 1e6 / Math.max(1, poller.polls),
        poller.maxPollNanos / 1e6, Poller.POLL_PAUSE_MS, toolWarmup, toolLoad);
    System.exit(0);
  }

  /**
   * Seconds this tool first runs its own load against a stub HTTP server in this process, before it sends
   * anything to the daemon (SYNC_TOOL_PREWARM_S, default 10): its JIT then compiles its own code while the daemon
   * is idle rather than while the daemon under test warms up on the same cores. The daemon is as cold as before.
   */
  static final int PREWARM_SECONDS = Integer.parseInt(System.getenv().getOrDefault("SYNC_TOOL_PREWARM_S", "10"));

  /** {@link #PREWARM_SECONDS} of the same load (rate, bodies, threads) against a stub that answers 200 with an ETag. */
  static void prewarm(HttpClient client, String key, String[] bodies, int rate, int sessions) throws Exception {
    com.sun.net.httpserver.HttpServer stub = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 512);
    java.util.concurrent.ExecutorService pool = Executors.newFixedThreadPool(8);
    stub.setExecutor(pool);
    byte[] answer = "{}".getBytes(StandardCharsets.UTF_8);
    stub.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.getResponseHeaders().add("ETag", "\"1\"");
      ex.sendResponseHeaders(200, answer.length);
      ex.getResponseBody().write(answer);
      ex.close();
    });
    stub.start();
    long cpu0 = cpuNanos();
    phase(client, "http://127.0.0.1:" + stub.getAddress().getPort(), key, bodies, rate, PREWARM_SECONDS, sessions, null,
        new AtomicLong(), new AtomicLong(), new AtomicLong(), null);
    stub.stop(0);
    pool.shutdown();
    SKIPS_PER_SECOND.clear();
    LATE_PER_SECOND.clear();
    System.err.printf("pre-warmed for %d s against a stub: %.2f cores%n", PREWARM_SECONDS, (cpuNanos() - cpu0) / 1e9 / PREWARM_SECONDS);
  }

  /** Seconds of unrecorded load before the measured window (SYNC_WARMUP_S, default 15). */
  static final int WARMUP_SECONDS = Integer.parseInt(System.getenv().getOrDefault("SYNC_WARMUP_S", "15"));
  /** Blocking HTTP/1.1 keep-alive connections (HttpURLConnection): cheaper per request than HttpClient here. */
  static final java.util.concurrent.ExecutorService WORKERS = Executors.newFixedThreadPool(64);

  static {
    System.setProperty("http.maxConnections", "64");
  }

  /**
   * How writes are sent (SYNC_TOOL_CLIENT): {@code socket} (default), a minimal HTTP/1.1 client on one keep-alive
   * socket per worker thread, request bytes written at once and only the status line, ETag and body length read; or
   * {@code urlconnection}, the JDK's HttpURLConnection as before (~165 µs of this tool's CPU a write on this machine,
   * a sixth of a core at 2,000 writes/s on the daemon's two cores). Either way: at most 64 connections, one write at a
   * time on each, the same requests.
   */
  static final boolean SOCKET_CLIENT = !"urlconnection".equals(System.getenv().getOrDefault("SYNC_TOOL_CLIENT", "socket"));

  /** {status, ETag or null, error text}. */
  static String[] call(String method, String url, String key, String body) {
    return SOCKET_CLIENT ? Wire.call(method, url, key, body) : callUrl(method, url, key, body);
  }

  /** One keep-alive connection per worker thread; a write on a reused connection that dies unanswered is sent once more on a new one. */
  static final class Wire {
    private static final ThreadLocal<Wire> CONN = new ThreadLocal<>();
    private final java.net.Socket socket;
    private final java.io.BufferedInputStream in;
    private final java.io.OutputStream out;
    private final String host;

    private Wire(URI uri) throws java.io.IOException {
      socket = new java.net.Socket();
      socket.setTcpNoDelay(true);
      socket.connect(new java.net.InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
      socket.setSoTimeout(30000);
      in = new java.io.BufferedInputStream(socket.getInputStream(), 8192);
      out = new java.io.BufferedOutputStream(socket.getOutputStream(), 4096);
      host = uri.getHost() + ":" + uri.getPort();
    }

    static String[] call(String method, String url, String key, String body) {
      URI uri = URI.create(url);
      for (int attempt = 0; ; attempt++) {
        Wire w = CONN.get();
        boolean reused = w != null;
        try {
          if (w == null) {
            w = new Wire(uri);
            CONN.set(w);
          }
          return w.exchange(method, uri.getRawPath(), key, body.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
          CONN.remove();
          if (w != null) {
            try {
              w.socket.close();
            } catch (java.io.IOException ignored) {
              // closing a broken socket
            }
          }
          if (!(reused && e instanceof Unanswered) || attempt > 0) {
            return new String[] {"error", null, e.toString()};
          }
        }
      }
    }

    /** The connection ended before any byte of the answer: the request may be sent again on a new one. */
    static final class Unanswered extends java.io.IOException {
      Unanswered(String m) {
        super(m);
      }
    }

    String[] exchange(String method, String path, String key, byte[] body) throws java.io.IOException {
      String head = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + key
          + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
      try {
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
      } catch (java.io.IOException e) {
        throw new Unanswered("connection closed before the request was sent: " + e);
      }
      String status = line(true);
      int code = Integer.parseInt(status.substring(9, 12));
      String etag = null;
      long length = 0;
      boolean chunked = false, close = false;
      for (String h; !(h = line(false)).isEmpty(); ) {
        int colon = h.indexOf(':');
        String name = h.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT), value = h.substring(colon + 1).trim();
        switch (name) {
          case "etag" -> etag = value;
          case "content-length" -> length = Long.parseLong(value);
          case "transfer-encoding" -> chunked = value.toLowerCase(java.util.Locale.ROOT).contains("chunked");
          case "connection" -> close = value.equalsIgnoreCase("close");
          default -> { }
        }
      }
      byte[] text;
      if (chunked) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (int n; (n = Integer.parseInt(line(false).split(";")[0].trim(), 16)) > 0; ) {
          b.write(in.readNBytes(n));
          line(false);
        }
        while (!line(false).isEmpty()) {
          // trailers
        }
        text = b.toByteArray();
      } else {
        text = in.readNBytes((int) length);
      }
      if (close) {
        CONN.remove();
        socket.close();
      }
      return new String[] {String.valueOf(code), etag, code < 400 ? "" : new String(text, StandardCharsets.UTF_8)};
    }

    private String line(boolean first) throws java.io.IOException {
      StringBuilder b = new StringBuilder(64);
      for (int c; ; ) {
        c = in.read();
        if (c < 0) {
          throw first && b.length() == 0 ? new Unanswered("connection closed before the answer") : new java.io.EOFException();
        }
        if (c == '\n') {
          int n = b.length();
          return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
        }
        b.append((char) c);
      }
    }
  }

  /** {status, ETag or null, error text} by HttpURLConnection. */
  static String[] callUrl(String method, String url, String key, String body) {
    try {
      java.net.HttpURLConnection c = (java.net.HttpURLConnection) URI.create(url).toURL().openConnection();
      c.setRequestMethod(method);
      c.setConnectTimeout(5000);
      c.setReadTimeout(30000);
      c.setDoOutput(true);
      c.setRequestProperty("Authorization", "Bearer " + key);
      c.setRequestProperty("Content-Type", "application/json");
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      c.setFixedLengthStreamingMode(b.length);
      try (var os = c.getOutputStream()) {
        os.write(b);
      }
      int status = c.getResponseCode();
      var is = status < 400 ? c.getInputStream() : c.getErrorStream();
      String text = is == null ? "" : new String(is.readAllBytes(), StandardCharsets.UTF_8);
      if (is != null) {
        is.close();
      }
      return new String[] {String.valueOf(status), c.getHeaderField("ETag"), status < 400 ? "" : text};
    } catch (Exception e) {
      return new String[] {"error", null, e.toString()};
    }
  }
  static final int MAX_IN_FLIGHT = 512;
  static final java.util.concurrent.ConcurrentSkipListMap<Long, Long> SKIPS_PER_SECOND = new java.util.concurrent.ConcurrentSkipListMap<>();
  static final java.util.concurrent.ConcurrentSkipListMap<Long, Long> SLOW_PER_SECOND = new java.util.concurrent.ConcurrentSkipListMap<>();
  static final java.util.concurrent.ConcurrentSkipListMap<Long, Long> LATE_PER_SECOND = new java.util.concurrent.ConcurrentSkipListMap<>();

  static void phase(HttpClient client, String base, String key, String[] bodies, int rate, int seconds, int sessions,
      ConcurrentLinkedQueue<Ack> acks, AtomicLong sent, AtomicLong failed, AtomicLong skipped, List<Long> ackLatencyMicros)
      throws InterruptedException {
    ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
    long total = (long) rate * seconds;
    long periodNanos = 1_000_000_000L / rate;
    Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    long start = System.nanoTime();
    AtomicLong n = new AtomicLong();
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(42);
    // Fire every 1 ms all writes that are due by now: steady pacing without a timer per write.
    pacer.scheduleAtFixedRate(() -> {
      long due = Math.min(total, (System.nanoTime() - start) / periodNanos + 1);
      while (n.get() < due) {
        long i = n.getAndIncrement();
        String id = "sync-" + rnd.nextInt(sessions);
        if (!inFlight.tryAcquire()) {
          skipped.incrementAndGet();
          SKIPS_PER_SECOND.merge((System.nanoTime() - start) / 1_000_000_000L, 1L, Long::sum);
          continue;
        }
        boolean keys = i % 10 == 9;
        String url = base + "/v1/sessions/" + id + (keys ? "/keys" : "");
        String body = keys ? preKeys((int) (i % 1000) * 20, 20) : bodies[(int) (i % 16)];
        long t0 = System.nanoTime();
        sent.incrementAndGet();
        WORKERS.execute(() -> {
          long began = System.nanoTime();
          if (acks != null && began - t0 > 100_000_000L) {
            LATE_PER_SECOND.merge((t0 - start) / 1_000_000_000L, 1L, Long::sum);
          }
          String[] r = call(keys ? "POST" : "PUT", url, key, body);
          long t1 = System.nanoTime();
          inFlight.release();
          String etag = r[1];
          if (!r[0].startsWith("2") || etag == null) {
            if (failed.getAndIncrement() == 0) {
              System.err.println("write failed: " + r[0] + " " + r[2]);
            }
            return;
          }
          if (acks == null) {
            return;
          }
          ackLatencyMicros.add((t1 - t0) / 1000);
          SLOW_PER_SECOND.merge((t0 - start) / 1_000_000_000L, (t1 - t0) > 100_000_000L ? 1L : 0L, Long::sum);
          acks.add(new Ack(id, Long.parseLong(etag.replaceAll("[^0-9]", "")), t1));
        });
      }
      if (n.get() >= total) {
        done.countDown();
      }
    }, 0, 1, TimeUnit.MILLISECONDS);
    done.await();
    pacer.shutdown();
    inFlight.acquire(MAX_IN_FLIGHT); // every answer is in
  }

  /** CPU time of this process (every thread), in ns. */
  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  static long pct(long[] sorted, int p) {
    if (sorted.length == 0) {
      return -1;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
  }

  static HttpRequest put(String base, String key, String id, String body) {
    return HttpRequest.newBuilder(URI.create(base + "/v1/sessions/" + id))
        .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  static String chars(int len, int salt) {
    StringBuilder b = new StringBuilder(len);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    long x = 0x9E3779B97F4A7C15L * (salt + 1);
    while (b.length() < len) {
      x ^= x << 13; x ^= x >>> 7; x ^= x << 17;
      b.append(alphabet.charAt((int) (x & 63)));
    }
    return b.toString();
  }

  static String preKeys(int first, int count) {
    StringBuilder b = new StringBuilder(count * 140).append("{\"pre-key\":{");
    for (int k = 0; k < count; k++) {
      if (k > 0) {
        b.append(',');
      }
      b.append('"').append(first + k).append("\":{\"public\":{\"type\":\"Buffer\",\"data\":\"").append(chars(44, first + k))
          .append("\"},\"private\":{\"type\":\"Buffer\",\"data\":\"").append(chars(44, 7 * (first + k))).append("\"}}");
    }
    return b.append("}}").toString();
  }

  /** One psql session reading every session's version back to back; keeps each poll's end time. */
  static final class Poller implements Runnable {
    /**
     * Pause between polls (SYNC_POLL_PAUSE_MS, default 50). Back to back polls (5 ms) keep a PostgreSQL
     * backend and psql busy about half the time on a 2-core machine, competing with what they measure;
     * a pause of 50 ms adds at most 50 ms to a write's measured lag.
     */
    static final long POLL_PAUSE_MS = Long.parseLong(System.getenv().getOrDefault("SYNC_POLL_PAUSE_MS", "50"));

    private final Process proc;
    private final PrintWriter in;
    private final BufferedReader out;
    private volatile boolean running = true;
    /** Snapshots: end time and versions by id (only the changes since the previous snapshot are kept). */
    private final List<long[]> times = new ArrayList<>();
    private final List<Map<String, Long>> snaps = new ArrayList<>();
    volatile long polls, pollNanos, maxPollNanos;

    Poller(List<String> cmd) throws Exception {
      proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      in = new PrintWriter(new OutputStreamWriter(proc.getOutputStream(), StandardCharsets.UTF_8), true);
      out = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8));
    }

    @Override
    public void run() {
      Map<String, Long> last = new HashMap<>();
      try {
        while (running) {
          long t0 = System.nanoTime();
          in.println("SELECT id || ' ' || version FROM sessions WHERE tenant = 'bench' AND id LIKE 'sync-%'; SELECT 'END';");
          Map<String, Long> changed = new HashMap<>();
          String line;
          while ((line = out.readLine()) != null && !line.equals("END")) {
            int sp = line.indexOf(' ');
            if (sp < 0) {
              continue;
            }
            String id = line.substring(0, sp);
            long v = Long.parseLong(line.substring(sp + 1).trim());
            Long before = last.put(id, v);
            if (before == null || before != v) {
              changed.put(id, v);
            }
          }
          if (line == null) {
            System.err.println("psql poller ended");
            return;
          }
          long t1 = System.nanoTime();
          synchronized (this) {
            times.add(new long[] {t1});
            snaps.add(changed);
            polls++;
            pollNanos += t1 - t0;
            maxPollNanos = Math.max(maxPollNanos, t1 - t0);
          }
          Thread.sleep(POLL_PAUSE_MS);
        }
      } catch (Exception e) {
        System.err.println("psql poller failed: " + e);
      }
    }

    /** Fills lag[i] (ms) for each ack that a poll ending after it shows; returns how many are filled. */
    synchronized int match(List<Ack> acks, long[] lag) {
      // Per id: the (time, version) history from the snapshots.
      Map<String, List<long[]>> history = new HashMap<>();
      for (int s = 0; s < snaps.size(); s++) {
        long t = times.get(s)[0];
        for (Map.Entry<String, Long> e : snaps.get(s).entrySet()) {
          history.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(new long[] {t, e.getValue()});
        }
      }
      int filled = 0;
      for (int i = 0; i < acks.size(); i++) {
        if (lag[i] >= 0) {
          filled++;
          continue;
        }
        Ack a = acks.get(i);
        List<long[]> h = history.get(a.id());
        if (h == null) {
          continue;
        }
        // The first poll ending after the ack whose version is >= the acked one. A poll that ended before
        // the ack but already shows the version (sync faster than the HTTP answer) counts as lag 0.
        for (long[] tv : h) {
          if (tv[1] >= a.version()) {
            lag[i] = Math.max(0, (tv[0] - a.ackNanos()) / 1_000_000);
            filled++;
            break;
          }
        }
      }
      return filled;
    }

    void stop() {
      running = false;
      in.println("\\q");
      proc.destroy();
    }
  }
}
