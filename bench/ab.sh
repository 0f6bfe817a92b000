#!/usr/bin/env bash
# Side-by-side benchmark: several sessiond builds and stores and the bare passthrough, all running at once
# on one private Redis, measured in turn scenario by scenario (interleaved), so that a shared, noisy machine
# disturbs every target alike. For before/after comparisons; bench/run.sh remains the full single-build run.
#
#   bench/ab.sh [--duration S] [--rounds N] [--scenarios get,put,keys,query,append] [--guarded] [--pt MODES] NAME=JAR:STORE ...
#
#   NAME=JAR:STORE[,VAR=VALUE...]   a target: sessiond from JAR with SESSION_STORE=STORE (memory or redis) and
#                    the environment variables given, e.g. before=/tmp/before.jar:redis
#                    after=target/sessiond.jar:redis mem=target/sessiond.jar:memory one=target/sessiond.jar:redis,REDIS_POOL_SIZE=1;
#                    JVM flags of one target by JAVA_TOOL_OPTIONS (a VALUE may hold colons and spaces, not commas):
#                    t0=target/sessiond.jar:memory,JAVA_TOOL_OPTIONS=-XX:MaxTenuringThreshold=0
#   --sync           also NAME-sync targets are not made here: give a STORE of redis+sync to run that target with
#                    write-behind sync to a private PostgreSQL (needs pg_ctl/initdb on PATH or under /usr/lib/postgresql)
#   --guarded        also measure the passthrough with PT_GUARDED=1 (target "guarded"): every write one call of a
#                    small Redis function that checks the version, writes, bumps it, records the change and
#                    refreshes the expiry; the floor of any design keeping sessiond's guarantees in Redis;
#                    and PT_GUARDED=multi (target "multi"): PUT and append as the same writes in one MULTI/EXEC of
#                    plain commands, without the checks (what a write costs in Redis with no script at all)
#   --pt MODES       passthrough targets by name, comma-separated, among guarded, multi (as --guarded) and:
#                    read-tx (PT_GUARDED=tx): the guarded writes, and a GET read as sessiond reads on one Redis
#                    (MULTI, HMGET of the eight meta fields, GET of the creds key, EXEC);
#                    read-hash (PT_GUARDED=hash): the same, a GET one HMGET of those fields and the creds from
#                    one hash (the layout with the creds in the meta hash)
#   --duration S     seconds per measured run (default 10); each run follows a warm-up of the same scenario
#   --warmup S       seconds of that warm-up (default 2)
#   --jit S          before round 1, every target runs every scenario for S seconds, not recorded (default 0): the
#                    JIT compiles the hot paths there instead of in round 1's measured runs
#   --rounds N       how many times every (scenario, target) pair is measured (default 2); the order of the
#                    targets rotates from round to round
#
# Per run it records req/s, p50/p99, errors, the CPU each process used during the run in cores (the server,
# redis-server, wrk = the client) and the whole machine's idle cores (from /proc/stat: other work on the
# machine shows as less idle), and the 1-minute load average before the run. The report (markdown) goes to
# stdout and to bench/results/<date>-ab-<HHMM>.md; the raw lines to the same name with .tsv.
# Every target gets generous Redis and request timeouts (10 s, 15 s), so that a machine overloaded by other work
# slows the runs down rather than failing them.
# Environment: BENCH_JAVA_OPTS (default "-Xms512m -Xmx2g"), BENCH_SESSIONS (default 10000), BENCH_KEEP=1.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

DUR=10
ROUNDS=2
WARM=2
JIT=0
SCENARIOS=(get put keys query append)
TARGETS=()
PT_MODES=()
while (($#)); do
  case "$1" in
    --duration) shift; DUR=$1 ;;
    --rounds) shift; ROUNDS=$1 ;;
    --warmup) shift; WARM=$1 ;;
    --jit) shift; JIT=$1 ;;
    --scenarios) shift; IFS=, read -r -a SCENARIOS <<< "$1" ;;
    --guarded) PT_MODES+=(guarded multi) ;;
    --pt) shift; IFS=, read -r -a more <<< "$1"; PT_MODES+=("${more[@]}") ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *=*:*) TARGETS+=("$1") ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
