#!/usr/bin/env bash
# Where the wall clock goes under load: for every thread of sessiond and of redis-server (wrk's are asked
# for too but did not show in the first runs: not debugged), the share of the measured window it spent
# running on a CPU, runnable but waiting for one (the scheduler's run queue), and neither (asleep: an event
# loop in epoll_wait, a parked worker), from /proc/<pid>/task/*/schedstat;
# the machine's idle; Redis's reads and commands per request (INFO stats); and a JFR recording of the window
# with BENCH_JFR=1 (default settings: execution and native-method samples every 20 ms; bench/jfr-top.sh reads it).
#   bench/wall.sh JAR [SCENARIO] [SECONDS] [VAR=VALUE ...]
# SCENARIO is one of bench/lua (put, append, get, keys, query; default put), SECONDS the measured window
# (default 15, after BENCH_WARMUP s of warm-up, default 20); VAR=VALUE are passed to sessiond (e.g. REDIS_FUNCTIONS=false).
# Private redis-server and sessiond (Redis store, tenant limits off), 2,000 seeded sessions, wrk -t2 -c64.
# Output: a markdown report on stdout; with BENCH_JFR=1 the JFR file is kept under bench/results/ when BENCH_KEEP_JFR=1.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
JAR=${1:?usage: bench/wall.sh JAR [SCENARIO] [SECONDS] [VAR=VALUE ...]}
SCN=${2:-put}
SECS=${3:-15}
shift $(($# < 3 ? $# : 3))
EXTRA=("$@")
WORK=$(mktemp -d /tmp/sessiond-wall.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
RP=$(free_port)
HP=$(free_port)
KEY=w$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
redis-server --port "$RP" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" --logfile "$WORK/redis.log" &
RPID=$!
PIDS+=("$RPID")
for _ in $(seq 50); do redis-cli -p "$RP" ping > /dev/null 2>&1 && break; sleep 0.1; done
env SESSION_STORE=redis REDIS_URL="redis://127.0.0.1:$RP" REDIS_PREFIX=w: TENANTS="bench=$KEY" HTTP_PORT="$HP" \
  TENANT_MAX_SESSIONS=0 TENANT_MAX_BYTES_PER_SESSION=0 TENANT_REQUESTS_PER_SECOND=0 "${EXTRA[@]}" \
  java -Xms512m -Xmx2g -jar "$JAR" > "$WORK/d.log" 2>&1 &
DPID=$!
PIDS+=("$DPID")
for _ in $(seq 600); do curl -fs -o /dev/null "http://127.0.0.1:$HP/health/live" && break; sleep 0.1; done
java bench/Seed.java "http://127.0.0.1:$HP" "$KEY" 2000 32 >&2
wrk_run() { # seconds
  BENCH_KEY="$KEY" BENCH_SESSIONS=2000 BENCH_LUA_DIR="$ROOT/bench/lua" \
    wrk -t2 -c64 -d"$1s" --timeout 5s -s "bench/lua/$SCN.lua" "http://127.0.0.1:$HP" 2>&1
}
wrk_run "${BENCH_WARMUP:-20}" > /dev/null # the JIT's compiling is over before the window

# One line per thread: pid tid name run_ns wait_ns (schedstat: time on a CPU, time runnable in the run queue).
threads() {
  local p t
  for p in "$@"; do
    for t in /proc/"$p"/task/*; do
      [[ -r $t/schedstat ]] || continue
      printf '%s %s %s %s\n' "$p" "${t##*/}" "$(tr ' ' '_' < "$t/comm")" "$(cut -d' ' -f1-2 "$t/schedstat")"
    done
  done
}
redis_stat() { redis-cli -p "$RP" info stats | tr -d '\r' | awk -F: -v k="$1" '$1 == k { print $2 }'; }
idle_s() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%.3f", ($5 + $6) / hz }' /proc/stat; }

# JFR only with BENCH_JFR=1: started here, it kept the JIT's C2 compiler busy through the whole window (0.6 of
# a core; presumably recompiling the socket classes its start re-instruments), which disturbs what is measured.
JFR=${BENCH_JFR:-0}
((JFR)) && jcmd "$DPID" JFR.start name=wall settings=default filename="$WORK/wall.jfr" > /dev/null
BENCH_KEY="$KEY" BENCH_SESSIONS=2000 BENCH_LUA_DIR="$ROOT/bench/lua" \
  wrk -t2 -c64 -d"${SECS}s" --timeout 5s -s "bench/lua/$SCN.lua" "http://127.0.0.1:$HP" > "$WORK/wrk.out" 2>&1 &
WPID=$!
sleep 1 # wrk's threads exist; the window starts now
LOAD=$(cut -d' ' -f1 /proc/loadavg)
threads "$DPID" "$RPID" "$WPID" > "$WORK/t0"
C0=$(redis_stat total_commands_processed); R0=$(redis_stat total_reads_processed); I0=$(idle_s); T0=$(date +%s%N)
sleep $((SECS - 3))
threads "$DPID" "$RPID" "$WPID" > "$WORK/t1"
C1=$(redis_stat total_commands_processed); R1=$(redis_stat total_reads_processed); I1=$(idle_s); T1=$(date +%s%N)
wait "$WPID" || true
((JFR)) && jcmd "$DPID" JFR.stop name=wall > /dev/null
RPS=$(awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == "rps") print a[2] } }' "$WORK/wrk.out")
P99=$(awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == "p99_ms") print a[2] } }' "$WORK/wrk.out")

