#!/usr/bin/env bash
# PostgreSQL sync benchmark (issue #4) — one command:
#
#   bench/sync.sh [--rate N] [--duration SECONDS] [--sessions N] [--skip-sync] [--skip-restore] [--wipe] [--cluster] [--build] [--profile]
#
# What it does, in bounded time (~4–8 min plus apt-get/mvn the first time):
#   1. installs redis-server/redis-tools with apt-get when absent; builds target/sessiond.jar when absent;
#   2. starts a private redis-server and a private PostgreSQL 15 (Debian's /usr/lib/postgresql/15, run as user
#      postgres with a data folder in /tmp) on free ports;
#   3. sync: sessiond with SESSION_STORE=redis, PG_URL and SYNC_MODE=write-behind; bench/SyncLoad.java writes
#      --rate writes/s (default 2000; 9 in 10 a PUT of ~1 KiB, 1 in 10 a key batch of 20 pre-keys) on 1,000 sessions
#      for --duration s (default 30) and measures each write's lag from its HTTP acknowledgement until psql sees
#      its version in PostgreSQL; a sampler records every second the stream length (XLEN), sessiond_sync_backlog
#      from /metrics, the rows/versions/upserts in PostgreSQL and the CPU seconds of sessiond and the redis-servers.
#      The load tool writes on plain keep-alive sockets and, before its first request to the (started, idle, cold)
#      daemon, runs the same load for 10 s against a stub in its own process, so its own JIT is done by then
#      (SYNC_TOOL_CLIENT=urlconnection SYNC_TOOL_PREWARM_S=0: the tool as it was before 2026-12-07, ~3x its CPU);
#   4. restore: seeds PostgreSQL with SQL (generate_series) with --sessions sessions (default 100000) of 20 keys and
#      50 messages each, starts a fresh sessiond on an empty Redis with AUTO_RESTORE_SESSIONS=true and times
#      until /health/ready answers 200, and reads the restore's own log line;
#   4b. with --wipe: Redis wiped under load (bench/WipeLoad.java): 500 appends/s on 100 sessions for 20 s, FLUSHALL at
#      10 s; the daemon notices, refills Redis from PostgreSQL while serving; afterwards every acknowledged append is
#      read back: verified / lost, and the loss window (how long before the wipe the lost appends were acknowledged);
#   5. writes bench/results/<date>-sync.md (method, machine, load, figures against the targets).
# Options: --cluster runs the sync part on a local Redis Cluster instead of one Redis (3 masters + 3 replicas of
#   redis-server on free ports, formed with redis-cli --cluster create; REDIS_MODE=cluster; the XLEN column of the
#   samples is then '-': the changes are spread over one stream per hash slot, the backlog gauge still counts them);
#   the restore and wipe parts need one Redis and are refused with it.
#   The report lists the Redis commands run per second over the warm-up and the load (INFO commandstats of every server,
#   reset when the load starts; commands inside scripts and those a replica applies are counted too).
#   --profile records JFR in sessiond during the restore and the load (summaries by bench/jfr-top.sh) and
#   writes bench/results/<date>-sync-profile.md instead (JFR costs CPU, so those figures are not the plain run's).
# Environment: SYNC_WARMUP_S (default 15) sets the unrecorded warm-up before the measured load; BENCH_JAVA_OPTS (default "-Xms1g -Xmx4g"), BENCH_KEEP=1 keeps the temp folder with logs, BENCH_ENV="NAME=value …"
#   adds settings to the daemon (e.g. SYNC_BATCH_SIZE); --jar FILE runs another jar, --tag NAME names the results file.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
ARGS_TEXT="$*"
RATE=2000
DUR=30
NSESS=100000
DO_SYNC=1
DO_RESTORE=1
DO_WIPE=0
BUILD=0
PROFILE=0
CLUSTER=0
JAR_IN=target/sessiond.jar
TAG=""
while (($#)); do
  case "$1" in
    --rate) shift; RATE=${1:?} ;;
    --duration) shift; DUR=${1:?} ;;
    --sessions) shift; NSESS=${1:?} ;;
    --skip-sync) DO_SYNC=0 ;;
    --skip-restore) DO_RESTORE=0 ;;
    --wipe) DO_WIPE=1 ;;
    --cluster) CLUSTER=1 ;;
    --build) BUILD=1 ;;
    --jar) shift; JAR_IN=${1:?} ;;
    --tag) shift; TAG=-${1:?} ;;
    --profile) PROFILE=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if ((CLUSTER && (DO_RESTORE || DO_WIPE))); then
  echo "--cluster measures the sync part only: add --skip-restore (and no --wipe)" >&2
  exit 2
fi
JAVA_OPTS=${BENCH_JAVA_OPTS:--Xms1g -Xmx4g}
PGBIN=/usr/lib/postgresql/15/bin
LOAD_SESSIONS=1000
TARGET_RESTORE=5000
TARGET_LAG_P99_MS=1000

