package io.sessiond.cli;

import java.io.PrintStream;

/**
 * Progress on stderr: a bar redrawn with {@code \r} on a terminal, plain lines otherwise (at most one
 * per {@code step} units, and the last one).
 */
final class Progress {
  private static final int WIDTH = 30;
  private final PrintStream err;
  private final boolean tty;
  private final String verb;
  private final String unit;
  private final long total;
  private final long step;
  private long done;
  private long printed = -1;

  Progress(PrintStream err, boolean tty, String verb, String unit, long total, long step) {
    this.err = err;
    this.tty = tty;
    this.verb = verb;
    this.unit = unit;
    this.total = total;
    this.step = Math.max(1, step);
  }

  void advance(long n) {
    done += n;
    if (tty) {
      draw();
    } else if (done - Math.max(printed, 0) >= step || (total >= 0 && done >= total) || printed < 0) {
      err.println(verb + " " + count() + " " + unit);
      printed = done;
    }
  }

  /** Ends the bar's line on a terminal. */
  void finish() {
    if (tty) {
      draw();
      err.println();
    } else if (printed != done) {
      err.println(verb + " " + count() + " " + unit);
      printed = done;
    }
  }

  long done() {
    return done;
  }

  private String count() {
    return total >= 0 ? done + "/" + total : Long.toString(done);
  }

  private void draw() {
    StringBuilder b = new StringBuilder("\r").append(verb).append(' ');
    if (total > 0) {
      int filled = (int) Math.min(WIDTH, done * WIDTH / total);
      b.append('[').append("#".repeat(filled)).append(" ".repeat(WIDTH - filled)).append("] ");
    }
    b.append(count()).append(' ').append(unit);
    err.print(b);
    err.flush();
  }
}
