#!/usr/bin/env bash
# What the memory store keeps per request: the live heap by class (jcmd GC.class_histogram, after a full
# collection) before and after one wrk run of a scenario, the difference divided by the requests of the run.
#
#   bench/retained.sh [--duration S] [--warmup S] JAR SCENARIO
#
# Starts the daemon from JAR on the memory store, seeds BENCH_SESSIONS (default 10000) sessions, runs the
# scenario for --warmup (default 5 s: the event log reaches its length, the JIT settles), takes the histogram,
# runs --duration (default 3 s) more and takes it again. Only what grows shows: an object that replaces
# another of its class (a session's document, an event of a full log, a key value written over) nets zero
# here though the collector copies it as it survives; what a run adds for good (messages, new keys) is counted.
# Environment: BENCH_JAVA_OPTS (default "-Xms512m -Xmx2g"), BENCH_SESSIONS.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DUR=3
WARM=5
while (($#)); do
  case "$1" in
    --duration) shift; DUR=$1 ;;
    --warmup) shift; WARM=$1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
  esac
  shift
done
JAR=${1:?usage: bench/retained.sh [options] JAR SCENARIO}
SCN=${2:?usage: bench/retained.sh [options] JAR SCENARIO}
SESSIONS=${BENCH_SESSIONS:-10000}
JAVA_OPTS=${BENCH_JAVA_OPTS:--Xms512m -Xmx2g}
OUT=$(mktemp -d /tmp/sessiond-retained.XXXXXX)
DPID=""
cleanup() {
  trap - EXIT
  [[ -z $DPID ]] && return
  kill "$DPID" 2> /dev/null || true
  for _ in $(seq 50); do kill -0 "$DPID" 2> /dev/null || break; sleep 0.1; done
  kill -9 "$DPID" 2> /dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
KEY=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)
# shellcheck disable=SC2086
env SESSION_STORE=memory TENANTS="bench=$KEY" HTTP_PORT="$PORT" TENANT_MAX_SESSIONS=0 TENANT_MAX_BYTES_PER_SESSION=0 \
  TENANT_REQUESTS_PER_SECOND=0 java $JAVA_OPTS -jar "$JAR" > "$OUT/daemon.log" 2>&1 &
DPID=$!
for _ in $(seq 1200); do curl -fs -o /dev/null "$URL/health/live" && break; kill -0 "$DPID" || exit 1; sleep 0.1; done
timeout 900 java bench/Seed.java "$URL" "$KEY" "$SESSIONS" 32 >&2
wrk_run() {
  BENCH_KEY="$KEY" BENCH_SESSIONS="$SESSIONS" BENCH_LUA_DIR="$ROOT/bench/lua" \
    wrk -t2 -c64 -d"$1s" --timeout 5s -s "bench/lua/$SCN.lua" "$URL" 2>&1 | grep '^RESULT'
}
wrk_run "$WARM" > /dev/null
jcmd "$DPID" GC.class_histogram > "$OUT/before.txt"
res=$(wrk_run "$DUR")
jcmd "$DPID" GC.class_histogram > "$OUT/after.txt"
n=$(sed 's/.*requests=\([0-9]*\).*/\1/' <<< "$res")
echo "# $(basename "$JAR") memory $SCN: $n requests in ${DUR} s after ${WARM} s, $(date -u '+%Y-%m-%d %H:%M UTC')"
awk -v n="$n" '
  FNR == 1 { file++ }
  $1 ~ /^[0-9]+:$/ { c[$4, file] = $2; b[$4, file] = $3; cls[$4] = 1 }
  END {
    for (k in cls) {
      dc = c[k, 2] - c[k, 1]; db = b[k, 2] - b[k, 1]; tc += dc; tb += db
      if (db > 0.01 * n || db < -0.01 * n) printf "%10.3f objects %8.1f B per request  %s\n", dc / n, db / n, k | "sort -k3 -rn | head -15"
    }
    close("sort -k3 -rn | head -15")
    printf "all classes: %.2f objects, %.0f B per request\n", tc / n, tb / n
  }' "$OUT/before.txt" "$OUT/after.txt"
