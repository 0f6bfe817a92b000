#!/usr/bin/env bash
# Stall benchmark (issue #12) — one command:
#
#   bench/stall.sh [--jar JAR] [--baseline JAR] [--idle] [--seconds N] [--heap SIZE] [--opts 'JVM OPTIONS']
#                  [--baseline-opts 'JVM OPTIONS'] [--env 'NAME=VALUE ...'] [--baseline-env 'NAME=VALUE ...']
#                  [--timeout MS] [--warmup SECONDS] [--bulk-client curl|java] [--jfr DIR] [--user NAME] [--build]
#
# What it does (~1–2 min per daemon):
#   1. installs redis-server/redis-tools with apt-get when absent; builds target/sessiond.jar when absent (--build: always);
#   2. starts a private redis-server (no persistence) with SLOWLOG at 10 ms and LATENCY monitoring at 10 ms;
#   3. starts sessiond (SESSION_STORE=redis, no sync; tenants 'bulk' and 'other'; TENANT_MAX_BYTES_PER_SESSION=0 so
#      the largest import is accepted whole; -Xmx from --heap, default 512m; GC logged);
#   4. bench/StallLoad.java: 'other' sends a GET every 2 ms for --seconds (default 20); one second in, 'bulk' sends at
#      once the largest import (MAX_IMPORT_BYTES of small pre-keys), the largest key batch (MAX_KEYS_PER_BATCH keys
#      filling MAX_KEY_BATCH_BYTES) and the largest PUT (MAX_BODY_BYTES of small members);
#   5. reports the other tenant's GET p50/p99/p99.9/max (whole run and while the bulk requests were in flight), the
#      longest Redis command (SLOWLOG), Redis's latency events (LATENCY LATEST), the daemon's longest GC pause and
#      peak RSS, and whether the daemon survived (an OutOfMemoryError, a crash);
#   6. with --baseline JAR: the same again with that jar, on a flushed Redis, right after, for a side-by-side;
#   7. with --idle: the same GETs again on this jar with no bulk request at all (row 'idle'), which bounds what
#      the other tenant's latency can be at the machine's current load.
# --jar: the jar measured as 'after' (default target/sessiond.jar; give the baseline's jar here and this build's as
# --baseline to measure them in the other order). --opts / --baseline-opts: more JVM options for the after / baseline
# daemon (GC settings, say: the baseline may be the same jar); --env / --baseline-env: more environment for it. --timeout: the daemon's REQUEST_TIMEOUT_MS (default: the daemon's own, 5 s;
# on a loaded machine the bulk requests may answer 503 after it, which ends the measured window early).
# --warmup: seconds of the other tenant's GETs alone before the bulk requests (default 5; 1 before 2026-12-06: the
# first second of a fresh daemon and load tool is JIT warm-up, 150-400 ms GETs with no bulk request at all).
# --bulk-client: who sends the bulk tenant's requests: 'curl' (default; three curl processes, bodies from files) or
# 'java' (the load tool's own HttpClient, as before 2026-12-06: the JVM timing the GETs then also encodes and writes
# 42 MB of bodies on the same 2 cores, and its own stalls count as the daemon's).
# --jfr DIR: each daemon records JFR (settings=profile) into DIR/<name>.jfr; the load tool's SLOW line gives the bulk
# window's start in epoch ms and its GETs over 40 ms, and bench/sched-sample.py records every 50 ms each thread's CPU
# time and run-queue wait (daemon, Redis, load tool, curl) into DIR/<name>.sched: bench/jfr-window.py lines them up.
# --user NAME: the daemons run as that user (setpriv; e.g. nobody), as the image runs them (uid 10001): as root, a JVM
# with -XX:ThreadPriorityPolicy=1 also raises its GC and VM threads' priority (nice -4), which it cannot as a user.
# The load tool also prints a TIMELINE: the slowest GET started in each 500 ms of the bulk window.
# Writes bench/results/<date>-<HHMM>-stall.md. Event-loop stalls: the daemon runs with EVENT_LOOP_PROBE_MS=10 (each
# HTTP event loop times a 10 ms timer's lateness, sessiond_http_loop_delay_seconds); the load tool reads the histogram
# before and after the bulk requests and reports how many timers fired more than 10/20/50/100/... ms late in that
# window and the largest bucket reached (an idle run: over the whole run). A daemon without the probe: 'n/a'.
# Environment: BENCH_KEEP=1 keeps the temp folder with logs.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
ARGS_TEXT="$*"
BASELINE=""
SECONDS_RUN=20
HEAP=512m
BUILD=0
IDLE=0
OPTS=""
BASELINE_OPTS=""
ENV_EXTRA=""
BASELINE_ENV=""
JAR=target/sessiond.jar
TIMEOUT=""
WARMUP=5
BULK_CLIENT=curl
JFR_DIR=""
RUN_AS=""
while (($#)); do
  case "$1" in
    --baseline) shift; BASELINE=${1:?} ;;
    --seconds) shift; SECONDS_RUN=${1:?} ;;
    --heap) shift; HEAP=${1:?} ;;
    --build) BUILD=1 ;;
    --idle) IDLE=1 ;;
    --opts) shift; OPTS=${1?} ;;
    --baseline-opts) shift; BASELINE_OPTS=${1?} ;;
    --env) shift; ENV_EXTRA=${1?} ;;
    --baseline-env) shift; BASELINE_ENV=${1?} ;;
    --jar) shift; JAR=${1:?} ;;
    --timeout) shift; TIMEOUT=${1:?} ;;
    --warmup) shift; WARMUP=${1:?} ;;
    --bulk-client) shift; BULK_CLIENT=${1:?} ;;
    --user) shift; RUN_AS=${1:?} ;;
    --jfr) shift; JFR_DIR=$(mkdir -p "${1:?}" && cd "$1" && pwd) ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
