package io.sessiond.faults;

import io.sessiond.testing.TestPostgres;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A write load through the load balancer that remembers every acknowledged write: each write appends
 * one message with a text of its own (non-ASCII included) to one of the scenario's sessions, with an
 * {@code Idempotency-Key}; a write that gets no answer, a 502, 503 or 504 is retried with the same key
 * (up to 5 tries), as the Node client does. Afterwards every acknowledged text is looked for, byte for
 * byte, in what the daemons serve and in PostgreSQL.
 */
final class AckLoad {
  private static final int TRIES = 5;

  /** An acknowledged write: when the attempt acknowledged was sent and when its acknowledgement arrived (epoch ms). */
  record Ack(String session, String text, long sentAt, long ackedAt) {
  }

  /** What a verification found: acknowledged writes present, missing (with their sessions), or present more than once. */
  record Verification(int acked, int verified, int lost, int duplicated, List<Long> lostAckedAt, List<Long> lostSentAt,
                      List<String> lostSessions) {
  }

  private final String lb;
  private final String tag;
  private final List<String> sessions = new ArrayList<>();
  private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
  private final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Long> errorTimes = new ConcurrentLinkedQueue<>();
  private final Set<String> errorSessions = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> lastAckAt = new ConcurrentHashMap<>();
  private final AtomicLong seq = new AtomicLong();
  private final AtomicLong maxLatencyMs = new AtomicLong();
  private final List<Thread> writers = new ArrayList<>();
  private volatile boolean running;

  AckLoad(String lb, String tag, int sessionCount) {
    this.lb = lb;
    this.tag = tag;
    for (int i = 0; i < sessionCount; i++) {
      sessions.add(tag + "-" + i);
    }
  }

  /** Creates the sessions, then starts {@code threads} writers, each sending one write after another. */
  AckLoad start(int threads) {
    for (String id : sessions) {
      int status = 0;
      // A PUT is idempotent: retried as a client would (a write-through commit may outlast the deadline on a busy machine).
      for (int attempt = 1; attempt <= TRIES; attempt++) {
        status = send(HttpRequest.newBuilder(uri("/v1/sessions/" + id)).PUT(
            HttpRequest.BodyPublishers.ofString("{\"data\":{\"scenario\":\"" + tag + "\"}}")), null);
        if (status != 0 && status != 502 && status != 503 && status != 504) {
          break;
        }
        Processes.pause(100L * attempt);
      }
      if (status != 201 && status != 200) {
        throw new AssertionError("creating " + id + " answered " + status);
      }
    }
    running = true;
    for (int t = 0; t < threads; t++) {
      Thread w = new Thread(this::writeLoop, "ack-load-" + tag + "-" + t);
      w.setDaemon(true);
      w.start();
      writers.add(w);
    }
    return this;
  }

  /** Stops the writers and waits for the writes in flight. */
  void stop() throws InterruptedException {
    running = false;
    for (Thread w : writers) {
      w.join(60_000);
    }
  }

  private void writeLoop() {
    while (running) {
      long n = seq.incrementAndGet();
      String id = sessions.get((int) (n % sessions.size()));
      String text = tag + "-" + n + "-\u00e9\u2713";
      String body = new JsonArray().add(new JsonObject().put("role", "user").put("content", text)).encode();
      int status = 0;
      long sentAt = 0;
      for (int attempt = 1; attempt <= TRIES; attempt++) {
        sentAt = System.currentTimeMillis(); // of the attempt that is answered
        status = send(HttpRequest.newBuilder(uri("/v1/sessions/" + id + "/messages"))
            .header("Idempotency-Key", tag + "-" + n).POST(HttpRequest.BodyPublishers.ofString(body)), null);
        if (status != 0 && status != 502 && status != 503 && status != 504) {
          break;
        }
        Processes.pause(100L * attempt);
      }
      if (status == 201 || status == 200) {
        long now = System.currentTimeMillis();
        acks.add(new Ack(id, text, sentAt, now));
        lastAckAt.put(id, now);
      } else {
        errors.computeIfAbsent(Integer.toString(status), k -> new AtomicLong()).incrementAndGet();
        errorTimes.add(System.currentTimeMillis());
        errorSessions.add(id);
      }
    }
  }

