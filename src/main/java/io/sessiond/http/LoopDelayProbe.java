package io.sessiond.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * How long an HTTP event loop could not run what it was given: every {@code periodMs} a one-shot
 * timer on the verticle's event loop records how late it fired ({@code sessiond.http.loop.delay}, a
 * histogram with a max). A task that holds the loop, a queue of tasks in front of the timer, a
 * stop-the-world GC pause or a loop starved of CPU all show; a stall of {@code d} ms reads as at
 * least {@code d - periodMs}. One timer at a time per loop, re-armed when it fires, so a stalled loop
 * does not pile up catch-up runs.
 */
final class LoopDelayProbe implements AutoCloseable {
  /** The histogram's buckets: enough to tell a few milliseconds from the 100 ms a stall must stay under. */
  private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
      Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(100),
      Duration.ofMillis(200), Duration.ofMillis(500), Duration.ofMillis(1000), Duration.ofMillis(5000)};

  private final Vertx vertx;
  private final long periodMs;
  private final Timer delay;
  private long due;
  private long timer = -1;
  private boolean closed;

  private LoopDelayProbe(Vertx vertx, long periodMs, MeterRegistry registry) {
    this.vertx = vertx;
    this.periodMs = periodMs;
    this.delay = Timer.builder("sessiond.http.loop.delay")
        .description("How late a timer fired on an HTTP event loop (one every EVENT_LOOP_PROBE_MS per loop)")
        .serviceLevelObjectives(BUCKETS).register(registry);
  }

  /** Starts probing the caller's event loop; {@code periodMs} 0: no probe ({@code null}). */
  static LoopDelayProbe start(Vertx vertx, long periodMs, MeterRegistry registry) {
    if (periodMs <= 0) {
      return null;
    }
    LoopDelayProbe probe = new LoopDelayProbe(vertx, periodMs, registry);
    probe.arm();
    return probe;
  }

  private void arm() {
    due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(periodMs);
    timer = vertx.setTimer(periodMs, id -> {
      delay.record(Math.max(0, System.nanoTime() - due), TimeUnit.NANOSECONDS);
      if (!closed) {
        arm();
      }
    });
  }

  @Override
  public void close() {
    closed = true;
    vertx.cancelTimer(timer);
  }
}