echo "# Wall clock under $SCN load ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $LOAD at the window's start)"
echo
echo "\`bench/wall.sh $(basename "$JAR") $SCN $SECS ${EXTRA[*]}\`: wrk -t2 -c64, 2,000 seeded sessions, window of $((SECS - 3)) s inside the run."
echo
echo "$RPS req/s, p99 $P99 ms. Machine idle: $(awk -v a="$I0" -v b="$I1" -v t="$(((T1 - T0) / 1000000))" 'BEGIN { printf "%.2f", (b - a) / (t / 1000) }') cores."
awk -v c="$((C1 - C0))" -v r="$((R1 - R0))" -v rps="$RPS" -v t="$(((T1 - T0) / 1000000))" 'BEGIN {
  n = rps * t / 1000
  printf "Redis: %.2f commands and %.2f reads (read events) per request, %.1f commands per read.\n", c / n, r / n, c / r }'
echo
echo "Per thread, share of the window (1.00 = the whole window): on a CPU, runnable but waiting for one, asleep."
echo "Threads with less than 0.02 on a CPU are summed into one line per process."
echo
echo "| process | thread | on CPU | waiting for a CPU | asleep |"
echo "| --- | --- | ---: | ---: | ---: |"
LC_ALL=C join -j1 <(awk '{ print $1 "/" $2, $3, $4, $5 }' "$WORK/t0" | LC_ALL=C sort) \
  <(awk '{ print $1 "/" $2, $3, $4, $5 }' "$WORK/t1" | LC_ALL=C sort) |
  awk -v t="$(((T1 - T0)))" -v d="$DPID" -v r="$RPID" -v w="$WPID" '{
    split($1, id, "/"); p = id[1] == d ? "sessiond" : id[1] == r ? "redis" : "wrk"
    run = ($6 - $3) / t; wait = ($7 - $4) / t
    if (run < 0.02) { orun[p] += run; owait[p] += wait; on[p]++; next }
    printf "| %s | %s | %.2f | %.2f | %.2f |\n", p, $2, run, wait, 1 - run - wait
  }
  END { for (p in on) printf "| %s | %d others | %.2f | %.2f | |\n", p, on[p], orun[p], owait[p] }' | sort -t'|' -k2,2 -k4,4r
((JFR)) || exit 0
if [[ ${BENCH_KEEP_JFR:-0} == 1 ]]; then
  mkdir -p bench/results
  cp "$WORK/wall.jfr" "bench/results/$(date -u +%Y-%m-%d)-wall-$SCN-$(date -u +%H%M).jfr"
fi
echo
echo "JFR of the window (bench/jfr-top.sh), event-loop threads' samples:"
echo '```'
jfr summary "$WORK/wall.jfr" | awk '/jdk.ExecutionSample|jdk.NativeMethodSample|jdk.ThreadPark /'
jfr print --events jdk.NativeMethodSample --stack-depth 3 "$WORK/wall.jfr" |
  awk '/sampledThread = / { th = $0; sub(/.*sampledThread = "/, "", th); sub(/".*/, "", th) }
    /stackTrace = \[/ { getline; m = $0; sub(/^[ \t]+/, "", m); sub(/[ \t]+line:.*$/, "", m); if (th ~ /eventloop/) n[m]++; tot++ }
    END { for (m in n) printf "native samples of event loops in %s: %d\n", m, n[m] }' | sort -t: -k2 -rn | head -5
jfr print --events jdk.ExecutionSample --stack-depth 1 "$WORK/wall.jfr" |
  awk '/sampledThread = / { if ($0 ~ /eventloop/) e++; t++ } END { printf "execution samples: %d, of them on event loops: %d\n", t, e }'
echo '```'
