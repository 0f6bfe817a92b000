#!/usr/bin/env bash
# Restore A/B (issue #16) — one command, a few minutes:
#
#   bench/restore-ab.sh --baseline JAR [--jar JAR] [--also JAR] [--sessions N] [--pairs P] [--jfr] [--env "K=V ..."]
#
# PostgreSQL (a private PostgreSQL 15, fsync on) is filled with N sessions of a bot's shape (the same SQL as
# bench/scale.sh: ~1 KiB data, creds, 20 pre-keys, 20 messages), then the baseline jar and the measured jar each
# restore all of them into an empty private Redis (AUTO_RESTORE_SESSIONS=true), P times, side by side in
# alternating order (pair 1 baseline first, pair 2 measured first, ...). Per run: the restore's own log line
# (time, rate) and the CPU seconds of sessiond, Redis and PostgreSQL (and apart, PostgreSQL's own processes that are
# not the daemon's connections: checkpointer, writers, autovacuum) from the daemon's launch until /health/ready;
# sessiond's start-up CPU without a restore is measured once per jar and subtracted.
# Redis's INFO commandstats of each jar's last run is summarised per session (where Redis's time goes).
# --also JAR runs a third jar in every pair, between the other two (pair 1 baseline, also, measured; pair 2
# measured, also, baseline; ...): for instance main beside a change and the baseline, in the same run.
# --env sets extra environment variables for the measured jar's runs only (the same jar with other settings).
# --jfr records a JFR profile of each measured run (kept with BENCH_KEEP=1), and, where perf is installed, a
# perf profile of Redis during it (its top functions are printed). Prints a Markdown report.
# Environment: BENCH_JAVA_OPTS (default "-Xms256m -Xmx2g"), BENCH_KEEP=1 keeps the temp folder with logs.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
ARGS_TEXT="$*"
BASELINE=""
JAR_IN=target/sessiond.jar
ALSO=""
N=50000
PAIRS=3
JFR=0
MEASURED_ENV=()
while (($#)); do
  case "$1" in
    --baseline) shift; BASELINE=${1:?} ;;
    --jar) shift; JAR_IN=${1:?} ;;
    --also) shift; ALSO=${1:?} ;;
    --sessions) shift; N=${1:?} ;;
    --pairs) shift; PAIRS=${1:?} ;;
    --jfr) JFR=1 ;;
    --env) shift; read -r -a MEASURED_ENV <<< "${1:?}" ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ -n $BASELINE ]] || { echo "--baseline JAR is required" >&2; exit 2; }
