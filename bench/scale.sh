#!/usr/bin/env bash
# Scale benchmark (issue #16) — one command:
#
#   bench/scale.sh [--sizes "10000 100000 1000000"] [--baseline JAR] [--ab-max N] [--jar JAR] [--probe-rate N]
#                  [--seed-dir DIR [--seed-only]]
#
# A million sessions are 41 M rows: seeding them inside the measurement held the machine for half an hour. With
# --seed-dir, PostgreSQL is seeded once into a data directory that is kept (one database per size), and later runs
# reuse it and only measure:
#   /work/notes/bin/shared bench/scale.sh --seed-dir DIR --seed-only --sizes "..."   # preparation, not a measurement
#   /work/notes/bin/bench bench/scale.sh --seed-dir DIR --sizes "..."                # restore and probes only
# The seeding is built for speed, not durability (the data directory is a benchmark fixture): wal_level=minimal with
# the tables truncated in the same transaction (no WAL for the rows), fsync and synchronous_commit off, the primary
# keys, foreign keys and indexes dropped before the rows go in and built after (maintenance_work_mem 1 GB), rows in
# primary-key order (the heap follows the index the restore reads by), then VACUUM (FREEZE, ANALYZE) so the first
# restore sets no hint bits. A measured run changes what its probe's PUTs write (a few thousand versions), nothing
# else. A size already seeded in DIR is not seeded again.
#
# Sessions of a bot's shape (~1 KiB data, creds, 20 pre-keys of ~110 B, 20 messages of ~130 B) at each size:
#   1. PostgreSQL (a private PostgreSQL 15, fsync on) is filled up to the size with SQL (generate_series), cheaper than
#      any API: the durable copy is what a recovery starts from;
#   2. with --baseline JAR and a size up to --ab-max (default 100000): that jar restores all of them into an empty
#      private Redis first (AUTO_RESTORE_SESSIONS=true, timed until /health/ready), then the measured jar does the same:
#      a side-by-side restore A/B in one run;
#   3. the measured jar (--jar, default target/sessiond.jar) restores all of them into an empty Redis: restore time and
#      rate (the restore's own log line); then, with the daemon left running: Redis used_memory per session against
#      the payload (data + creds + key values + message bodies, from PostgreSQL), the daemon's heap after a full GC
#      (jcmd GC.run, GC.heap_info), idle CPU of the daemon and Redis over 20 s with no requests at all, and GET and PUT
#      latency p50/p99 (bench/ScaleProbe.java, open loop at --probe-rate requests/s, default 200, for 10 s);
#   4. writes bench/results/<date>-scale.md and -scale.csv, and draws bench/results/scale.png (bench/ScalePlot.java).
# Environment: BENCH_JAVA_OPTS (default "-Xms256m -Xmx2g"), BENCH_KEEP=1 keeps the temp folder with logs.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
ARGS_TEXT="$*"
SIZES="10000 100000 1000000"
BASELINE=""
AB_MAX=100000
JAR_IN=target/sessiond.jar
PROBE_RATE=200
SEED_DIR=""
SEED_ONLY=0
while (($#)); do
  case "$1" in
    --sizes) shift; SIZES=${1:?} ;;
    --baseline) shift; BASELINE=${1:?} ;;
    --ab-max) shift; AB_MAX=${1:?} ;;
    --jar) shift; JAR_IN=${1:?} ;;
    --probe-rate) shift; PROBE_RATE=${1:?} ;;
    --seed-dir) shift; SEED_DIR=${1:?} ;;
    --seed-only) SEED_ONLY=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $SEED_ONLY == 0 || -n $SEED_DIR ]] || { echo "--seed-only needs --seed-dir DIR" >&2; exit 2; }