log() { printf '[sync-bench %s] %s\n' "$(date +%T)" "$*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# ---- tools ------------------------------------------------------------------------------------------
pkgs=()
command -v redis-server > /dev/null || pkgs+=(redis-server)
command -v redis-cli > /dev/null || pkgs+=(redis-tools)
command -v psql > /dev/null || pkgs+=(postgresql-client)
[[ -x $PGBIN/initdb ]] || pkgs+=(postgresql-15)
if ((${#pkgs[@]})); then
  log "installing ${pkgs[*]} with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" > /dev/null
fi
if [[ ! -f target/sessiond.jar || $BUILD == 1 ]]; then
  log "building target/sessiond.jar"
  mvn -q -o -DskipTests package || mvn -q -DskipTests package
fi

# ---- processes ----------------------------------------------------------------------------------------
WORK=$(mktemp -d /tmp/sessiond-sync.XXXXXX)
chmod 755 "$WORK"
PIDS=()
PGDATA=""
cleanup() {
  trap - EXIT
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$p" 2> /dev/null || true
  done
  if [[ -n $PGDATA && -f $PGDATA/postmaster.pid ]]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 30 stop > /dev/null 2>&1 || true
  fi
  if [[ "${BENCH_KEEP:-0}" == 1 || $PROFILE == 1 ]]; then log "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_pid() {
  local p=$1
  kill "$p" 2> /dev/null || true
  for _ in $(seq 300); do kill -0 "$p" 2> /dev/null || return 0; sleep 0.1; done
  kill -9 "$p" 2> /dev/null || true
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# A free port whose cluster bus port (+10000) is a port and free too: an ephemeral port above 55535 has none,
# and redis-cli --cluster create then fails (about one run in three on this machine's port range).
cluster_port() { python3 -c '
import socket
while True:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
    if p + 10000 > 65535: continue
    b = socket.socket()
    try: b.bind(("127.0.0.1", p + 10000))
    except OSError: continue
    print(p); break'; }
wait_http() { # url seconds pid
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    curl -fs -o /dev/null "$1" && return 0
    kill -0 "$3" 2> /dev/null || return 1
    sleep 0.05
  done
  return 1
}
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat" 2> /dev/null || echo 0; }
# CPU seconds of every postgres process (the server forks one backend per connection).
pg_cpu_s() {
  local p t=0
  for p in $(pgrep -u postgres -f "postgres.*$PGDATA|postgres: " 2> /dev/null); do t=$(awk -v a="$t" -v b="$(cpu_s "$p")" 'BEGIN { print a + b }'); done
  echo "$t"
}

JAR="$WORK/sessiond.jar"
cp -p "$JAR_IN" "$JAR"
START_LOAD=$(loadavg)
START_TOP=$(ps -eo pcpu=,comm= --sort=-pcpu | head -4 | awk '{printf "%s %s%%, ", $2, $1}' | sed 's/, $//')
[[ $JAR_IN == target/sessiond.jar ]] || GIT_DESC_JAR=" (jar: $JAR_IN)"
GIT_DESC="commit $(git rev-parse --short HEAD 2> /dev/null || echo '?')$(git diff --quiet HEAD -- src pom.xml 2> /dev/null || echo ' (with uncommitted changes in src/)')${GIT_DESC_JAR:-}"
KEY=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)
log "work folder $WORK; load average $START_LOAD"

REDIS_PIDS=()
REDIS_SETTINGS=()
if ((CLUSTER)); then
  # Three masters and three replicas, as the test fixture (TestRedisCluster) forms them.
  CPORTS=()
  for i in 1 2 3 4 5 6; do
    p=$(cluster_port)
    mkdir -p "$WORK/redis-$p"
    redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-node-timeout 1000 --save '' --appendonly no --dir "$WORK/redis-$p" --logfile "$WORK/redis-$p/redis.log" &
    REDIS_PIDS+=($!)
    PIDS+=($!)
    CPORTS+=("$p")
  done
  for p in "${CPORTS[@]}"; do
    for _ in $(seq 50); do redis-cli -p "$p" ping > /dev/null 2>&1 && break; sleep 0.1; done
  done
  redis-cli --cluster create $(printf '127.0.0.1:%s ' "${CPORTS[@]}") --cluster-replicas 1 --cluster-yes > "$WORK/cluster-create.log" 2>&1 ||
    { log "redis-cli --cluster create failed: $(tail -3 "$WORK/cluster-create.log")"; exit 1; }
  for _ in $(seq 200); do
    ok=1
    for p in "${CPORTS[@]}"; do redis-cli -p "$p" cluster info 2> /dev/null | grep -q 'cluster_state:ok' || ok=0; done
    ((ok)) && break
    sleep 0.1
  done
  RP=${CPORTS[0]}
  REDIS_URL="redis://127.0.0.1:$RP"
  REDIS_SETTINGS=(REDIS_MODE=cluster "REDIS_NODES=$(printf 'redis://127.0.0.1:%s,' "${CPORTS[@]:1}" | sed 's/,$//')")
else
  RP=$(free_port)
  redis-server --port "$RP" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" --logfile "$WORK/redis.log" &
  REDIS_PIDS+=($!)
  PIDS+=($!)
  for _ in $(seq 50); do redis-cli -p "$RP" ping > /dev/null 2>&1 && break; sleep 0.1; done
  REDIS_URL="redis://127.0.0.1:$RP"
fi
REDIS_PID=${REDIS_PIDS[0]}
# CPU seconds of every redis-server of the run.
redis_cpu_s() {
  local p t=0
  for p in "${REDIS_PIDS[@]}"; do t=$(awk -v a="$t" -v b="$(cpu_s "$p")" 'BEGIN { print a + b }'); done
  echo "$t"
}

PGP=$(free_port)
PGDATA="$WORK/pg"
mkdir -p "$PGDATA" "$WORK/pgsock" "$WORK/pglog"
chown postgres: "$PGDATA" "$WORK/pgsock" "$WORK/pglog"
chmod 700 "$PGDATA"
runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --no-sync > "$WORK/initdb.log" 2>&1
# Defaults except memory for a 23 GiB machine; fsync and synchronous_commit stay on.
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$WORK/pglog/postgres.log" -w -t 60 \
  -o "-p $PGP -k $WORK/pgsock -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c max_wal_size=4GB -c maintenance_work_mem=512MB" start > /dev/null
PSQL=(psql -h 127.0.0.1 -p "$PGP" -U postgres -X -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" -d postgres -c 'CREATE DATABASE sessiond' -c "ALTER USER postgres PASSWORD 'bench'" > /dev/null
PG_URL="postgres://postgres:bench@127.0.0.1:$PGP/sessiond"
PG_VERSION=$("${PSQL[@]}" -d sessiond -Atc 'SHOW server_version')
log "redis on $RP$( ((CLUSTER)) && echo " (cluster: ${CPORTS[*]})"), PostgreSQL $PG_VERSION on $PGP"

SERVER_PID=""
start_sessiond() { # name extra-env...
  local name=$1
  shift
  HP=$(free_port)
  # shellcheck disable=SC2086
  env SESSION_STORE=redis REDIS_URL="$REDIS_URL" REDIS_PREFIX="bench:" TENANTS="bench=$KEY" HTTP_PORT="$HP" TENANT_MAX_SESSIONS=0 TENANT_MAX_BYTES_PER_SESSION=0 TENANT_REQUESTS_PER_SECOND=0 \
    PG_URL="$PG_URL" SYNC_MODE=write-behind HEALTH_INTERVAL_MS=100 "${REDIS_SETTINGS[@]}" ${BENCH_ENV:-} "$@" \
    java $JAVA_OPTS -jar "$JAR" > "$WORK/sessiond-$name.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
}

declare -A R
fmt() { LC_ALL=C printf "%'d" "${1%.*}" 2> /dev/null || echo "$1"; }

# ---- 1. sync throughput and lag --------------------------------------------------------------------------
if ((DO_SYNC)); then
  start_sessiond sync AUTO_RESTORE_SESSIONS=false SYNC_MODE="${BENCH_SYNC_MODE:-write-behind}"
  wait_http "http://127.0.0.1:$HP/health/ready" 90 "$SERVER_PID" || { log "sessiond did not start: $(tail -5 "$WORK/sessiond-sync.log")"; exit 1; }
  # Sampler: every second the stream length, sessiond's backlog gauge, PostgreSQL's rows/versions/upserts, and the CPU
  # seconds sessiond and the redis-servers have used so far (what the cold start costs, second by second).
  (
    set +e +o pipefail
    while :; do
      t=$(date +%s.%N)
      x=-
      ((CLUSTER)) || x=$(redis-cli -p "$RP" xlen bench:sync 2> /dev/null || echo -)
      b=$(curl -fs "http://127.0.0.1:$HP/metrics" | awk '/^sessiond_sync_backlog/ {print $2; exit}')
      p=$("${PSQL[@]}" -d sessiond -Atc "SELECT (SELECT count(*) || ' ' || coalesce(sum(version), 0) FROM sessions WHERE id LIKE 'sync-%') || ' ' || (SELECT n_tup_ins + n_tup_upd FROM pg_stat_user_tables WHERE relname = 'sessions')" 2> /dev/null || echo '- - -')
      echo "$t $x ${b:--} $p $(cpu_s "$SERVER_PID") $(redis_cpu_s)"
      sleep 1
    done
  ) > "$WORK/samples.txt" 2>/dev/null &
  SAMPLER=$!
  PIDS+=("$SAMPLER")
  R[sync_load_before]=$(loadavg)
  ((PROFILE)) && jcmd "$SERVER_PID" JFR.start name=sync settings=profile filename="$WORK/sync.jfr" > /dev/null
  for p in "${CPORTS[@]:-$RP}"; do redis-cli -p "$p" config resetstat > /dev/null 2>&1 || true; done
  c0=$(cpu_s "$SERVER_PID"); r0=$(redis_cpu_s); g0=$(pg_cpu_s); t0=$(date +%s.%N)
  log "sync: $RATE writes/s for $DUR s after a ${SYNC_WARMUP_S:-15} s warm-up on $LOAD_SESSIONS sessions (lag measured with psql)"
  out=$(timeout $((DUR + 180)) java -cp "$JAR" bench/SyncLoad.java "http://127.0.0.1:$HP" "$KEY" "$RATE" "$DUR" "$LOAD_SESSIONS" \
    "${PSQL[@]}" -d sessiond -At 2>&1) || true
  c1=$(cpu_s "$SERVER_PID"); r1=$(redis_cpu_s); g1=$(pg_cpu_s); t1=$(date +%s.%N)
  # Commands Redis ran during the load (every server of a cluster; replicas' replication traffic included), per second.
  R[sync_redis_cmds]=$(for p in "${CPORTS[@]:-$RP}"; do redis-cli -p "$p" info commandstats 2> /dev/null; done | awk -F'[_:=,]' -v d="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" '
    /^cmdstat_/ { n[$2] += $4 }
    END { for (c in n) if (n[c] / d >= 10) printf "%s %.0f/s\n", c, n[c] / d }' | sort -k2 -t' ' -rn | tr '\n' ',' | sed 's/,$//; s/,/, /g')
  # Redis's own time in each command over the same window (usec of INFO commandstats), in thousandths of a core.
  R[sync_redis_usec]=$(for p in "${CPORTS[@]:-$RP}"; do redis-cli -p "$p" info commandstats 2> /dev/null; done | awk -F'[_:=,]' -v d="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" '
    /^cmdstat_/ { u[$2] += $6; all += $6 }
    END { printf "all %.0f\n", all / d / 1000; for (c in u) if (u[c] / d / 1000 >= 1) printf "%s %.0f\n", c, u[c] / d / 1000 }' | sort -k2 -t' ' -rn | tr '\n' ',' | sed 's/,$//; s/,/, /g')
  ((PROFILE)) && jcmd "$SERVER_PID" JFR.stop name=sync > /dev/null && bench/jfr-top.sh "$WORK/sync.jfr" > "$WORK/sync-profile.txt"
  R[sync_load_after]=$(loadavg)
  kill "$SAMPLER" 2> /dev/null || true
  echo "$out" > "$WORK/syncload.txt"
  line=$(grep '^RESULT' <<< "$out" || true)
  if [[ -z $line ]]; then log "SyncLoad failed: $(tail -5 <<< "$out")"; exit 1; fi
  for kv in ${line#RESULT }; do R["sync_${kv%%=*}"]=${kv#*=}; done
  R[sync_timeline]=$(grep '^TIMELINE' <<< "$out" | sed 's/^TIMELINE //' || true)
  R[sync_cpu]=$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.2f", (b - a) / (t1 - t0) }')
  R[sync_rcpu]=$(awk -v a="$r0" -v b="$r1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.2f", (b - a) / (t1 - t0) }')
  R[sync_pgcpu]=$(awk -v a="$g0" -v b="$g1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.2f", (b - a) / (t1 - t0) }')
  # Throughput into PostgreSQL over the load window (samples whose time lies inside the SyncLoad's load phase
  # are not known exactly: use the whole run, from the first sample with versions moving to the last one moving).
  read -r R[sync_pg_versions_s] R[sync_pg_upserts_s] R[sync_xlen_max] R[sync_backlog_max] R[sync_active_s] <<< "$(awk '
    $4 != "-" { n++; t[n] = $1; v[n] = $5; u[n] = $6; if ($2 != "-" && $2 > xm) xm = $2; if ($3 != "-" && $3 > bm) bm = $3 }
    END {
      first = 0; last = 0
      for (i = 2; i <= n; i++) if (v[i] > v[i-1]) { if (!first) first = i - 1; last = i }
      if (!first) { print "0 0", xm + 0, bm + 0, 0; exit }
      d = t[last] - t[first]
      printf "%.0f %.0f %d %d %.1f\n", (v[last] - v[first]) / d, (u[last] - u[first]) / d, xm, bm, d }' "$WORK/samples.txt")"
  log "sync: $line"
  log "sync: PostgreSQL versions/s ${R[sync_pg_versions_s]}, upserts/s ${R[sync_pg_upserts_s]}, max XLEN ${R[sync_xlen_max]}, max backlog gauge ${R[sync_backlog_max]}"
  # One line for a driver (bench/sync-sweep.sh) that runs several of these side by side.
  if [[ -n ${BENCH_SUMMARY:-} ]]; then
    echo "time=$(date -u +%H:%M:%S) jar=$JAR_IN tool=${SYNC_TOOL_CLIENT:-socket}/${SYNC_TOOL_PREWARM_S:-10} store=$( ((CLUSTER)) && echo cluster || echo redis) asked=$RATE warmup=${SYNC_WARMUP_S:-15} load=${R[sync_load_before]// /\/} ${line#RESULT } pg_versions_s=${R[sync_pg_versions_s]} backlog_max=${R[sync_backlog_max]} cpu=${R[sync_cpu]}/${R[sync_rcpu]}/${R[sync_pgcpu]}" >> "$BENCH_SUMMARY"
  fi
  stop_pid "$SERVER_PID"
fi

# ---- 2. restore rate ------------------------------------------------------------------------------------
if ((DO_RESTORE)); then
  if ! ((DO_SYNC)); then # migrations
    start_sessiond migrate AUTO_RESTORE_SESSIONS=false
    wait_http "http://127.0.0.1:$HP/health/ready" 90 "$SERVER_PID" || { log "sessiond did not start: $(tail -5 "$WORK/sessiond-migrate.log")"; exit 1; }
    stop_pid "$SERVER_PID"
  fi
  log "restore: seeding PostgreSQL with $NSESS sessions, 20 keys and 50 messages each (SQL)"
  s0=$(date +%s.%N)
  "${PSQL[@]}" -d sessiond > "$WORK/seed-sql.log" 2>&1 << SQL
TRUNCATE sessions CASCADE;
INSERT INTO tenants (id) VALUES ('bench') ON CONFLICT DO NOTHING;
INSERT INTO sessions (tenant, id, state, data, creds, version, created_at, updated_at, activity_at, ttl_seconds, expires_at)
SELECT 'bench', 'r-' || g, 'connected',
  '{"owner":"bench","n":' || g || ',"jid":"' || (1000000000 + g) || '@s.whatsapp.net","blob":"' || repeat(md5(g::text), 8) || '"}',
  '{"noiseKey":{"public":"' || md5('n' || g) || '"},"registrationId":' || g || '}',
  72, 1763780000000, 1763780000000, 1763780000000, 0, 0
FROM generate_series(0, $NSESS - 1) g;
INSERT INTO keys (tenant, session_id, type, key_id, value)
SELECT 'bench', 'r-' || g, 'pre-key', k::text,
  '{"public":{"type":"Buffer","data":"' || md5(g || 'p' || k) || '"},"private":{"type":"Buffer","data":"' || md5(g || 'q' || k) || '"}}'
FROM generate_series(0, $NSESS - 1) g, generate_series(1, 20) k;
INSERT INTO messages (tenant, session_id, seq, body)
SELECT 'bench', 'r-' || g, m,
  '{"key":{"remoteJid":"' || (2000000000 + m) || '@s.whatsapp.net","id":"' || md5(g || 'm' || m) || '"},"message":{"conversation":"hello ' || m || '"}}'
FROM generate_series(0, $NSESS - 1) g, generate_series(1, 50) m;
VACUUM ANALYZE sessions, keys, messages;
SQL
  s1=$(date +%s.%N)
  R[seed_s]=$(awk -v a="$s0" -v b="$s1" 'BEGIN { printf "%.0f", b - a }')
  R[seed_size]=$("${PSQL[@]}" -d sessiond -Atc "SELECT pg_size_pretty(pg_database_size('sessiond'))")
  log "restore: seeded in ${R[seed_s]} s (database ${R[seed_size]}); starting a fresh sessiond on an empty Redis"
  redis-cli -p "$RP" flushall > /dev/null
  R[restore_load_before]=$(loadavg)
  JFR_OPT=""
  ((PROFILE)) && JFR_OPT="-XX:StartFlightRecording=settings=profile,filename=$WORK/restore.jfr"
  t0=$(date +%s.%N)
  JAVA_OPTS_SAVE=$JAVA_OPTS
  JAVA_OPTS="$JAVA_OPTS $JFR_OPT"
  start_sessiond restore AUTO_RESTORE_SESSIONS=true
  JAVA_OPTS=$JAVA_OPTS_SAVE
  g0=$(pg_cpu_s); r0=$(cpu_s "$REDIS_PID")
  wait_http "http://127.0.0.1:$HP/health/live" 90 "$SERVER_PID" || { log "sessiond did not start: $(tail -5 "$WORK/sessiond-restore.log")"; exit 1; }
  tl=$(date +%s.%N)
  if ! wait_http "http://127.0.0.1:$HP/health/ready" 600 "$SERVER_PID"; then
    log "restore did not finish within 600 s: $(tail -3 "$WORK/sessiond-restore.log")"
    R[restore_ready_s]="not ready after 600"
  fi
  t1=$(date +%s.%N)
  R[restore_cpu_s]=$(cpu_s "$SERVER_PID"); g1=$(pg_cpu_s); r1=$(cpu_s "$REDIS_PID")
  R[restore_pgcpu]=$(awk -v a="$g0" -v b="$g1" 'BEGIN { printf "%.1f", b - a }')
  R[restore_rcpu]=$(awk -v a="$r0" -v b="$r1" 'BEGIN { printf "%.1f", b - a }')
  R[restore_load_after]=$(loadavg)
  R[restore_ready_s]=${R[restore_ready_s]:-$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')}
  R[restore_live_s]=$(awk -v a="$t0" -v b="$tl" 'BEGIN { printf "%.1f", b - a }')
  R[restore_line]=$(grep -o 'Restore from PostgreSQL done.*' "$WORK/sessiond-restore.log" | head -1 || true)
  R[restore_progress]=$(grep -o 'Restoring from PostgreSQL: .*' "$WORK/sessiond-restore.log" | tr '\n' ';' || true)
  R[restore_ms]=$(sed -n 's/.*Restore from PostgreSQL done: .* in \([0-9]*\) ms.*/\1/p' <<< "${R[restore_line]}")
  R[restore_n]=$(sed -n 's/.*done: \([0-9]*\) sessions restored.*/\1/p' <<< "${R[restore_line]}")
  R[restore_dbsize]=$(redis-cli -p "$RP" dbsize)
  R[restore_mem]=$(redis-cli -p "$RP" info memory | awk -F: '/^used_memory_human/ {print $2}' | tr -d '\r')
  if [[ -n ${R[restore_ms]} && ${R[restore_ms]} -gt 0 ]]; then
    R[restore_rate]=$(awk -v n="${R[restore_n]}" -v ms="${R[restore_ms]}" 'BEGIN { printf "%.0f", n * 1000 / ms }')
  fi
  R[restore_rate_ready]=$(awk -v n="$NSESS" -v s="${R[restore_ready_s]}" 'BEGIN { if (s + 0 > 0) printf "%.0f", n / s; else print "—" }')
  log "restore: ${R[restore_line]:-no done line}; ready after ${R[restore_ready_s]} s; Redis keys ${R[restore_dbsize]}, ${R[restore_mem]}"
  stop_pid "$SERVER_PID"
  if ((PROFILE)) && [[ -f $WORK/restore.jfr ]]; then bench/jfr-top.sh "$WORK/restore.jfr" > "$WORK/restore-profile.txt" || true; fi
fi

# ---- 3. Redis wiped under load ------------------------------------------------------------------------------
if ((DO_WIPE)); then
  redis-cli -p "$RP" flushall > /dev/null
  start_sessiond wipe AUTO_RESTORE_SESSIONS=true MAX_MESSAGES_PER_SESSION=5000
  wait_http "http://127.0.0.1:$HP/health/ready" 600 "$SERVER_PID" || { log "sessiond did not start: $(tail -5 "$WORK/sessiond-wipe.log")"; exit 1; }
  R[wipe_load_before]=$(loadavg)
  log "wipe: 500 appends/s on 100 sessions for 20 s, Redis FLUSHALL at 10 s"
  out=$(timeout 600 java -cp "$JAR" bench/WipeLoad.java "http://127.0.0.1:$HP" "$KEY" 500 20 100 10 redis-cli -p "$RP" flushall 2>&1) || true
  R[wipe_load_after]=$(loadavg)
  line=$(grep '^RESULT' <<< "$out" || true)
  if [[ -z $line ]]; then log "WipeLoad failed: $(tail -5 <<< "$out")"; exit 1; fi
  for kv in ${line#RESULT }; do R["wipe_${kv%%=*}"]=${kv#*=}; done
  R[wipe_log]=$(grep -o 'Redis lost its data.*\|Redis refilled from PostgreSQL.*' "$WORK/sessiond-wipe.log" | cut -c1-160 | tr '\n' ';' || true)
  log "wipe: $line"
  stop_pid "$SERVER_PID"
fi

# ---- report -------------------------------------------------------------------------------------------
yesno() { awk "BEGIN { exit !($1) }" && echo yes || echo no; }
DAY=$(date -u +%Y-%m-%d)
mkdir -p bench/results
FILE="bench/results/$DAY-sync$TAG.md"
((PROFILE)) && FILE="bench/results/$DAY-sync-profile.md" # JFR costs CPU: kept apart from the plain run
{
  echo "# sessiond PostgreSQL sync benchmark"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
  echo "- java: $(java -version 2>&1 | head -2 | tail -1); $(redis-server --version | cut -d' ' -f1-3); PostgreSQL $PG_VERSION (Debian, private cluster: defaults with fsync and synchronous_commit on, shared_buffers 512MB, max_wal_size 4GB)"
  echo "- store: $( ((CLUSTER)) && echo "Redis Cluster, 3 masters + 3 replicas on this machine (REDIS_MODE=cluster)" || echo "one Redis")"
  echo "- sessiond: $GIT_DESC, JVM options \`$JAVA_OPTS\`; everything (load generator, sessiond, Redis, PostgreSQL) on this machine"
  echo "- load average (1/5/15) at start: $START_LOAD; busiest other processes at start: $START_TOP"
  echo "- command: \`bench/sync.sh${ARGS_TEXT:+ $ARGS_TEXT}\`"
  echo
  if ((DO_SYNC)); then
    echo "## Write-behind sync under a steady write load"
    echo
    echo "\`bench/SyncLoad.java\`: $RATE writes/s, open loop, for $DUR s (after ${SYNC_WARMUP_S:-15} s of warm-up at the same rate, not recorded: the first seconds of a fresh JVM are slower, see the timeline) on $LOAD_SESSIONS sessions (9 in 10 a PUT of ~1 KiB data, 1 in 10 a"
    echo "key batch of 20 pre-keys); SESSION_SYNC_INTERVAL_MS, SYNC_BATCH_SIZE and SYNC_PARALLEL_BATCHES at the jar's defaults (250, 500, 2 since issue #16; 1000, 500, — before). Lag = from the"
    echo "write's HTTP acknowledgement until a \`psql\` poll (one session, \`SELECT id, version FROM sessions\` every ${R[sync_poll_pause_ms]:-5} ms after the previous poll ends)"
    echo "shows the session at that version or later; over-stated by at most one poll and its pause (avg ${R[sync_poll_avg_ms]} ms, max ${R[sync_poll_max_ms]} ms, ${R[sync_polls]} polls)."
    echo
    echo "| measure | value | target | meets |"
    echo "| --- | ---: | --- | --- |"
    echo "| writes sent / rate achieved | $(fmt "${R[sync_writes]}") in ${R[sync_seconds]} s = $(fmt "${R[sync_rate]}")/s | $RATE/s | — |"
    echo "| acknowledged / failed / skipped (512 in flight) | $(fmt "${R[sync_acked]}") / ${R[sync_failed]} / ${R[sync_skipped]} | — | — |"
    echo "| HTTP ack latency p50 / p99 | ${R[sync_ack_p50_ms]} / ${R[sync_ack_p99_ms]} ms | — | — |"
    echo "| lag p50 | $(fmt "${R[sync_lag_p50_ms]}") ms | — | — |"
    echo "| lag p90 | $(fmt "${R[sync_lag_p90_ms]}") ms | — | — |"
    echo "| **lag p99** | **$(fmt "${R[sync_lag_p99_ms]}") ms** | < $TARGET_LAG_P99_MS ms at $RATE writes/s | $( [[ ${R[sync_lost]} == 0 && ${R[sync_skipped]} == 0 && ${R[sync_failed]} == 0 ]] && yesno "${R[sync_lag_p99_ms]} >= 0 && ${R[sync_lag_p99_ms]} < $TARGET_LAG_P99_MS && ${R[sync_rate]} >= $RATE * 0.98" || echo no) |"
    echo "| lag max | $(fmt "${R[sync_lag_max_ms]}") ms | — | — |"
    echo "| acknowledged writes never seen in PostgreSQL (60 s after the load) | ${R[sync_lost]} | 0 | $( [[ ${R[sync_lost]} == 0 ]] && echo yes || echo no) |"
    echo "| changes into PostgreSQL (session versions/s while versions moved, ${R[sync_active_s]} s) | $(fmt "${R[sync_pg_versions_s]}")/s | — | — |"
    echo "| session upserts/s in PostgreSQL (pg_stat n_tup_ins + n_tup_upd; several writes to one session in one sync round are one upsert) | $(fmt "${R[sync_pg_upserts_s]}")/s | — | — |"
    echo "| stream backlog: max XLEN of \`bench:sync\` / max \`sessiond_sync_backlog\` (1 s samples) | ${R[sync_xlen_max]} / ${R[sync_backlog_max]} | — | — |"
    echo "| CPU cores used: sessiond / Redis / PostgreSQL | ${R[sync_cpu]} / ${R[sync_rcpu]} / ${R[sync_pgcpu]} | — | — |"
    echo
    echo "Timeline of the load (seconds from its start): ${R[sync_timeline]:-not reported}."
    echo
    echo "Redis commands per second over the warm-up and the load (every server): ${R[sync_redis_cmds]:-not read}."
    echo
    echo "Redis's time in commands over the same window (INFO commandstats usec, every server; thousandths of a core): ${R[sync_redis_usec]:-not read}."
    echo
    echo "The load tool's own CPU (bench/SyncLoad.java, every thread; psql not included), in cores: warm-up ${R[sync_tool_cpu_warmup]:-?}, measured load ${R[sync_tool_cpu_load]:-?}. Its client: ${SYNC_TOOL_CLIENT:-socket}; pre-warmed against its own stub for ${SYNC_TOOL_PREWARM_S:-10} s before its first request to the daemon."
    echo
    echo "Load average before / after: ${R[sync_load_before]} / ${R[sync_load_after]}. Samples (time, XLEN, backlog gauge, rows, sum of versions, upserts, CPU seconds used so far by sessiond and by the redis-servers):"
    echo
    echo '```'
    awk '{ printf "%.0f %s %s %s %s %s %s %s\n", $1, $2, $3, $4, $5, $6, $7, $8 }' "$WORK/samples.txt" | tail -n +1
    echo '```'
    echo
  fi
  if ((DO_RESTORE)); then
    echo "## Start-up restore"
    echo
    echo "PostgreSQL seeded with SQL (\`generate_series\`, in ${R[seed_s]} s; database ${R[seed_size]}): $(fmt "$NSESS") sessions (~400 B data, creds,"
    echo "never expiring), 20 pre-keys (~110 B) and 50 messages (~130 B) each. Then a fresh sessiond on an empty Redis with"
    echo "AUTO_RESTORE_SESSIONS=true, RESTORE_BATCH_SIZE at its default (200); time measured from the JVM's launch until"
    echo "\`/health/ready\` answers 200 (polled every 50 ms; HEALTH_INTERVAL_MS=100)."
    echo
    echo "| measure | value | target | meets |"
    echo "| --- | ---: | --- | --- |"
    echo "| sessions restored (restore's log line) | $(fmt "${R[restore_n]:-0}") of $(fmt "$NSESS") | all | $( [[ ${R[restore_n]:-0} == "$NSESS" ]] && echo yes || echo no) |"
    echo "| restore time (log line) | $(fmt "${R[restore_ms]:-0}") ms | — | — |"
    echo "| **restore rate (log line)** | **$(fmt "${R[restore_rate]:-0}") sessions/s** | ≥ $(fmt $TARGET_RESTORE) sessions/s | $(yesno "${R[restore_rate]:-0} >= $TARGET_RESTORE") |"
    echo "| JVM launch → /health/live / → /health/ready | ${R[restore_live_s]} s / ${R[restore_ready_s]} s ($(fmt "${R[restore_rate_ready]}") sessions/s including start-up) | — | — |"
    echo "| CPU seconds: sessiond (whole life, incl. start-up) / Redis / PostgreSQL | ${R[restore_cpu_s]} / ${R[restore_rcpu]} / ${R[restore_pgcpu]} | — | — |"
    echo "| Redis after restore: keys / memory | $(fmt "${R[restore_dbsize]}") / ${R[restore_mem]} | — | — |"
    echo
    echo "Load average before / after: ${R[restore_load_before]} / ${R[restore_load_after]}. Log: \`${R[restore_line]:-no done line}\`"
    echo
    echo "Progress lines: ${R[restore_progress]:-none}"
    echo
  fi
  if ((DO_WIPE)); then
    echo "## Redis wiped under load (write-behind, refilled while serving)"
    echo
    echo "\`bench/WipeLoad.java\`: 500 appends/s (one message each, unique text), open loop, on 100 sessions for 20 s;"
    echo "\`redis-cli flushall\` at 10 s; REFILL_CHECK_MS, SESSION_SYNC_INTERVAL_MS at their defaults (1000). After the load,"
    echo "once readiness no longer reports the refill, every session's messages are read back."
    echo
    echo "| measure | value |"
    echo "| --- | ---: |"
    echo "| appends acknowledged / verified / lost | $(fmt "${R[wipe_acked]}") / $(fmt "${R[wipe_verified]}") / ${R[wipe_lost]} |"
    echo "| lost among those acknowledged after the wipe | ${R[wipe_lost_after_wipe]} |"
    echo "| **loss window**: lost appends were acknowledged at most … before the wipe (median) | **${R[wipe_window_max_ms]} ms** (${R[wipe_window_p50_ms]} ms) |"
    echo "| answers other than 2xx during the run, by status (0 = no answer) | ${R[wipe_errors]} |"
    echo "| skipped (512 in flight) | ${R[wipe_skipped]} |"
    echo "| wait after the load until readiness showed no refill | ${R[wipe_refill_wait_s]} s |"
    echo
    echo "Load average before / after: ${R[wipe_load_before]} / ${R[wipe_load_after]}. Log: \`${R[wipe_log]:-none}\`"
    echo
  fi
  for p in sync restore; do
    if [[ -f $WORK/$p-profile.txt ]]; then
      echo "## JFR ($p), hottest frames"
      echo
      echo '```'
      head -60 "$WORK/$p-profile.txt"
      echo '```'
      echo
    fi
  done
} > "$FILE"
cat "$FILE"
log "written $FILE"
