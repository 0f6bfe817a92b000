package io.sessiond.http.fuzz;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the fuzzer found, grouped into failure classes: the same outcome for the same kind of
 * hostility is one class, reported once with its count, the routes (method and template) it was seen
 * on, and its first example (the lowest request index, so the seed reproduces it).
 */
final class Findings {
  private static final class FailureClass {
    final String outcome;
    final String where;
    final String known;
    int count;
    final Map<String, Integer> routes = new TreeMap<>();
    int index = Integer.MAX_VALUE;
    String sent;
    String got;

    FailureClass(String outcome, String where, String known) {
      this.outcome = outcome;
      this.where = where;
      this.known = known;
    }
  }

  private final Map<String, FailureClass> classes = new LinkedHashMap<>();

  /** A request whose answer breaks an assertion. */
  synchronized void add(String outcome, HostileRequest request, String got) {
    FailureClass c = record(outcome, request.kind(), request.known(), request.index(), request.describe(), got);
    c.routes.merge(request.method() + " " + request.template(), 1, Integer::sum);
  }

  /** A finding that belongs to no single request (readiness, sync at the end). */
  synchronized void addCheck(String outcome, String what, String got, String known) {
    record(outcome, what, known, -1, what, got);
  }

  private FailureClass record(String outcome, String where, String known, int index, String sent, String got) {
    FailureClass c = classes.computeIfAbsent(outcome + " | " + where, k -> new FailureClass(outcome, where, known));
    c.count++;
    if (index < c.index || c.sent == null) {
      c.index = index;
      c.sent = sent;
      c.got = got;
    }
    return c;
  }

  synchronized boolean isEmpty() {
    return classes.isEmpty();
  }

  /** Every class, new ones first, each with an example of what was sent and what came back. */
  synchronized String report() {
    List<FailureClass> all = new ArrayList<>(classes.values());
    all.sort(Comparator.comparing((FailureClass c) -> c.known != null).thenComparing(c -> c.outcome)
        .thenComparing(c -> c.where));
    long known = all.stream().filter(c -> c.known != null).count();
    StringBuilder b = new StringBuilder().append(all.size()).append(" failure classes (").append(all.size() - known)
        .append(" new, ").append(known).append(" known):\n");
    for (FailureClass c : all) {
      b.append(c.known == null ? "  NEW   " : "  KNOWN [" + c.known + "] ").append(c.outcome).append(" | ")
          .append(c.where).append(" | ").append(c.count).append("×\n")
          .append(c.routes.isEmpty() ? "" : "        on:   " + c.routes + "\n")
          .append("        sent: ").append(c.sent).append('\n')
          .append("        got:  ").append(c.got).append('\n');
    }
    if (all.stream().anyMatch(c -> HostileValues.BIG_VERSION.equals(c.known))) {
      b.append("  note: a session stored at a version past 2^53 (an import the known finding '")
          .append(HostileValues.BIG_VERSION).append("' let through) fails every later read of it with 500, and every ")
          .append("listing of its tenant: 5xx classes on GET /v1/sessions, /v1/sessions/status and on that session's ")
          .append("reads may be consequences of it (the daemon's log names the version it could not parse).\n");
    }
    return b.toString();
  }
}