JAVA_OPTS=${BENCH_JAVA_OPTS:--Xms256m -Xmx2g}
PGBIN=/usr/lib/postgresql/15/bin
log() { printf '[scale-bench %s] %s\n' "$(date +%T)" "$*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
command -v redis-server > /dev/null && command -v psql > /dev/null && [[ -x $PGBIN/initdb ]] \
  || { log "needs redis-server, psql and PostgreSQL 15 (bench/sync.sh installs them)"; exit 1; }
[[ -f $JAR_IN ]] || { log "no $JAR_IN: mvn -DskipTests package"; exit 1; }

WORK=$(mktemp -d /tmp/sessiond-scale.XXXXXX)
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
stop_pid() {
  kill "$1" 2> /dev/null || true
  for _ in $(seq 300); do kill -0 "$1" 2> /dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2> /dev/null || true
}

START_LOAD=$(loadavg)
JAR="$WORK/sessiond.jar"
cp -p "$JAR_IN" "$JAR"
[[ -n $BASELINE ]] && cp -p "$BASELINE" "$WORK/baseline.jar"
KEY=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)
RP=$(free_port)
redis-server --port "$RP" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" --logfile "$WORK/redis.log" &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
for _ in $(seq 50); do redis-cli -p "$RP" ping > /dev/null 2>&1 && break; sleep 0.1; done
PGP=$(free_port)
PG_MEASURE="-c shared_buffers=512MB -c max_wal_size=4GB -c maintenance_work_mem=512MB"
# Seeding only (the data directory is a fixture): no WAL for rows written into tables truncated in the same
# transaction, nothing flushed, indexes built with a large sort memory.
PG_SEED="-c shared_buffers=1GB -c maintenance_work_mem=1GB -c max_wal_size=16GB -c checkpoint_timeout=1h -c wal_level=minimal
  -c max_wal_senders=0 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c autovacuum=off"
if [[ -n $SEED_DIR ]]; then
  mkdir -p "$SEED_DIR"
  SEED_DIR=$(cd "$SEED_DIR" && pwd)
  chmod 755 "$SEED_DIR"
  PGDATA="$SEED_DIR/pg"
else
  PGDATA="$WORK/pg"
fi
mkdir -p "$WORK/pgsock" "$WORK/pglog"
chown postgres: "$WORK/pgsock" "$WORK/pglog"
if [[ ! -f $PGDATA/PG_VERSION ]]; then
  mkdir -p "$PGDATA"
  chown postgres: "$PGDATA"
  chmod 700 "$PGDATA"
  runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --no-sync > "$WORK/initdb.log" 2>&1
fi
# shellcheck disable=SC2086
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$WORK/pglog/postgres.log" -w -t 300 \
  -o "-p $PGP -k $WORK/pgsock -c listen_addresses=127.0.0.1 $(if ((SEED_ONLY)); then echo $PG_SEED; else echo $PG_MEASURE; fi)" start > /dev/null