IMPORT_BYTES=33554432
BATCH_BYTES=8388608
BATCH_KEYS=10000
PUT_BYTES=1048576

log() { printf '[stall-bench %s] %s\n' "$(date +%T)" "$*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

pkgs=()
command -v redis-server > /dev/null || pkgs+=(redis-server)
command -v redis-cli > /dev/null || pkgs+=(redis-tools)
if ((${#pkgs[@]})); then
  log "installing ${pkgs[*]} with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" > /dev/null
fi
if [[ $JAR == target/sessiond.jar && (! -f $JAR || $BUILD == 1) ]]; then
  log "building target/sessiond.jar"
  mvn -q -o -DskipTests package || mvn -q -DskipTests package
fi

WORK=$(mktemp -d /tmp/sessiond-stall.XXXXXX)
PIDS=()
cleanup() {
  trap - EXIT
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$p" 2> /dev/null || true
  done
  if [[ "${BENCH_KEEP:-0}" == 1 ]]; then log "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { # url seconds pid
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    curl -fs -o /dev/null "$1" && return 0
    kill -0 "$3" 2> /dev/null || return 1
    sleep 0.05
  done
  return 1
}

[[ -n $RUN_AS ]] && chmod 1777 "$WORK"
[[ -n $RUN_AS && -n $JFR_DIR ]] && chmod 1777 "$JFR_DIR"
AS_USER=()
[[ -n $RUN_AS ]] && AS_USER=(setpriv --reuid="$RUN_AS" --regid="$(id -g "$RUN_AS")" --init-groups)
cp -p "$JAR" "$WORK/after.jar"
[[ -n $BASELINE ]] && cp -p "$BASELINE" "$WORK/before.jar"
BULK_KEY=bulk-$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)
OTHER_KEY=other-$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)
RP=$(free_port)
redis-server --port "$RP" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" --logfile "$WORK/redis.log" &
PIDS+=("$!")
for _ in $(seq 50); do redis-cli -p "$RP" ping > /dev/null 2>&1 && break; sleep 0.1; done
START_LOAD=$(loadavg)
GIT_DESC="commit $(git rev-parse --short HEAD 2> /dev/null || echo '?')$(git diff --quiet HEAD -- src pom.xml 2> /dev/null || echo ' (with uncommitted changes in src/)')"

# run NAME JAR OPTS ENV [BULK]: one daemon, one load (BULK=0: the GETs alone); appends a result row to $WORK/rows.
run() {
  local name=$1 jar=$2 opts=$3 extra=$4 bulk=${5:-1} port pid out slow latency gc rss_peak=0 rss alive sizes
  [[ -n $JFR_DIR ]] && opts="$opts -XX:StartFlightRecording=filename=$JFR_DIR/$name.jfr,settings=profile,dumponexit=true"
  # The previous daemon may have left a large import staging: FLUSHALL frees it, then Redis must answer at once.
  redis-cli -p "$RP" flushall > /dev/null
  for _ in $(seq 100); do redis-cli -p "$RP" ping > /dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$RP" config set slowlog-log-slower-than 10000 > /dev/null
  # Redis keeps the last 128 entries by default: a run logs more than that, and the slowest may be among the first.
  redis-cli -p "$RP" config set slowlog-max-len 100000 > /dev/null
  redis-cli -p "$RP" config set latency-monitor-threshold 10 > /dev/null
  redis-cli -p "$RP" slowlog reset > /dev/null
  redis-cli -p "$RP" latency reset > /dev/null
  port=$(free_port)
  SESSION_STORE=redis REDIS_URL="redis://127.0.0.1:$RP" SYNC_MODE=off HTTP_PORT=$port HTTP_HOST=127.0.0.1 \
    TENANTS="bulk=$BULK_KEY,other=$OTHER_KEY" TENANT_MAX_BYTES_PER_SESSION=0 TENANT_REQUESTS_PER_SECOND=0 REDIS_CONNECT_TIMEOUT_MS=30000 EVENT_LOOP_PROBE_MS=10 \
    env ${TIMEOUT:+REQUEST_TIMEOUT_MS=$TIMEOUT} $extra "${AS_USER[@]}" java "-Xmx$HEAP" "-Xlog:gc:file=$WORK/$name-gc.log" -XX:+ExitOnOutOfMemoryError $opts -jar "$jar" > "$WORK/$name.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait_http "http://127.0.0.1:$port/health/ready" 60 "$pid" || { log "$name did not start"; tail "$WORK/$name.log" >&2; return 1; }
  log "$name: load $(loadavg)"
  [[ -n $JFR_DIR ]] && { python3 bench/sched-sample.py "$JFR_DIR/$name.sched" "$pid" "${PIDS[0]}" --match StallLoad --match curl & }
  ( while kill -0 "$pid" 2> /dev/null; do awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2> /dev/null; sleep 0.2; done ) > "$WORK/$name-rss" &
  sizes="$IMPORT_BYTES $BATCH_BYTES $BATCH_KEYS $PUT_BYTES"
  [[ $bulk == 0 ]] && sizes="0 0 $BATCH_KEYS 0"
  out=$(java bench/StallLoad.java "http://127.0.0.1:$port" "$BULK_KEY" "$OTHER_KEY" $sizes "$SECONDS_RUN" "$WARMUP" "$BULK_CLIENT" 2>&1 || true)
  echo "$out" | sed "s/^/[$name] /" >&2
  redis-cli -p "$RP" --no-raw slowlog get 1000 > "$WORK/$name-slowlog"
  # Each entry's third field is its duration in microseconds.
  slow=$(grep -E '^ +3\) \(integer\)' "$WORK/$name-slowlog" | awk '{print $3}' | sort -n | tail -1 || true)
  latency=$(redis-cli -p "$RP" latency latest | paste -sd' ' -)
  # Stop-the-world pauses only (G1's concurrent phases are logged with durations too).
  gc=$(grep 'Pause' "$WORK/$name-gc.log" | grep -oE '[0-9]+\.[0-9]+ms$' | sed 's/ms//' | sort -n | tail -1 || true)
  rss_peak=$(sort -n "$WORK/$name-rss" | tail -1)
  if kill -0 "$pid" 2> /dev/null; then alive=yes; else alive="no (see log: $(grep -m1 -E 'OutOfMemory|Exception' "$WORK/$name.log" || echo exited))"; fi
  kill "$pid" 2> /dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
  printf '| %s | %s | %s | %s | %s ms | %s | %s ms | %s MB | %s |\n' "$name" \
    "$(echo "$out" | grep -oE 'during-bulk\([0-9]+ ms\)\[[^]]*\]' | sed 's/during-bulk//')" \
    "$(echo "$out" | grep -m1 '^LOOPDELAY' | sed 's/^LOOPDELAY //')" \
    "$(echo "$out" | grep -oE 'all\[[^]]*\]' | sed 's/^all//'); $(echo "$out" | grep -oE 'errors=[0-9]+ skipped=[0-9]+')" \
    "$(awk -v us="${slow:-0}" 'BEGIN { printf "%.1f", us / 1000 }')" "${latency:-none}" "${gc:-?}" \
    "$((${rss_peak:-0} / 1024))" "$alive" >> "$WORK/rows"
  echo "$out" | grep -E '^(import|key batch|PUT|bodies):|^TIMELINE|^SLOW' | sed "s/^/    $name: /" >> "$WORK/bulk"
}

: > "$WORK/rows"
: > "$WORK/bulk"
run after "$WORK/after.jar" "$OPTS" "$ENV_EXTRA"
[[ -n $BASELINE ]] && run before "$WORK/before.jar" "$BASELINE_OPTS" "$BASELINE_ENV"
[[ $IDLE == 1 ]] && run idle "$WORK/after.jar" "$OPTS" "$ENV_EXTRA" 0
END_LOAD=$(loadavg)

mkdir -p bench/results
RESULT="bench/results/$(date -u +%F-%H%M)-stall.md"
# Two calls in one minute: the second keeps the first's file and writes with the seconds in its name.
[[ -e $RESULT ]] && RESULT="bench/results/$(date -u +%F-%H%M%S)-stall.md"
{
  echo "# Stall benchmark, $(date -u '+%F %H:%M UTC')"
  echo
  echo "\`bench/stall.sh $ARGS_TEXT\` on $GIT_DESC; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs);"
  echo "load average at start $START_LOAD, at end $END_LOAD (other work was running on this machine)."
  echo "Jars: after = $JAR${BASELINE:+, before = $BASELINE}."
  echo "Daemon${RUN_AS:+ (run as $RUN_AS)}: -Xmx$HEAP${OPTS:+ (after: $OPTS)}${BASELINE_OPTS:+ (before: $BASELINE_OPTS)}${ENV_EXTRA:+ (after env: $ENV_EXTRA)}${BASELINE_ENV:+ (before env: $BASELINE_ENV)}${TIMEOUT:+, REQUEST_TIMEOUT_MS=$TIMEOUT}, Redis $(redis-server --version | grep -oE 'v=[0-9.]+'), no sync; the other tenant GETs every 2 ms after a ${WARMUP} s warm-up; bulk requests sent by ${BULK_CLIENT}."
  echo
  echo "| daemon | other tenant's GETs while the bulk requests ran | HTTP event loops' 10 ms timers while the bulk requests ran | whole run | slowest Redis command | LATENCY LATEST | longest GC pause | peak RSS | survived |"
  echo "| --- | --- | --- | --- | ---: | --- | ---: | ---: | --- |"
  cat "$WORK/rows"
  echo
  echo "Bulk requests (statuses, times from their start):"
  echo
  sed 's/^/    /' "$WORK/bulk"
} > "$RESULT"
cat "$RESULT"
log "written $RESULT"
