#!/usr/bin/env bash
# Idle cost benchmark (issue #16) — one command:
#
#   bench/idle.sh [--jar NAME=PATH]... [--sizes "0 10000 100000"] [--seconds N] [--warmup N]
#
# What it does, for each size (number of sessions) and each jar, side by side in one run:
#   1. starts a private redis-server (no persistence) and seeds it: one template session of a bot's shape
#      (~1 KiB data, creds, 20 keys, 20 messages, ttl 7 days) written over HTTP, then cloned inside Redis by a
#      Lua script (COPY of each of its keys, plus its entries in the tenant's id and expiry indexes), so every
#      daemon sees the same data set and seeding 100,000 sessions takes seconds;
#   2. starts the daemon (SESSION_STORE=redis, no sync, TENANT_METRICS_INTERVAL_MS and EXPIRY_SWEEP_INTERVAL_MS at
#      their defaults), waits until it is ready plus --warmup s (default 20: its first gauge round is done), then
#      reads the CPU time of the daemon and of redis-server from /proc/<pid>/stat over --seconds s (default 20),
#      with Redis's commands processed (INFO stats) over the same window and the load average;
#   3. reads the daemon's sessiond_sessions gauge for the tenant after the window (it should equal the size).
# Jars: default "after=target/sessiond.jar"; give the code before a change with --jar before=PATH (the same
# data set is reused, so the figures compare). The machine may be shared: the load average is part of the result.
# Writes bench/results/<date>-idle.md. Environment: BENCH_KEEP=1 keeps the temp folder with logs.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
ARGS_TEXT="$*"
JARS=()
SIZES="0 10000 100000"
WINDOW=20
WARMUP=20
while (($#)); do
  case "$1" in
    --jar) shift; JARS+=("${1:?}") ;;
    --sizes) shift; SIZES=${1:?} ;;
    --seconds) shift; WINDOW=${1:?} ;;
    --warmup) shift; WARMUP=${1:?} ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
