#!/usr/bin/env bash
# What one daemon allocates per request under one wrk scenario, and what its collector does about it: a JFR
# allocation profile (jdk.ObjectAllocationSample, settings=profile) and -Xlog:gc over one measured run.
#
#   bench/alloc.sh [--duration S] [--warmup S] [--profile S] [--store memory|redis] [--opts "JVM flags"] JAR SCENARIO [OUT]
#
# Starts the daemon from JAR (SESSION_STORE=memory by default; redis starts a private redis-server), seeds
# BENCH_SESSIONS (default 10000) sessions, runs wrk -t2 -c64 on bench/lua/SCENARIO.lua for the warm-up
# (default 20 s: the JIT, and the heap G1 settles on), then measures a run of --duration (default 10 s) and
# records another of --profile (default 8 s; 0: none) with JFR (which slows the daemon down, so it is not the measured one).
# Reports req/s and p99 of the measured run, the CPU the daemon used and the machine's idle, the collections in it (count, total and longest pause, pauses as a
# share of the run), bytes allocated per request (from the heap before each collection and after the one before:
# what the daemon allocated between collections, all threads), and the allocation samples by top frame, by
# the first frame of sessiond's own code on the stack, and by every method on the stack. The recording and the
# GC log are kept in OUT (default a fresh directory under /tmp).
# Environment: BENCH_JAVA_OPTS (default "-Xms512m -Xmx2g", as bench/ab.sh), BENCH_SESSIONS.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DUR=10
WARM=20
PROF=8
STORE=memory
OPTS=""
while (($#)); do
  case "$1" in
    --duration) shift; DUR=$1 ;;
    --warmup) shift; WARM=$1 ;;
    --profile) shift; PROF=$1 ;;
    --store) shift; STORE=$1 ;;
    --opts) shift; OPTS=$1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
  esac
  shift
done
JAR=${1:?usage: bench/alloc.sh [options] JAR SCENARIO [OUT]}
SCN=${2:?usage: bench/alloc.sh [options] JAR SCENARIO [OUT]}
OUT=${3:-$(mktemp -d /tmp/sessiond-alloc.XXXXXX)}
mkdir -p "$OUT"
SESSIONS=${BENCH_SESSIONS:-10000}
JAVA_OPTS=${BENCH_JAVA_OPTS:--Xms512m -Xmx2g}

PIDS=()
cleanup() {
  trap - EXIT
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$p" 2> /dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

KEY=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)
REDIS_URL=""
if [[ $STORE == redis ]]; then
  RP=$(free_port)
  redis-server --port "$RP" --bind 127.0.0.1 --save '' --appendonly no --dir "$OUT" --logfile "$OUT/redis.log" &
  PIDS+=("$!")
  for _ in $(seq 50); do redis-cli -p "$RP" ping > /dev/null 2>&1 && break; sleep 0.1; done
  REDIS_URL="redis://127.0.0.1:$RP"
fi
PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
# shellcheck disable=SC2086
env SESSION_STORE="$STORE" ${REDIS_URL:+REDIS_URL="$REDIS_URL"} TENANTS="bench=$KEY" HTTP_PORT="$PORT" \
  TENANT_MAX_SESSIONS=0 TENANT_MAX_BYTES_PER_SESSION=0 TENANT_REQUESTS_PER_SECOND=0 \
  REDIS_TIMEOUT_MS=10000 REDIS_CONNECT_TIMEOUT_MS=10000 REQUEST_TIMEOUT_MS=15000 \
  java $JAVA_OPTS $OPTS "-Xlog:gc:file=$OUT/gc.log:uptime" -jar "$JAR" > "$OUT/daemon.log" 2>&1 &
DPID=$!
PIDS+=("$DPID")
for _ in $(seq 1200); do curl -fs -o /dev/null "$URL/health/live" && break; kill -0 "$DPID" || exit 1; sleep 0.1; done
timeout 900 java bench/Seed.java "$URL" "$KEY" "$SESSIONS" 32 >&2
wrk_run() { # seconds
  BENCH_KEY="$KEY" BENCH_SESSIONS="$SESSIONS" BENCH_LUA_DIR="$ROOT/bench/lua" \
    wrk -t2 -c64 -d"$1s" --timeout 5s -s "bench/lua/$SCN.lua" "$URL" 2>&1 | grep '^RESULT'
}
wrk_run "$WARM" > /dev/null
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / hz }' "/proc/$1/stat"; }
idle_s() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%.3f", ($5 + $6) / hz }' /proc/stat; }
g0=$(wc -l < "$OUT/gc.log")
c0=$(cpu_s "$DPID"); i0=$(idle_s); t0=$(date +%s.%N)
res=$(wrk_run "$DUR")
c1=$(cpu_s "$DPID"); i1=$(idle_s); t1=$(date +%s.%N)
g1=$(wc -l < "$OUT/gc.log")
sed -n "$((g0 + 1)),${g1}p" "$OUT/gc.log" > "$OUT/gc-window.log"
# The profile is a run of its own: the recording (settings=profile) slows the daemon down.
((PROF > 0)) || PROF_SKIP=1
[[ -n ${PROF_SKIP:-} ]] || jcmd "$DPID" JFR.start name=alloc settings=profile > /dev/null
[[ -n ${PROF_SKIP:-} ]] || pres=$(wrk_run "$PROF")
[[ -n ${PROF_SKIP:-} ]] || jcmd "$DPID" JFR.dump name=alloc filename="$OUT/alloc.jfr" > /dev/null

