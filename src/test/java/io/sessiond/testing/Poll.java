package io.sessiond.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.function.Supplier;

/** Polling on Vert.x timers until a condition holds or a deadline passes: never a fixed sleep. */
public final class Poll {
  private Poll() {
  }

  /**
   * Evaluates {@code check} every {@code intervalMs} until it yields {@code true}; fails with
   * {@code what} when {@code timeoutMs} pass first.
   */
  public static Future<Void> until(Vertx vertx, long timeoutMs, long intervalMs, String what,
                                   Supplier<Future<Boolean>> check) {
    Promise<Void> done = Promise.promise();
    attempt(vertx, System.currentTimeMillis() + timeoutMs, intervalMs, what, check, done);
    return done.future();
  }

  private static void attempt(Vertx vertx, long deadline, long intervalMs, String what,
                              Supplier<Future<Boolean>> check, Promise<Void> done) {
    check.get().onComplete(ar -> {
      if (ar.succeeded() && ar.result()) {
        done.complete();
      } else if (ar.failed()) {
        done.fail(ar.cause());
      } else if (System.currentTimeMillis() > deadline) {
        done.fail(new AssertionError("timed out waiting until " + what));
      } else {
        vertx.setTimer(intervalMs, t -> attempt(vertx, deadline, intervalMs, what, check, done));
      }
    });
  }

  /**
   * Completes once the wall clock is past {@code instant} (within a second): a write after it gets a
   * later timestamp than one at {@code instant}, so a test can tell the two apart.
   */
  public static Future<Void> clockPasses(Vertx vertx, Instant instant) {
    return until(vertx, 1000, 1, "the clock passes " + instant,
        () -> Future.succeededFuture(Instant.now().isAfter(instant.plusMillis(1))));
  }
}
