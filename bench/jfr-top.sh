#!/usr/bin/env bash
# Where the CPU time goes in a JFR recording: execution samples aggregated by top frame (self time) and by
# every method on the stack (inclusive time, each method counted once per sample), plus a per-thread split.
#   bench/jfr-top.sh recording.jfr [rows]
# Works on JDK 17 (which has no `jfr view`).
set -euo pipefail
f=${1:?usage: bench/jfr-top.sh recording.jfr [rows]}
rows=${2:-25}
jfr print --events jdk.ExecutionSample --stack-depth 96 "$f" | awk -v rows="$rows" '
  function flush(   m, seen) {
    if (n == 0) return
    total++
    self[frames[1]]++
    pk = frames[1]; sub(/\.[^.]+\.[^.]+$/, "", pk); split(pk, parts, "."); pk = parts[1] "." parts[2] (parts[3] != "" ? "." parts[3] : ""); pkg[pk]++
    for (i = 1; i <= n; i++) { m = frames[i]; if (!(m in seen)) { seen[m] = 1; incl[m]++ } }
    thread[th]++
    n = 0
    delete seen
  }
  /^jdk.ExecutionSample/ { flush(); inst = 0 }
  /sampledThread = / { th = $0; sub(/.*sampledThread = "/, "", th); sub(/".*/, "", th) }
  /stackTrace = \[/ { inst = 1; next }
  inst && /^[ \t]*\]/ { inst = 0; next }
  inst {
    m = $0; sub(/^[ \t]+/, "", m); sub(/[ \t]+line:.*$/, "", m); sub(/\(.*$/, "", m)
    if (m != "...") frames[++n] = m
  }
  END {
    flush()
    printf "%d execution samples\n\nthreads:\n", total
    for (t in thread) printf "%6.1f %%  %s\n", 100 * thread[t] / total, t | "sort -rn"
    close("sort -rn")
    printf "\nself time by package (top frame, first three name parts):\n"
    for (p in pkg) printf "%6.1f %%  %s\n", 100 * pkg[p] / total, p | "sort -rn | head -" rows
    close("sort -rn | head -" rows)
    printf "\ntop frames (self):\n"
    for (m in self) printf "%6.1f %%  %s\n", 100 * self[m] / total, m | "sort -rn | head -" rows
    close("sort -rn | head -" rows)
    printf "\nmethods on the stack (inclusive):\n"
    for (m in incl) printf "%6.1f %%  %s\n", 100 * incl[m] / total, m | "sort -rn | head -" (rows * 2)
    close("sort -rn | head -" (rows * 2))
  }'