((${#TARGETS[@]})) || { echo "give at least one NAME=JAR:STORE target" >&2; exit 2; }
SESSIONS=${BENCH_SESSIONS:-10000}
JAVA_OPTS=${BENCH_JAVA_OPTS:--Xms512m -Xmx2g}
declare -A LABEL=([get]="GET session" [put]="PUT session" [keys]="key batch of 100" [query]="key query of 20"
  [append]="message append" )

log() { printf '[ab %s] %s\n' "$(date +%T)" "$*" >&2; }
command -v wrk > /dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/sessiond-ab.XXXXXX)
PIDS=()
cleanup() {
  trap - EXIT
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$p" 2> /dev/null || true
  done
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { # url seconds pid
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    curl -fs -o /dev/null "$1" && return 0
    kill -0 "$3" 2> /dev/null || return 1
    sleep 0.1
  done
  return 1
}
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / hz }' "/proc/$1/stat" 2> /dev/null || echo 0; }
idle_s() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%.3f", ($5 + $6) / hz }' /proc/stat; }

KEY=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)
RP=$(free_port)
redis-server --port "$RP" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" --logfile "$WORK/redis.log" &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
for _ in $(seq 50); do redis-cli -p "$RP" ping > /dev/null 2>&1 && break; sleep 0.1; done
REDIS_URL="redis://127.0.0.1:$RP"

PG_URL=""
start_pg() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -1)
  [[ -x $bin/initdb ]] || { echo "PostgreSQL binaries not found" >&2; exit 1; }
  local pp
  pp=$(free_port)
  mkdir -p "$WORK/pg"
  chown -R postgres "$WORK" 2> /dev/null || true
  local as=()
  [[ $(id -u) == 0 ]] && as=(runuser -u postgres --)
  "${as[@]}" "$bin/initdb" -D "$WORK/pg/data" -A trust -U sessiond > "$WORK/pg-init.log" 2>&1
  "${as[@]}" "$bin/pg_ctl" -D "$WORK/pg/data" -o "-p $pp -k $WORK/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" \
    -l "$WORK/pg.log" start > /dev/null
  PG_STOP=("${as[@]}" "$bin/pg_ctl" -D "$WORK/pg/data" stop -m fast)
  "${as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$pp" -U sessiond sessiond
  PG_URL="postgresql://sessiond@127.0.0.1:$pp/sessiond"
}

declare -A URL SPID
NAMES=()
PASS_PORT=$(free_port)
java $JAVA_OPTS "-Xlog:gc:file=$WORK/passthrough.gc.log:uptime" -cp "$(cut -d= -f2 <<< "${TARGETS[0]}" | cut -d: -f1)" bench/passthrough/Passthrough.java "$PASS_PORT" "$REDIS_URL" \
  > "$WORK/passthrough.log" 2>&1 &