  /** Sends one request (with the tenant's key); its status, or 0 when there was no answer. */
  private int send(HttpRequest.Builder b, StringBuilder into) {
    long t0 = System.nanoTime();
    try {
      HttpResponse<String> r = Processes.HTTP.send(b.timeout(Duration.ofSeconds(15))
          .header("Authorization", "Bearer " + Fleet.KEY).header("Content-Type", "application/json").build(),
          HttpResponse.BodyHandlers.ofString());
      if (into != null) {
        into.append(r.body());
      }
      return r.statusCode();
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    } finally {
      maxLatencyMs.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
    }
  }

  private URI uri(String path) {
    return URI.create(lb + path);
  }

  int acked() {
    return acks.size();
  }

  List<String> sessions() {
    return sessions;
  }

  /** Whether every session has had a write acknowledged after {@code at} (epoch ms). */
  boolean everySessionAckedAfter(long at) {
    return sessions.stream().allMatch(id -> lastAckAt.getOrDefault(id, 0L) > at);
  }

  /** The sessions of the writes that failed for good. */
  Set<String> errorSessions() {
    return Set.copyOf(errorSessions);
  }

  /** Writes that failed for good (after the retries), by status ({@code 0}: no answer). */
  Map<String, Long> errors() {
    Map<String, Long> out = new TreeMap<>();
    errors.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  long lastErrorAt() {
    return errorTimes.stream().mapToLong(Long::longValue).max().orElse(0);
  }

  long maxLatencyMs() {
    return maxLatencyMs.get();
  }

  /** Reads every session's messages through the load balancer, page by page, and looks for every acknowledged text. */
  Verification verifyServed() {
    Map<String, Integer> found = new HashMap<>();
    for (String id : sessions) {
      long before = 0; // newest first; then below the oldest seen
      while (true) {
        StringBuilder page = new StringBuilder();
        String query = "?limit=1000" + (before > 0 ? "&before=" + before : "");
        int status = send(HttpRequest.newBuilder(uri("/v1/sessions/" + id + "/messages" + query)).GET(), page);
        if (status == 404) {
          break; // created but not yet synced when Redis was wiped: its writes count as lost below
        }
        if (status != 200) {
          throw new AssertionError("reading the messages of " + id + " answered " + status + ": " + page);
        }
        JsonArray messages = new JsonObject(page.toString()).getJsonArray("messages");
        for (int i = 0; i < messages.size(); i++) {
          JsonObject m = messages.getJsonObject(i);
          found.merge(id + "\u0000" + m.getString("content"), 1, Integer::sum);
          before = before == 0 ? m.getLong("seq") : Math.min(before, m.getLong("seq"));
        }
        if (messages.size() < 1000) {
          break;
        }
      }
    }
    return verification(found);
  }

  /** Looks for every acknowledged text in PostgreSQL's rows. */
  Verification verifyDurable(String pgUrl) {
    Map<String, Integer> found = new HashMap<>();
    for (List<String> row : TestPostgres.query(pgUrl, "SELECT session_id, body FROM messages WHERE tenant = '"
        + Fleet.TENANT + "' AND session_id LIKE '" + tag + "-%'")) {
      found.merge(row.get(0) + "\u0000" + new JsonObject(row.get(1)).getString("content"), 1, Integer::sum);
    }
    return verification(found);
  }

  private Verification verification(Map<String, Integer> found) {
    int verified = 0;
    int duplicated = 0;
    List<Long> lost = new ArrayList<>();
    List<Long> lostSent = new ArrayList<>();
    List<String> lostSessions = new ArrayList<>();
    for (Ack a : acks) {
      Integer times = found.get(a.session() + "\u0000" + a.text());
      if (times == null) {
        lost.add(a.ackedAt());
        lostSent.add(a.sentAt());
        lostSessions.add(a.session());
      } else {
        verified++;
        if (times > 1) {
          duplicated++;
        }
      }
    }
    return new Verification(acks.size(), verified, lost.size(), duplicated, lost, lostSent, lostSessions);
  }
}