declare -A kv=()
for f in ${res#RESULT }; do kv[${f%%=*}]=${f#*=}; done
echo "# $(basename "$JAR") $STORE $SCN: ${DUR} s after ${WARM} s of warm-up, $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1 /proc/loadavg)"
echo "req/s ${kv[rps]}, p50 ${kv[p50_ms]} ms, p90 ${kv[p90_ms]} ms, p95 ${kv[p95_ms]:-} ms, p98 ${kv[p98_ms]:-} ms, p99 ${kv[p99_ms]} ms, max ${kv[max_ms]} ms, requests ${kv[requests]}, errors ${kv[non2xx]}"
awk -v c="$c0" -v C="$c1" -v i="$i0" -v I="$i1" -v t="$t0" -v T="$t1" -v r="${kv[rps]}" \
  'BEGIN { printf "daemon %.2f cores (%.0f us per request), machine idle %.2f cores\n", (C - c) / (T - t), (C - c) / (T - t) * 1e6 / r, (I - i) / (T - t) }'
# "[12.345s] GC(17) Pause Young (Normal) (G1 Evacuation Pause) 300M->20M(512M) 12.345ms": the allocation rate is
# the heap's growth between one collection's end and the next one's start, from the window's first collection to
# its last; per request with wrk's rate.
awk -v rps="${kv[rps]}" -v dur="$DUR" '
  /Pause/ && /->/ {
    ms = $NF; sub(/ms/, "", ms); ms += 0; n++; total += ms; if (ms > max) max = ms
    if ($0 ~ /Young/) young++
    t = $1; gsub(/[\[\]s]/, "", t)
    split($0, a, "->"); b = a[1]; sub(/.* /, "", b); sub(/M/, "", b); c = a[2]; sub(/M.*/, "", c)
    if (n > 1) alloc += b - prev; else t1 = t
    prev = c; tn = t
  }
  END {
    printf "collections %d (young %d), paused %.0f ms in total (%.1f %% of the run), longest %.1f ms, mean %.1f ms\n",
      n, young, total, total / (dur * 10), max, (n ? total / n : 0)
    if (n > 1 && tn > t1) printf "allocated %.0f MB/s: %.1f KB per request\n", alloc / (tn - t1), alloc / (tn - t1) * 1024 / rps
  }' "$OUT/gc-window.log"
[[ -z ${PROF_SKIP:-} ]] || exit 0
echo "profiled run (${PROF} s, recording): ${pres#RESULT }"
jfr print --events jdk.ObjectAllocationSample --stack-depth 64 "$OUT/alloc.jfr" | awk '
  function flush(   i, m, seen, own) {
    if (n == 0) return
    # The first sample of each thread weighs all it allocated before the recording began: left out.
    if (!(th in began)) { began[th] = 1; n = 0; w = 0; return }
    total += w
    top[frames[1] " (" cls ")"] += w
    for (i = 1; i <= n; i++) if (frames[i] ~ /^io\.sessiond\./) { own = frames[i]; break }
    mine[own == "" ? "(no sessiond frame)" : own] += w
    for (i = 1; i <= n; i++) { m = frames[i]; if (!(m in seen)) { seen[m] = 1; incl[m] += w } }
    n = 0; w = 0; delete seen
  }
  /^jdk.ObjectAllocationSample/ { flush(); inst = 0 }
  /eventThread = / { th = $0; sub(/.*eventThread = /, "", th) }
  /objectClass = / { cls = $0; sub(/.*objectClass = /, "", cls); sub(/ \(classLoader.*/, "", cls) }
  /weight = / { w = $0; sub(/.*weight = /, "", w)
    if (w ~ /kB/) { sub(/ kB/, "", w); w *= 1024 } else if (w ~ /MB/) { sub(/ MB/, "", w); w *= 1048576 }
    else if (w ~ /GB/) { sub(/ GB/, "", w); w *= 1073741824 } else { sub(/ bytes/, "", w); w += 0 } }
  /stackTrace = \[/ { inst = 1; next }
  inst && /^[ \t]*\]/ { inst = 0; next }
  inst { m = $0; sub(/^[ \t]+/, "", m); sub(/[ \t]+line:.*$/, "", m); sub(/\(.*$/, "", m); if (m != "...") frames[++n] = m }
  END {
    flush()
    printf "\nallocation samples of the profiled run: %.0f MB by their weights\n\ntop frames (class):\n", total / 1048576
    for (m in top) printf "%6.1f %%  %s\n", 100 * top[m] / total, m | "sort -rn | head -30"
    close("sort -rn | head -30")
    printf "\nfirst sessiond frame on the stack:\n"
    for (m in mine) printf "%6.1f %%  %s\n", 100 * mine[m] / total, m | "sort -rn | head -30"
    close("sort -rn | head -30")
    printf "\nmethods on the stack (inclusive):\n"
    for (m in incl) printf "%6.1f %%  %s\n", 100 * incl[m] / total, m | "sort -rn | head -70"
    close("sort -rn | head -70")
  }'
echo
echo "recording and GC log: $OUT"