SPID[passthrough]=$!
PIDS+=("$!")
URL[passthrough]="http://127.0.0.1:$PASS_PORT"
wait_http "${URL[passthrough]}/health" 90 "${SPID[passthrough]}" || { cat "$WORK/passthrough.log"; exit 1; }
NAMES+=(passthrough)
declare -A PT_ENV=([guarded]=1 [multi]=multi [read-tx]=tx [read-hash]=hash)
if ((${#PT_MODES[@]})); then
  for g in "${PT_MODES[@]}"; do
    [[ -n ${PT_ENV[$g]:-} ]] || { echo "unknown passthrough mode: $g (see --help)" >&2; exit 2; }
    gport=$(free_port)
    PT_GUARDED=${PT_ENV[$g]} java $JAVA_OPTS \
      -cp "$(cut -d= -f2 <<< "${TARGETS[0]}" | cut -d: -f1)" bench/passthrough/Passthrough.java \
      "$gport" "$REDIS_URL" > "$WORK/$g.log" 2>&1 &
    SPID[$g]=$!
    PIDS+=("$!")
    URL[$g]="http://127.0.0.1:$gport"
    wait_http "${URL[$g]}/health" 90 "${SPID[$g]}" || { cat "$WORK/$g.log"; exit 1; }
    NAMES+=("$g")
  done
fi

i=0
for t in "${TARGETS[@]}"; do
  # The jar's path ends at the first colon: a VALUE may hold colons (JAVA_TOOL_OPTIONS=-XX:...).
  name=${t%%=*}; rest=${t#*=}; jar=${rest%%:*}; store=${rest#*:}
  cp -p "$jar" "$WORK/$name.jar"
  port=$(free_port)
  IFS=, read -r -a extra <<< "$store"
  store=${extra[0]}
  extra=("${extra[@]:1}")
  if [[ $store == redis+sync ]]; then
    [[ -n $PG_URL ]] || start_pg
    store=redis
    extra+=(PG_URL="$PG_URL" SYNC_MODE=write-behind)
  fi
  i=$((i + 1))
  env SESSION_STORE="$store" REDIS_URL="$REDIS_URL" REDIS_PREFIX="ab$i:" TENANTS="bench=$KEY" HTTP_PORT="$port" \
    TENANT_MAX_SESSIONS=0 TENANT_MAX_BYTES_PER_SESSION=0 TENANT_REQUESTS_PER_SECOND=0 \
    REDIS_TIMEOUT_MS=10000 REDIS_CONNECT_TIMEOUT_MS=10000 REQUEST_TIMEOUT_MS=15000 "${extra[@]}" \
    java $JAVA_OPTS "-Xlog:gc:file=$WORK/$name.gc.log:uptime" -jar "$WORK/$name.jar" > "$WORK/$name.log" 2>&1 &
  SPID[$name]=$!
  PIDS+=("$!")
  URL[$name]="http://127.0.0.1:$port"
  wait_http "${URL[$name]}/health/live" 120 "${SPID[$name]}" || { tail -20 "$WORK/$name.log"; exit 1; }
  NAMES+=("$name")
done

for n in "${NAMES[@]}"; do
  log "seeding $n"
  # A heavily loaded machine may time a few seeding requests out: seeding is idempotent, so it is run again.
  timeout 900 java bench/Seed.java "${URL[$n]}" "$KEY" "$SESSIONS" 32 >&2 \
    || timeout 900 java bench/Seed.java "${URL[$n]}" "$KEY" "$SESSIONS" 16 >&2
done

TSV="$WORK/runs.tsv"
printf 'round\tscenario\ttarget\tload1\trps\tp50\tp99\terrors\tserver\tredis\tclient\tidle\tgc_pauses\tgc_ms\n' > "$TSV"
gc_lines() { [[ -f $WORK/$1.gc.log ]] && wc -l < "$WORK/$1.gc.log" || echo 0; }
# The pauses (count, total ms) a target's -Xlog:gc logged after line $2.
gc_since() { [[ -f $WORK/$1.gc.log ]] || { echo "0 0"; return; }
  tail -n +"$(($2 + 1))" "$WORK/$1.gc.log" | awk '/Pause/ { ms = $NF; sub(/ms/, "", ms); n++; t += ms } END { printf "%d %.1f", n, t }'; }
run_one() { # round scenario target secs record
  local rnd=$1 scn=$2 n=$3 secs=$4 rec=$5 load out line c0 r0 i0 t0 c1 r1 i1 t1 cl
  load=$(cut -d' ' -f1 /proc/loadavg)
  local g0 gc
  g0=$(gc_lines "$n")
  c0=$(cpu_s "${SPID[$n]}"); r0=$(cpu_s "$REDIS_PID"); i0=$(idle_s); t0=$(date +%s.%N)
  out=$( (BENCH_KEY="$KEY" BENCH_SESSIONS="$SESSIONS" BENCH_LUA_DIR="$ROOT/bench/lua" \
    timeout $((secs + 30)) wrk -t2 -c64 -d"${secs}s" --timeout 5s -s "bench/lua/$scn.lua" "${URL[$n]}" 2>&1 || true; times) )
  c1=$(cpu_s "${SPID[$n]}"); r1=$(cpu_s "$REDIS_PID"); i1=$(idle_s); t1=$(date +%s.%N)
  ((rec)) || return 0
  gc=$(gc_since "$n" "$g0")
  # `times` prints the subshell's own and then its children's (wrk's) user and system time.
  cl=$(tail -1 <<< "$out" | awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); s += a[1] * 60 + a[2] } print s }')
  line=$(grep '^RESULT' <<< "$out" || echo "RESULT rps=0 p50_ms=0 p99_ms=0 non2xx=0")
  declare -A kv=()
  local f
  for f in ${line#RESULT }; do kv[${f%%=*}]=${f#*=}; done
  awk -v rnd="$rnd" -v scn="$scn" -v n="$n" -v load="$load" -v rps="${kv[rps]}" -v p50="${kv[p50_ms]}" -v p99="${kv[p99_ms]}" \
    -v err=$(( ${kv[non2xx]:-0} + ${kv[connect]:-0} + ${kv[read]:-0} + ${kv[write]:-0} + ${kv[timeout]:-0} )) \
    -v c="$(awk -v a="$c0" -v b="$c1" 'BEGIN{print b-a}')" -v r="$(awk -v a="$r0" -v b="$r1" 'BEGIN{print b-a}')" \
    -v i="$(awk -v a="$i0" -v b="$i1" 'BEGIN{print b-a}')" -v cl="$cl" -v dt="$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" \
    -v gn="${gc% *}" -v gms="${gc#* }" \
    'BEGIN { printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%.1f\n", rnd, scn, n, load, rps, p50, p99, err, c/dt, r/dt, cl/dt, i/dt, gn, gms }' >> "$TSV"
  log "round $rnd $scn $n: $(tail -1 "$TSV" | cut -f4-)"
}

if ((JIT > 0)); then
  for scn in "${SCENARIOS[@]}"; do
    for n in "${NAMES[@]}"; do
      log "JIT warm-up: $scn $n, ${JIT}s"
      run_one 0 "$scn" "$n" "$JIT" 0
    done
  done
fi
for ((rnd = 1; rnd <= ROUNDS; rnd++)); do
  for scn in "${SCENARIOS[@]}"; do
    k=${#NAMES[@]}
    for ((j = 0; j < k; j++)); do
      n=${NAMES[$(((j + rnd - 1) % k))]}
      run_one "$rnd" "$scn" "$n" "$WARM" 0
      run_one "$rnd" "$scn" "$n" "$DUR" 1
    done
  done
done

mkdir -p bench/results
OUT="bench/results/$(date -u +%Y-%m-%d)-ab-$(date -u +%H%M)"
cp "$TSV" "$OUT.tsv"
{
  echo "# Side by side: ${NAMES[*]} ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "\`bench/ab.sh --duration $DUR --rounds $ROUNDS --warmup $WARM --jit $JIT $( ((${#PT_MODES[@]})) && echo "--pt $(IFS=,; echo "${PT_MODES[*]}") ")${TARGETS[*]}\` at commit $(git rev-parse --short HEAD);"
  echo "$(nproc) cores, wrk -t2 -c64, $SESSIONS seeded sessions, every target on the same private Redis, measured in turn."
  echo "Columns: mean over the rounds; ratio = req/s over the passthrough's in the same rounds; cores = CPU seconds per"
  echo "second during the runs (server, redis-server, wrk as client, and the whole machine's idle); load = 1-minute"
  echo "load average before each run (min–max); µs/req = CPU time per request of the server and of Redis, which the"
  echo "machine's other load disturbs much less than req/s."
  echo
  echo "| scenario | target | req/s | of passthrough | p99 ms | p99 / passthrough | errors | server | Redis | client | idle | server µs/req | Redis µs/req | GC pauses / run | paused ms / run | load |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  awk -F'\t' 'NR > 1 {
      k = $2 SUBSEP $3; if (!(k in n)) { order[++m] = k }
      n[k]++; rps[k] += $5; p99[k] += $7; err[k] += $8; sv[k] += $9; rd[k] += $10; cl[k] += $11; id[k] += $12
      gn[k] += $13; gms[k] += $14
      if (!(k in lo) || $4 < lo[k]) lo[k] = $4; if (!(k in hi) || $4 > hi[k]) hi[k] = $4
    }
    END {
      for (o = 1; o <= m; o++) {
        k = order[o]; split(k, a, SUBSEP); s = a[1]; t = a[2]; pk = s SUBSEP "passthrough"
        pr = rps[pk] / n[pk]; pp = p99[pk] / n[pk]
        r = rps[k] / n[k]
        printf "| %s | %s | %.0f | %.2f | %.2f | %.2f | %d | %.2f | %.2f | %.2f | %.2f | %.0f | %.0f | %.1f | %.0f | %s–%s |\n", s, t, r,
          (pr > 0 ? r / pr : 0), p99[k] / n[k], (pp > 0 ? p99[k] / n[k] / pp : 0), err[k],
          sv[k] / n[k], rd[k] / n[k], cl[k] / n[k], id[k] / n[k], (r > 0 ? sv[k] / n[k] * 1e6 / r : 0),
          (r > 0 ? rd[k] / n[k] * 1e6 / r : 0), gn[k] / n[k], gms[k] / n[k], lo[k], hi[k]
      }
    }' "$TSV" | sort -t'|' -k2,2 -s
  echo
  echo "Every run (round, scenario, target, load, req/s, p50, p99, errors, server/Redis/client/idle cores): \`$OUT.tsv\`."
} | tee "$OUT.md"
if [[ -n $PG_URL ]]; then "${PG_STOP[@]}" > /dev/null 2>&1 || true; fi