((${#JARS[@]})) || JARS=("after=target/sessiond.jar")

log() { printf '[idle-bench %s] %s\n' "$(date +%T)" "$*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
command -v redis-server > /dev/null && command -v redis-cli > /dev/null || {
  echo "redis-server and redis-cli are needed (apt-get install redis-server redis-tools)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/sessiond-idle.XXXXXX)
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
# CPU seconds (user + system, all threads) of a process so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
commands() { redis-cli -p "$RP" info stats | tr -d '\r' | awk -F: '$1 == "total_commands_processed" {print $2}'; }
HZ=$(getconf CLK_TCK)

for spec in "${JARS[@]}"; do
  name=${spec%%=*}; jar=${spec#*=}
  [[ -f $jar ]] || { echo "no jar at $jar" >&2; exit 1; }
  cp -p "$jar" "$WORK/$name.jar"
done
KEY=bench-$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)
RP=$(free_port)
redis-server --port "$RP" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" --logfile "$WORK/redis.log" &
RPID=$!
PIDS+=("$RPID")
for _ in $(seq 50); do redis-cli -p "$RP" ping > /dev/null 2>&1 && break; sleep 0.1; done
GIT_DESC="commit $(git rev-parse --short HEAD 2> /dev/null || echo '?')"

# start NAME: a daemon on the shared Redis; prints its pid and port.
start() {
  local name=$1 port pid
  port=$(free_port)
  SESSION_STORE=redis REDIS_URL="redis://127.0.0.1:$RP" SYNC_MODE=off HTTP_PORT=$port HTTP_HOST=127.0.0.1 \
    TENANTS="bench=$KEY" TENANT_MAX_SESSIONS=0 TENANT_REQUESTS_PER_SECOND=0 REDIS_TIMEOUT_MS=10000 REDIS_CONNECT_TIMEOUT_MS=10000 \
    java -Xmx512m -jar "$WORK/$name.jar" > "$WORK/$name-$SIZE.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait_http "http://127.0.0.1:$port/health/ready" 90 "$pid" || { log "$name did not start"; tail "$WORK/$name-$SIZE.log" >&2; exit 1; }
  echo "$pid $port"
}
stop() {
  kill "$1" 2> /dev/null || true
  for _ in $(seq 100); do kill -0 "$1" 2> /dev/null || break; sleep 0.1; done
}

# seed N: the template session over HTTP (on the first jar), then N clones of it inside Redis.
seed() {
  local n=$1 first=${JARS[0]%%=*} pid port base auth
  redis-cli -p "$RP" flushall > /dev/null
  ((n > 0)) || return 0
  read -r pid port < <(SIZE=seed start "$first")
  base="http://127.0.0.1:$port/v1/sessions/tpl"
  auth="Authorization: Bearer $KEY"
  python3 - "$base" "$KEY" << 'EOF'
import json, sys, urllib.request
base, key = sys.argv[1], sys.argv[2]
def call(method, url, body):
    r = urllib.request.Request(url, data=json.dumps(body).encode(), method=method,
        headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    urllib.request.urlopen(r).read()
call("PUT", base, {"ttlSeconds": 604800, "data": {"owner": "bench", "blob": "x" * 960},
                  "creds": {"noiseKey": {"private": "a" * 44, "public": "b" * 44}, "registrationId": 1234}})
call("POST", base + "/keys", {"pre-key": {str(i): {"public": "p" * 44, "private": "q" * 44} for i in range(20)}})
call("POST", base + "/messages", [{"id": "m%d" % i, "role": "user", "content": "y" * 100} for i in range(20)])
EOF
  stop "$pid"
  local keys
  keys=$(redis-cli -p "$RP" --scan --pattern 'sessiond:{bench:tpl}*' | paste -sd' ')
  redis-cli -p "$RP" zrem 'sessiond:{bench}:ids' tpl > /dev/null
  redis-cli -p "$RP" zrem 'sessiond:{bench}:expiry' tpl > /dev/null
  local from=0 chunk=5000
  while ((from < n)); do
    local to=$((from + chunk < n ? from + chunk : n))
    # shellcheck disable=SC2086
    redis-cli -p "$RP" eval "
      local expires = redis.call('HGET', ARGV[3], 'expires')
      for i = tonumber(ARGV[1]), tonumber(ARGV[2]) - 1 do
        local id = 's-' .. i
        for k = 4, #ARGV do
          redis.call('COPY', ARGV[k], (string.gsub(ARGV[k], '{bench:tpl}', '{bench:' .. id .. '}', 1)))
        end
        redis.call('ZADD', 'sessiond:{bench}:ids', 0, id)
        redis.call('ZADD', 'sessiond:{bench}:expiry', expires, id)
      end
      return 1" 0 "$from" "$to" 'sessiond:{bench:tpl}:meta' $keys > /dev/null
    from=$to
  done
  redis-cli -p "$RP" --scan --pattern 'sessiond:{bench:tpl}*' | xargs -r redis-cli -p "$RP" unlink > /dev/null
  log "seeded $n sessions ($(redis-cli -p "$RP" zcard 'sessiond:{bench}:ids') in the index, $(redis-cli -p "$RP" dbsize) Redis keys)"
}

: > "$WORK/rows"
START_LOAD=$(loadavg)
for SIZE in $SIZES; do
  seed "$SIZE"
  for spec in "${JARS[@]}"; do
    name=${spec%%=*}
    read -r pid port < <(start "$name")
    sleep "$WARMUP" # not a synchronisation: the daemon runs idle for this long before the window opens
    load=$(loadavg)
    d0=$(cpu_ticks "$pid"); r0=$(cpu_ticks "$RPID"); c0=$(commands); t0=$(date +%s.%N)
    sleep "$WINDOW"
    d1=$(cpu_ticks "$pid"); r1=$(cpu_ticks "$RPID"); c1=$(commands); t1=$(date +%s.%N)
    gauge=$(curl -fs "http://127.0.0.1:$port/metrics" | awk '/^sessiond_sessions\{tenant="bench"/ {print $2}')
    stop "$pid"
    row=$(awk -v d="$((d1 - d0))" -v r="$((r1 - r0))" -v c="$((c1 - c0))" -v t0="$t0" -v t1="$t1" -v hz="$HZ" \
      'BEGIN { s = t1 - t0; printf "%.3f | %.3f | %.0f", d / hz / s, r / hz / s, c / s }')
    printf '| %s | %s | %s | %s | %s |\n' "$SIZE" "$name" "$row" "${gauge:-?}" "$load" >> "$WORK/rows"
    log "size $SIZE, $name: daemon | redis | commands/s = $row; gauge ${gauge:-?}; load $load"
  done
done
END_LOAD=$(loadavg)

mkdir -p bench/results
RESULT="bench/results/$(date -u +%F)-idle.md"
{
  echo "# Idle cost benchmark, $(date -u '+%F %H:%M UTC')"
  echo
  echo "\`bench/idle.sh $ARGS_TEXT\` on $GIT_DESC; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs);"
  echo "load average at start $START_LOAD, at end $END_LOAD (the machine is shared: other work was running)."
  echo "CPU in cores (CPU seconds per second) of the daemon and of redis-server over ${WINDOW} s with no request at all,"
  echo "after ${WARMUP} s idle; Redis $(redis-server --version | grep -oE 'v=[0-9.]+'), no sync, one tenant."
  echo
  echo "| sessions | daemon | daemon CPU | Redis CPU | Redis commands/s | sessiond_sessions | load average (1, 5, 15 min) |"
  echo "| ---: | --- | ---: | ---: | ---: | ---: | --- |"
  cat "$WORK/rows"
} > "$RESULT"
cat "$RESULT"
log "written $RESULT"