PSQL=(psql -h 127.0.0.1 -p "$PGP" -U postgres -X -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" -d postgres -c "ALTER USER postgres PASSWORD 'bench'" > /dev/null
# One database per size with a kept data directory (a run restores everything its database holds); one for all
# sizes otherwise, filled up to each size in turn.
db_of() { if [[ -n $SEED_DIR ]]; then echo "scale_$1"; else echo sessiond; fi; }
pg_url() { echo "postgres://postgres:bench@127.0.0.1:$PGP/$(db_of "$1")"; }
seeded() { [[ -n $SEED_DIR && -f $SEED_DIR/seeded-$1 ]]; }
log "work folder $WORK; redis on $RP, PostgreSQL on $PGP; load average $START_LOAD"

SERVER_PID=""
HP=""
start_sessiond() { # name jar extra-env...
  local name=$1 jar=$2
  shift 2
  HP=$(free_port)
  # shellcheck disable=SC2086
  env SESSION_STORE=redis REDIS_URL="redis://127.0.0.1:$RP" REDIS_PREFIX="scale:" TENANTS="bench=$KEY" HTTP_PORT="$HP" \
    TENANT_MAX_SESSIONS=0 TENANT_MAX_BYTES_PER_SESSION=0 TENANT_REQUESTS_PER_SECOND=0 PG_URL="$PG_URL" \
    SYNC_MODE=write-behind HEALTH_INTERVAL_MS=100 REDIS_CONNECT_TIMEOUT_MS=10000 REDIS_TIMEOUT_MS=10000 PG_CONNECT_TIMEOUT_MS=10000 \
    "$@" java $JAVA_OPTS -jar "$jar" > "$WORK/sessiond-$name.log" 2>&1 &
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
# A restore of everything PostgreSQL holds into an empty Redis; sets RUN="<ready s> <restore ms> <restored>" and
# leaves the daemon running as SERVER_PID (run in this shell, not in $(...): the PID must reach the caller).
restore_run() { # name jar
  redis-cli -p "$RP" flushall > /dev/null
  local t0 t1 line
  t0=$(date +%s.%N)
  start_sessiond "$1" "$2" AUTO_RESTORE_SESSIONS=true
  wait_ready 3600 || { log "$1 did not become ready: $(tail -3 "$WORK/sessiond-$1.log")"; exit 1; }
  t1=$(date +%s.%N)
  line=$(grep -o 'Restore from PostgreSQL done.*' "$WORK/sessiond-$1.log" | head -1)
  RUN="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') $(sed -n 's/.* in \([0-9]*\) ms.*/\1/p' <<< "$line") $(sed -n 's/.*done: \([0-9]*\) sessions restored.*/\1/p' <<< "$line")"
}

# Schema: the measured jar migrates an empty database (each size's, with --seed-dir).
migrate() { # size
  local db
  db=$(db_of "$1")
  if [[ $("${PSQL[@]}" -d postgres -Atc "SELECT count(*) FROM pg_database WHERE datname = '$db'") == 0 ]]; then
    "${PSQL[@]}" -d postgres -c "CREATE DATABASE $db" > /dev/null
  fi
  PG_URL=$(pg_url "$1")
  start_sessiond "migrate-$1" "$JAR" AUTO_RESTORE_SESSIONS=false
  wait_ready 300 || { log "sessiond did not start: $(tail -5 "$WORK/sessiond-migrate-$1.log")"; exit 1; }
  stop_pid "$SERVER_PID"
  "${PSQL[@]}" -d "$db" -c "INSERT INTO tenants (id) VALUES ('bench') ON CONFLICT DO NOTHING" > /dev/null
}
[[ -n $SEED_DIR ]] || migrate 0

# The rows of sessions [from, to) (SQL, generate_series), in primary-key order. $1 from, $2 to.
rows_sql() {
  cat << SQL
SET work_mem = '256MB';
CREATE TEMP TABLE ids AS SELECT g FROM generate_series($1, $2 - 1) g ORDER BY 's-' || g;
INSERT INTO sessions (tenant, id, state, data, creds, version, created_at, updated_at, activity_at, ttl_seconds, expires_at)
SELECT 'bench', 's-' || g, 'connected',
  '{"owner":"bench","n":' || g || ',"jid":"' || (1000000000 + g) || '@s.whatsapp.net","blob":"' || repeat(md5(g::text), 30) || '"}',
  '{"noiseKey":{"public":"' || md5('n' || g) || '"},"registrationId":' || g || '}',
  60, 1763780000000, 1763780000000, 1763780000000, 0, 0
FROM ids;
INSERT INTO keys (tenant, session_id, type, key_id, value)
SELECT 'bench', 's-' || g, 'pre-key', k::text,
  '{"public":{"type":"Buffer","data":"' || md5(g || 'p' || k) || '"},"private":{"type":"Buffer","data":"' || md5(g || 'q' || k) || '"}}'
FROM ids CROSS JOIN LATERAL generate_series(1 + 0 * g, 20) k;
INSERT INTO messages (tenant, session_id, seq, body)
SELECT 'bench', 's-' || g, m,
  '{"key":{"remoteJid":"' || (2000000000 + m) || '@s.whatsapp.net","id":"' || md5(g || 'm' || m) || '"},"message":{"conversation":"hello ' || m || '"}}'
FROM ids CROSS JOIN LATERAL generate_series(1 + 0 * g, 20) m;
DROP TABLE ids;
SQL
}

# Seeds size N into its own database of the kept data directory: constraints and indexes dropped, the tables
# truncated and filled in one transaction (wal_level=minimal writes no WAL for them), then rebuilt.
seed_kept() { # size
  local db
  db=$(db_of "$1")
  migrate "$1"
  "${PSQL[@]}" -d "$db" > "$WORK/seed-$1.log" 2>&1 << SQL
\\timing on
BEGIN;
ALTER TABLE keys DROP CONSTRAINT keys_tenant_session_id_fkey, DROP CONSTRAINT keys_pkey;
ALTER TABLE messages DROP CONSTRAINT messages_tenant_session_id_fkey, DROP CONSTRAINT messages_pkey;
ALTER TABLE blobs DROP CONSTRAINT blobs_tenant_session_id_fkey;
ALTER TABLE creds_history DROP CONSTRAINT creds_history_tenant_session_id_fkey;
ALTER TABLE sessions DROP CONSTRAINT sessions_pkey, DROP CONSTRAINT sessions_tenant_fkey;
DROP INDEX sessions_expiring;
TRUNCATE sessions, keys, messages;
$(rows_sql 0 "$1")
ALTER TABLE sessions ADD PRIMARY KEY (tenant, id), ADD FOREIGN KEY (tenant) REFERENCES tenants (id);
CREATE INDEX sessions_expiring ON sessions (expires_at) WHERE expires_at > 0;
ALTER TABLE keys ADD PRIMARY KEY (tenant, session_id, type, key_id);
ALTER TABLE messages ADD PRIMARY KEY (tenant, session_id, seq);
ALTER TABLE keys ADD FOREIGN KEY (tenant, session_id) REFERENCES sessions (tenant, id) ON DELETE CASCADE;
ALTER TABLE messages ADD FOREIGN KEY (tenant, session_id) REFERENCES sessions (tenant, id) ON DELETE CASCADE;
ALTER TABLE blobs ADD FOREIGN KEY (tenant, session_id) REFERENCES sessions (tenant, id) ON DELETE CASCADE;
ALTER TABLE creds_history ADD FOREIGN KEY (tenant, session_id) REFERENCES sessions (tenant, id) ON DELETE CASCADE;
COMMIT;
VACUUM (FREEZE, ANALYZE) sessions, keys, messages;
SQL
}
CSV="$WORK/scale.csv"
echo "sessions,redis_bytes_per_session,payload_bytes_per_session,heap_used_mib,idle_cpu_daemon,idle_cpu_redis,get_p50_ms,get_p99_ms,put_p50_ms,put_p99_ms,restore_s,restore_rate,baseline_restore_s,baseline_restore_rate,load1" > "$CSV"
ROWS=()
IDLE_NOTES=()
have=0
for N in $SIZES; do
  s0=$(date +%s)
  if [[ -z $SEED_DIR ]]; then
    log "size $N: seeding PostgreSQL from $have (SQL); load $(loadavg)"
    { rows_sql "$have" "$N"; echo "VACUUM ANALYZE sessions, keys, messages;"; } | "${PSQL[@]}" -d sessiond > "$WORK/seed-$N.log" 2>&1
    have=$N
    log "size $N: seeded in $(($(date +%s) - s0)) s"
  elif ! seeded "$N"; then
    ((SEED_ONLY)) || { log "size $N is not seeded in $SEED_DIR: run with --seed-only first (under bin/shared)"; exit 1; }
    log "size $N: seeding database $(db_of "$N") in $SEED_DIR (SQL, indexes built after); load $(loadavg)"
    seed_kept "$N"
    log "size $N: seeded in $(($(date +%s) - s0)) s; load $(loadavg)"
  fi
  PG_URL=$(pg_url "$N")
  if seeded "$N"; then
    payload=$(cat "$SEED_DIR/seeded-$N")
  else
    payload=$("${PSQL[@]}" -d "$(db_of "$N")" -Atc "SELECT round(((SELECT sum(octet_length(data) + coalesce(octet_length(creds), 0)) FROM sessions)
      + (SELECT sum(octet_length(value) + octet_length(key_id) + octet_length(type)) FROM keys)
      + (SELECT sum(octet_length(body)) FROM messages))::numeric / $N)")
    [[ -n $SEED_DIR ]] && echo "$payload" > "$SEED_DIR/seeded-$N"
  fi
  if ((SEED_ONLY)); then
    log "size $N: $(db_of "$N") holds $N sessions ($payload payload bytes each)"
    continue
  fi
  base_s=""; base_rate=""
  if [[ -n $BASELINE && $N -le $AB_MAX ]]; then
    restore_run "baseline-$N" "$WORK/baseline.jar"
    read -r b_ready b_ms b_n <<< "$RUN"
    stop_pid "$SERVER_PID"
    base_s=$(awk -v ms="$b_ms" 'BEGIN { printf "%.1f", ms / 1000 }')
    base_rate=$(awk -v n="$b_n" -v ms="$b_ms" 'BEGIN { printf "%.0f", n * 1000 / ms }')
    log "size $N: baseline restored $b_n in $b_ms ms ($base_rate/s), ready after $b_ready s"
  fi
  used0=$(redis-cli -p "$RP" flushall > /dev/null; redis-cli -p "$RP" info memory | awk -F: '/^used_memory:/ {print $2}' | tr -d '\r')
  restore_run "measured-$N" "$JAR"
  read -r ready ms n <<< "$RUN"
  rate=$(awk -v n="$n" -v ms="$ms" 'BEGIN { printf "%.0f", n * 1000 / ms }')
  log "size $N: restored $n in $ms ms ($rate/s), ready after $ready s"
  # Let the post-restore work settle (JIT, the first sweeps), then measure with nothing happening.
  sleep 5
  used=$(redis-cli -p "$RP" info memory | awk -F: '/^used_memory:/ {print $2}' | tr -d '\r')
  bytes=$(awk -v a="$used0" -v b="$used" -v n="$N" 'BEGIN { printf "%.0f", (b - a) / n }')
  jcmd "$SERVER_PID" GC.run > /dev/null 2>&1 || true
  heap=$(jcmd "$SERVER_PID" GC.heap_info 2> /dev/null | awk '/used/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?$/, "", v); printf "%.1f", v / 1024; exit } }')
  redis-cli -p "$RP" config resetstat > /dev/null
  declare -A T0=()
  for t in /proc/"$REDIS_PID"/task/*; do T0[${t##*/}]=$(cpu_s "$REDIS_PID/task/${t##*/}"); done
  c0=$(cpu_s "$SERVER_PID"); r0=$(cpu_s "$REDIS_PID"); t0=$(date +%s.%N)
  sleep 20
  c1=$(cpu_s "$SERVER_PID"); r1=$(cpu_s "$REDIS_PID"); t1=$(date +%s.%N)
  # What Redis did while idle: its threads' CPU (main thread, lazy free, jemalloc) and the commands it ran.
  idle_threads=""
  for t in /proc/"$REDIS_PID"/task/*; do
    id=${t##*/}
    idle_threads+="$(cat "$t/comm" 2> /dev/null) $(awk -v a="${T0[$id]:-0}" -v b="$(cpu_s "$REDIS_PID/task/$id")" 'BEGIN { printf "%.2f", b - a }') s; "
  done
  idle_cmds=$(redis-cli -p "$RP" info commandstats | tr -d '\r' | awk -F'[:,=]' -v s=20 '/^cmdstat_/ && $3 > 0 {
      sub(/^cmdstat_/, "", $1); printf "%s %.1f/s %.0f µs; ", $1, $3 / s, $5 }' | sed 's/; $//')
  unset T0
  idle_d=$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.3f", (b - a) / (t1 - t0) }')
  idle_r=$(awk -v a="$r0" -v b="$r1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.3f", (b - a) / (t1 - t0) }')
  probe=$(timeout 300 java -cp "$JAR" bench/ScaleProbe.java "http://127.0.0.1:$HP" "$KEY" "$N" s- "$PROBE_RATE" 10 2>&1 | grep '^RESULT' || echo "RESULT")
  declare -A P=()
  for kv in ${probe#RESULT}; do P[${kv%%=*}]=${kv#*=}; done
  load1=$(cut -d' ' -f1 /proc/loadavg)
  log "size $N: redis $bytes B/session (payload $payload B), heap ${heap:-?} MiB, idle CPU daemon $idle_d redis $idle_r, $probe"
  log "size $N: idle Redis threads' CPU over 20 s: ${idle_threads%; }; commands: ${idle_cmds:-none}"
  IDLE_NOTES+=("- $(LC_ALL=C printf "%'d" "$N") sessions, Redis while idle (20 s): threads ${idle_threads%; }; commands ${idle_cmds:-none}")
  echo "$N,$bytes,$payload,${heap:-},$idle_d,$idle_r,${P[get_p50_ms]:-},${P[get_p99_ms]:-},${P[put_p50_ms]:-},${P[put_p99_ms]:-},$(awk -v ms="$ms" 'BEGIN { printf "%.1f", ms / 1000 }'),$rate,$base_s,$base_rate,$load1" >> "$CSV"
  ROWS+=("| $(LC_ALL=C printf "%'d" "$N") | $bytes | $payload | ${heap:-?} | $idle_d / $idle_r | ${P[get_p50_ms]:-?} / ${P[get_p99_ms]:-?} | ${P[put_p50_ms]:-?} / ${P[put_p99_ms]:-?} | ${P[errors]:-?} | $(awk -v ms="$ms" 'BEGIN { printf "%.1f", ms / 1000 }') s = $rate/s (ready $ready s) | ${base_s:+$base_s s = $base_rate/s (${b_ready} s); **$(awk -v a="$rate" -v b="$base_rate" 'BEGIN { printf "%.2f", a / b }')×**} | $load1 |")
  stop_pid "$SERVER_PID"
  unset P
done

if ((SEED_ONLY)); then
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 600 stop > /dev/null
  log "seeded $SIZES in $SEED_DIR; measure with: bench/scale.sh --seed-dir $SEED_DIR --sizes \"$SIZES\" (under bin/bench)"
  exit 0
fi
DAY=$(date -u +%Y-%m-%d)
mkdir -p bench/results
cp "$CSV" "bench/results/$DAY-scale.csv"
java -Djava.awt.headless=true bench/ScalePlot.java "$CSV" bench/results/scale.png
FILE="bench/results/$DAY-scale.md"
{
  echo "# sessiond scale benchmark"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, shared with other work"
  echo "- sessiond: commit $(git rev-parse --short HEAD 2> /dev/null || echo '?') (jar $JAR_IN)${BASELINE:+, baseline jar $BASELINE}; JVM \`$JAVA_OPTS\`; $(redis-server --version | cut -d' ' -f3); PostgreSQL 15 (fsync on)"
  echo "- load average at start: $START_LOAD; at the end: $(loadavg)"
  echo "- command: \`bench/scale.sh${ARGS_TEXT:+ $ARGS_TEXT}\`"
  echo
  echo "Sessions of a bot's shape: ~1 KiB data, ~100 B creds, 20 pre-keys (~110 B), 20 messages (~130 B), no expiry."
  echo "Restore: all of them from PostgreSQL into an empty Redis, the restore's own log line (ready: launch → /health/ready)."
  echo "Idle CPU: cores used over 20 s without any request. Latency: open loop, $PROBE_RATE requests/s for 10 s, half GET, half PUT of ~1 KiB."
  echo
  echo "| sessions | Redis B/session | payload B/session | heap after GC (MiB) | idle CPU daemon / Redis (cores) | GET p50 / p99 ms | PUT p50 / p99 ms | non-2xx | restore (measured jar) | restore (baseline jar), speed-up | load 1 min |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Plot: [scale.png](scale.png). CSV: \`$DAY-scale.csv\`."
  echo
  printf '%s\n' "${IDLE_NOTES[@]}"
} > "$FILE"
cat "$FILE"
log "written $FILE and bench/results/scale.png"