JAVA_OPTS=${BENCH_JAVA_OPTS:--Xms256m -Xmx2g}
PGBIN=/usr/lib/postgresql/15/bin
log() { printf '[restore-ab %s] %s\n' "$(date +%T)" "$*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
[[ -f $JAR_IN && -f $BASELINE ]] || { log "no $JAR_IN or $BASELINE"; exit 1; }

WORK=$(mktemp -d /tmp/sessiond-restore-ab.XXXXXX)
chmod 755 "$WORK"
PIDS=()
PGDATA=""
cleanup() {
  trap - EXIT
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  if [[ -n $PGDATA && -f $PGDATA/postmaster.pid ]]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 30 stop > /dev/null 2>&1 || true
  fi
  if [[ "${BENCH_KEEP:-0}" == 1 ]]; then log "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat" 2> /dev/null || echo 0; }
# Of which in the kernel (system time: the loopback sockets' copies and the syscalls).
sys_s() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", $13 / hz }' "/proc/$1/stat" 2> /dev/null || echo 0; }
# CPU seconds of the JIT: the JVM's live compiler threads (C1, C2; one that has ended is not counted).
jit_s() {
  local t hz
  hz=$(getconf CLK_TCK)
  for t in /proc/"$1"/task/*; do
    [[ $(cat "$t/comm" 2> /dev/null) == C[12]\ Compiler* ]] || continue
    awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "$t/stat" 2> /dev/null
  done | awk -v hz="$hz" '{ s += $1 } END { printf "%.2f", s / hz }'
}
# CPU seconds of PostgreSQL: the postmaster and every process it has now (sessiond's pool keeps its backends).
pg_cpu() {
  local pm total=0 p
  pm=$(head -1 "$PGDATA/postmaster.pid")
  for p in $pm $(pgrep -P "$pm"); do total=$(awk -v a="$total" -v b="$(cpu_s "$p")" 'BEGIN { printf "%.2f", a + b }'); done
  echo "$total"
}
# Of which PostgreSQL's own processes (checkpointer, writers, autovacuum): not the daemon's connections.
pg_bg_cpu() {
  local pm total=0 p
  pm=$(head -1 "$PGDATA/postmaster.pid")
  for p in $pm $(pgrep -P "$pm"); do
    { tr '\0' ' ' < "/proc/$p/cmdline"; } 2> /dev/null | grep -q ' sessiond ' && continue
    total=$(awk -v a="$total" -v b="$(cpu_s "$p")" 'BEGIN { printf "%.2f", a + b }')
  done
  echo "$total"
}
stop_pid() {
  kill "$1" 2> /dev/null || true
  for _ in $(seq 300); do kill -0 "$1" 2> /dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2> /dev/null || true
}

START_LOAD=$(loadavg)
cp -p "$JAR_IN" "$WORK/measured.jar"
cp -p "$BASELINE" "$WORK/baseline.jar"
JARS=(baseline measured)
if [[ -n $ALSO ]]; then cp -p "$ALSO" "$WORK/also.jar"; JARS=(baseline also measured); fi
KEY=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)
RP=$(free_port)
redis-server --port "$RP" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" --logfile "$WORK/redis.log" &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
for _ in $(seq 50); do redis-cli -p "$RP" ping > /dev/null 2>&1 && break; sleep 0.1; done
PGP=$(free_port)
PGDATA="$WORK/pg"
mkdir -p "$PGDATA" "$WORK/pgsock" "$WORK/pglog"
chown postgres: "$PGDATA" "$WORK/pgsock" "$WORK/pglog"
chmod 700 "$PGDATA"
runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --no-sync > "$WORK/initdb.log" 2>&1
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$WORK/pglog/postgres.log" -w -t 60 \
  -o "-p $PGP -k $WORK/pgsock -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c max_wal_size=4GB -c maintenance_work_mem=512MB" start > /dev/null
PSQL=(psql -h 127.0.0.1 -p "$PGP" -U postgres -X -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" -d postgres -c 'CREATE DATABASE sessiond' -c "ALTER USER postgres PASSWORD 'bench'" > /dev/null
PG_URL="postgres://postgres:bench@127.0.0.1:$PGP/sessiond"
log "work folder $WORK; redis on $RP, PostgreSQL on $PGP; load average $START_LOAD"

SERVER_PID=""
HP=""
start_sessiond() { # name jar extra-env...
  local name=$1 jar=$2 opts=$JAVA_OPTS
  shift 2
  HP=$(free_port)
  if [[ $JFR == 1 && $name == measured-* ]]; then opts="$opts -XX:StartFlightRecording=filename=$WORK/$name.jfr,settings=profile"; fi
  # shellcheck disable=SC2086
  env SESSION_STORE=redis REDIS_URL="redis://127.0.0.1:$RP" REDIS_PREFIX="scale:" TENANTS="bench=$KEY" HTTP_PORT="$HP" \
    TENANT_MAX_SESSIONS=0 TENANT_MAX_BYTES_PER_SESSION=0 TENANT_REQUESTS_PER_SECOND=0 PG_URL="$PG_URL" \
    SYNC_MODE=write-behind HEALTH_INTERVAL_MS=100 REDIS_CONNECT_TIMEOUT_MS=10000 REDIS_TIMEOUT_MS=10000 PG_CONNECT_TIMEOUT_MS=10000 \
    "$@" java $opts -jar "$jar" > "$WORK/sessiond-$name.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
}
wait_ready() { # seconds
  local i
  for ((i = 0; i < $1 * 20; i++)); do
    curl -fs -o /dev/null "http://127.0.0.1:$HP/health/ready" && return 0
    kill -0 "$SERVER_PID" 2> /dev/null || return 1
    sleep 0.05
  done
  return 1
}

# Schema: the measured jar migrates an empty database.
start_sessiond migrate "$WORK/measured.jar" AUTO_RESTORE_SESSIONS=false
wait_ready 300 || { log "sessiond did not start: $(tail -5 "$WORK/sessiond-migrate.log")"; exit 1; }
stop_pid "$SERVER_PID"
"${PSQL[@]}" -d sessiond -c "INSERT INTO tenants (id) VALUES ('bench') ON CONFLICT DO NOTHING" > /dev/null
log "seeding $N sessions (SQL); load $(loadavg)"
s0=$(date +%s)
"${PSQL[@]}" -d sessiond > "$WORK/seed.log" 2>&1 << SQL
INSERT INTO sessions (tenant, id, state, data, creds, version, created_at, updated_at, activity_at, ttl_seconds, expires_at)
SELECT 'bench', 's-' || g, 'connected',
  '{"owner":"bench","n":' || g || ',"jid":"' || (1000000000 + g) || '@s.whatsapp.net","blob":"' || repeat(md5(g::text), 30) || '"}',
  '{"noiseKey":{"public":"' || md5('n' || g) || '"},"registrationId":' || g || '}',
  60, 1763780000000, 1763780000000, 1763780000000, 0, 0
FROM generate_series(0, $N - 1) g;
INSERT INTO keys (tenant, session_id, type, key_id, value)
SELECT 'bench', 's-' || g, 'pre-key', k::text,
  '{"public":{"type":"Buffer","data":"' || md5(g || 'p' || k) || '"},"private":{"type":"Buffer","data":"' || md5(g || 'q' || k) || '"}}'
FROM generate_series(0, $N - 1) g, generate_series(1, 20) k;
INSERT INTO messages (tenant, session_id, seq, body)
SELECT 'bench', 's-' || g, m,
  '{"key":{"remoteJid":"' || (2000000000 + m) || '@s.whatsapp.net","id":"' || md5(g || 'm' || m) || '"},"message":{"conversation":"hello ' || m || '"}}'
FROM generate_series(0, $N - 1) g, generate_series(1, 20) m;
VACUUM ANALYZE sessions, keys, messages;
SQL
log "seeded in $(($(date +%s) - s0)) s"

# sessiond's own start-up CPU (no restore), once per jar, subtracted from each run's sessiond CPU.
declare -A STARTUP=() STARTUP_SYS=() STARTUP_JIT=()
for name in "${JARS[@]}"; do
  redis-cli -p "$RP" flushall > /dev/null
  start_sessiond "startup-$name" "$WORK/$name.jar" AUTO_RESTORE_SESSIONS=false
  wait_ready 300 || { log "$name did not start"; exit 1; }
  STARTUP[$name]=$(cpu_s "$SERVER_PID")
  STARTUP_SYS[$name]=$(sys_s "$SERVER_PID")
  STARTUP_JIT[$name]=$(jit_s "$SERVER_PID")
  stop_pid "$SERVER_PID"
done
log "start-up CPU without restore: baseline ${STARTUP[baseline]} s, measured ${STARTUP[measured]} s${ALSO:+, also ${STARTUP[also]} s}"

ROWS=()
declare -A SUM_RATE=() SUM_D=() SUM_R=() SUM_P=()
run() { # name(baseline|measured) pair
  local name=$1 pair=$2 t0 t1 c d r0 r1 p0 p1 line ms n rate l0 l1 cs ds rs0 rs1 rsys
  redis-cli -p "$RP" flushall > /dev/null
  redis-cli -p "$RP" config resetstat > /dev/null
  l0=$(cut -d' ' -f1 /proc/loadavg)
  local perf_pid=""
  if [[ $JFR == 1 && $name == measured ]] && command -v perf > /dev/null; then
    perf record -F 499 -g -p "$REDIS_PID" -o "$WORK/redis-$name-$pair.perf" > /dev/null 2>&1 &
    perf_pid=$!
  fi
  r0=$(cpu_s "$REDIS_PID"); p0=$(pg_cpu); pb0=$(pg_bg_cpu); t0=$(date +%s.%N); rs0=$(sys_s "$REDIS_PID")
  if [[ $name == measured ]]; then
    start_sessiond "$name-$pair" "$WORK/$name.jar" AUTO_RESTORE_SESSIONS=true "${MEASURED_ENV[@]}"
  else
    start_sessiond "$name-$pair" "$WORK/$name.jar" AUTO_RESTORE_SESSIONS=true
  fi
  wait_ready 600 || { log "$name did not become ready: $(tail -3 "$WORK/sessiond-$name-$pair.log")"; exit 1; }
  t1=$(date +%s.%N); c=$(cpu_s "$SERVER_PID"); r1=$(cpu_s "$REDIS_PID"); p1=$(pg_cpu); pb1=$(pg_bg_cpu)
  cs=$(sys_s "$SERVER_PID"); rs1=$(sys_s "$REDIS_PID"); jit=$(jit_s "$SERVER_PID")
  l1=$(cut -d' ' -f1 /proc/loadavg)
  redis-cli -p "$RP" info commandstats | tr -d '\r' > "$WORK/commandstats-$name-$pair.txt"
  if [[ -n $perf_pid ]]; then
    kill -INT "$perf_pid" 2> /dev/null || true
    wait "$perf_pid" 2> /dev/null || true
  fi
  stop_pid "$SERVER_PID"
  line=$(grep -o 'Restore from PostgreSQL done.*' "$WORK/sessiond-$name-$pair.log" | head -1)
  ms=$(sed -n 's/.* in \([0-9]*\) ms.*/\1/p' <<< "$line")
  n=$(sed -n 's/.*done: \([0-9]*\) sessions restored.*/\1/p' <<< "$line")
  [[ $n == "$N" ]] || { log "$name restored ${n:-?} of $N: $line"; exit 1; }
  rate=$(awk -v n="$n" -v ms="$ms" 'BEGIN { printf "%.0f", n * 1000 / ms }')
  d=$(awk -v c="$c" -v s="${STARTUP[$name]}" -v n="$n" 'BEGIN { printf "%.0f", (c - s) * 1e6 / n }')
  r=$(awk -v a="$r0" -v b="$r1" -v n="$n" 'BEGIN { printf "%.0f", (b - a) * 1e6 / n }')
  p=$(awk -v a="$p0" -v b="$p1" -v n="$n" 'BEGIN { printf "%.0f", (b - a) * 1e6 / n }')
  pbg=$(awk -v a="$pb0" -v b="$pb1" -v n="$n" 'BEGIN { printf "%.0f", (b - a) * 1e6 / n }')
  ds=$(awk -v c="$cs" -v s="${STARTUP_SYS[$name]}" -v n="$n" 'BEGIN { printf "%.0f", (c - s) * 1e6 / n }')
  rsys=$(awk -v a="$rs0" -v b="$rs1" -v n="$n" 'BEGIN { printf "%.0f", (b - a) * 1e6 / n }')
  j=$(awk -v c="$jit" -v s="${STARTUP_JIT[$name]}" -v n="$n" 'BEGIN { printf "%.0f", (c - s) * 1e6 / n }')
  log "pair $pair $name: $n in $ms ms = $rate/s; CPU µs/session sessiond $d (kernel $ds, JIT $j), Redis $r (kernel $rsys), PostgreSQL $p (its own processes $pbg); load $l0 → $l1"
  ROWS+=("| $pair | $name | $ms | $rate | $d ($ds; $j) | $r ($rsys) | $p ($pbg) | $((d + r + p)) | $l0 → $l1 |")
  SUM_RATE[$name]=$(( ${SUM_RATE[$name]:-0} + rate )); SUM_D[$name]=$(( ${SUM_D[$name]:-0} + d ))
  SUM_R[$name]=$(( ${SUM_R[$name]:-0} + r )); SUM_P[$name]=$(( ${SUM_P[$name]:-0} + p ))
  LAST_RATE=$rate
}
RATIOS=()
ALSO_RATIOS=()
MEASURED_ALSO=()
for ((i = 1; i <= PAIRS; i++)); do
  if ((i % 2 == 1)); then
    run baseline "$i"; b=$LAST_RATE
    if [[ -n $ALSO ]]; then run also "$i"; a=$LAST_RATE; fi
    run measured "$i"; m=$LAST_RATE
  else
    run measured "$i"; m=$LAST_RATE
    if [[ -n $ALSO ]]; then run also "$i"; a=$LAST_RATE; fi
    run baseline "$i"; b=$LAST_RATE
  fi
  RATIOS+=("$(awk -v a="$m" -v b="$b" 'BEGIN { printf "%.2f", a / b }')")
  if [[ -n $ALSO ]]; then
    ALSO_RATIOS+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')")
    MEASURED_ALSO+=("$(awk -v a="$m" -v b="$a" 'BEGIN { printf "%.2f", a / b }')")
  fi
done

echo "# Restore A/B"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), shared with other work"
echo "- measured: commit $(git rev-parse --short HEAD 2> /dev/null || echo '?') (jar $JAR_IN); baseline jar $BASELINE;${ALSO:+ also jar $ALSO;} JVM \`$JAVA_OPTS\`; $(redis-server --version | cut -d' ' -f3); PostgreSQL 15 (fsync on)"
echo "- load average at start: $START_LOAD; at the end: $(loadavg)"
echo "- command: \`bench/restore-ab.sh${ARGS_TEXT:+ $ARGS_TEXT}\`"
echo "- $N sessions of a bot's shape (~1 KiB data, creds, 20 pre-keys, 20 messages: 41 rows each in PostgreSQL) restored into an empty Redis, write-behind sync on, tenant limits off"
echo "- sessiond start-up CPU without a restore (subtracted): baseline ${STARTUP[baseline]} s, measured ${STARTUP[measured]} s${ALSO:+, also ${STARTUP[also]} s}"
echo "- JIT: the CPU of the JVM's live compiler threads (C1, C2) at readiness less that of the start-up without a restore"
echo "- PostgreSQL: all its processes; in brackets those that are not the daemon's connections (checkpointer, writers, autovacuum)"
echo
echo "| pair | jar | restore ms | sessions/s | sessiond µs/session (kernel; JIT) | Redis µs/session (kernel) | PostgreSQL µs/session (its own processes) | total µs/session | load 1 min |"
echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
printf '%s\n' "${ROWS[@]}"
echo
for name in "${JARS[@]}"; do
  echo "- mean $name: $((SUM_RATE[$name] / PAIRS))/s; CPU µs/session sessiond $((SUM_D[$name] / PAIRS)), Redis $((SUM_R[$name] / PAIRS)), PostgreSQL $((SUM_P[$name] / PAIRS))"
done
echo "- speed-up per pair (measured / baseline): ${RATIOS[*]}"
if [[ -n $ALSO ]]; then
  echo "- per pair, also / baseline: ${ALSO_RATIOS[*]}; measured / also: ${MEASURED_ALSO[*]}"
fi
# Redis's own split of its time (INFO commandstats of the last run of each jar; commands a script runs are
# counted both on their own and inside the script's): µs per restored session.
for name in "${JARS[@]}"; do
  f=$(ls "$WORK"/commandstats-$name-*.txt 2> /dev/null | tail -1)
  [[ -n $f ]] || continue
  echo "- Redis commands, $name (µs per session; calls per session): $(awk -F'[:,=]' -v n="$N" '/^cmdstat_/ {
      sub(/^cmdstat_/, "", $1); printf "%s %.1f (%.2f); ", $1, $5 / n, $3 / n }' "$f" | sed 's/; $//')"
done
for f in "$WORK"/redis-measured-*.perf; do
  [[ -f $f ]] || continue
  echo
  echo "Redis during the measured run ($(basename "$f"), perf, self time):"
  echo
  echo '```'
  perf report -i "$f" --no-children --stdio --sort symbol 2> /dev/null | grep -E '^ +[0-9.]+%' | head -30
  echo '```'
done
if [[ $JFR == 1 ]]; then
  echo "- JFR recordings: $WORK/measured-*.jfr (BENCH_KEEP=1 keeps them)"
fi
