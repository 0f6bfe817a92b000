#!/usr/bin/env bash
# sessiond benchmark harness — one command:
#
#   bench/run.sh [--quick] [--store memory|redis|all] [--duration SECONDS] [--build] [--no-ceiling] [--scenarios LIST] [--profile]
#                [--baseline JAR] [--encryption [--encrypted-first]]
#
# What it does, in bounded time (full: ~7 min, --quick: ~3 min, plus apt-get/mvn the first time):
#   1. installs wrk, redis-server and redis-tools with apt-get when absent; builds target/sessiond.jar when absent;
#   2. starts a private redis-server on a free port (no persistence) and measures raw Redis with redis-benchmark
#      (GET/SET 1 KiB, EVALSHA, HSET of 100 fields; -c 64, with and without pipelining);
#   3. starts bench/passthrough (a bare Vert.x 5 HTTP → Redis server, no auth/validation/event bus, one verticle per
#      core), seeds it and measures it with the same wrk scripts: the ceiling;
#   4. for each store (memory, then redis when this build really uses Redis for SESSION_STORE=redis): starts sessiond
#      with a declared tenant and a random key, seeds 10,000 sessions of ~1 KiB plus 100 pre-keys each
#      (bench/Seed.java), warms up, then runs `wrk -t2 -c64 -d<N>s` for GET session, PUT session, key batch of
#      100 pre-keys, key query of 20 ids and message append (bench/lua/*.lua);
#   5. prints a markdown table per store (req/s, p50, p99, non-2xx, socket errors, fraction of the passthrough,
#      issue #3 target) and writes it with method and machine to bench/results/<date>-<store>[-quick].md.
#
# Options:
#   --quick           3 s per scenario, 1 s warm-up per scenario, 100k requests per redis-benchmark test
#   --store S         memory, redis or all (default all)
#   --duration N      seconds per measured scenario (default 12, or 3 with --quick)
#   --build           rebuild target/sessiond.jar first (otherwise it is built only when missing)
#   --no-ceiling      skip redis-benchmark and the passthrough (for quick profiling runs; no fractions then)
#   --scenarios LIST  only these of get,put,keys,query,append (default all)
#   --baseline JAR    also measure JAR (e.g. the previous commit's build) for each store, in the same run, right
#                     after this build: the target "<store>-baseline" (before/after compared side by side)
#   --encryption      also measure this build with encryption at rest on (a random ENCRYPTION_KEY) for each store, in
#                     the same run, right after the plain one: the target "<store>-encrypted", and a side-by-side
#                     table (req/s and p99 of both, and their ratio); --encrypted-first measures it before the plain one
#   --profile         record JFR (settings=profile) in sessiond during each measured scenario and aggregate the
#                     hottest frames with bench/jfr-top.sh (recordings and summaries kept in the run's temp folder)
# Environment: BENCH_JAVA_OPTS (JVM options of sessiond and the passthrough, default "-Xms1g -Xmx4g"),
#   BENCH_SESSIONS (default 10000), BENCH_KEEP=1 keeps the temp folder with logs.
set -euo pipefail

ARGS_TEXT=""
for a in "$@"; do [[ $a == --store || $a == memory || $a == redis || $a == all ]] || ARGS_TEXT+=" $a"; done
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

QUICK=0
STORES=(memory redis)
DURATION=""
PROFILE=0
BUILD=0
CEILING=1
ONLY=()
BASELINE=""
ENCRYPTION=0
ENCRYPTED_FIRST=0
while (($#)); do
  case "$1" in
    --quick) QUICK=1 ;;
    --store) shift; case "${1:-}" in all) STORES=(memory redis) ;; memory | redis) STORES=("$1") ;; *) echo "--store takes memory, redis or all" >&2; exit 2 ;; esac ;;
    --duration) shift; DURATION=${1:?--duration needs seconds} ;;
    --profile) PROFILE=1 ;;
    --baseline) shift; BASELINE=$(realpath "${1:?--baseline needs a jar}") ;;
    --build) BUILD=1 ;;
    --encryption) ENCRYPTION=1 ;;
    --encrypted-first) ENCRYPTION=1; ENCRYPTED_FIRST=1 ;;
    --no-ceiling) CEILING=0 ;;
    --scenarios) shift; IFS=, read -r -a ONLY <<< "${1:?--scenarios needs a list such as get,put}" ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if ((QUICK)); then
  DUR=${DURATION:-3}; WARM=1; RB_N=100000; MODE=quick
else
  DUR=${DURATION:-12}; WARM=3; RB_N=400000; MODE=full
fi
SESSIONS=${BENCH_SESSIONS:-10000}
JAVA_OPTS=${BENCH_JAVA_OPTS:--Xms1g -Xmx4g}
THREADS=2
CONNS=64
SCENARIOS=(get put keys query append)
((${#ONLY[@]})) && SCENARIOS=("${ONLY[@]}")
declare -A LABEL=([get]="GET session" [put]="PUT session (~1 KiB)" [keys]="key batch, 100 pre-keys"
  [query]="key query, 20 ids" [append]="message append")
# Issue #3 targets (they are set for the Redis store): minimum req/s; GET also p99 <= 5 ms; all with zero errors.
declare -A TARGET_RPS=([get]=60000 [put]=40000 [keys]=8000 [append]=40000)
TARGET_P99_GET=5

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }

# ---- tools ------------------------------------------------------------------------------------------
install_tools() {
  local pkgs=()
  command -v wrk > /dev/null || pkgs+=(wrk)
  command -v redis-server > /dev/null || pkgs+=(redis-server)
  { command -v redis-benchmark > /dev/null && command -v redis-cli > /dev/null; } || pkgs+=(redis-tools)
  if ((${#pkgs[@]})); then
    log "installing ${pkgs[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" > /dev/null
  fi
  command -v java > /dev/null || { echo "java (JDK 17) is required" >&2; exit 1; }
  if [[ ! -f target/sessiond.jar || $BUILD == 1 ]]; then
    log "building target/sessiond.jar"
    mvn -q -o -DskipTests package || mvn -q -DskipTests package
  fi
}

# ---- processes ----------------------------------------------------------------------------------------
WORK=$(mktemp -d /tmp/sessiond-bench.XXXXXX)
PIDS=()
cleanup() {
  trap - EXIT
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$p" 2> /dev/null || true
  done
  if [[ "${BENCH_KEEP:-0}" == 1 || $PROFILE == 1 ]]; then log "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_pid() {
  local p=$1
  kill "$p" 2> /dev/null || true
  for _ in $(seq 100); do kill -0 "$p" 2> /dev/null || return 0; sleep 0.1; done
  kill -9 "$p" 2> /dev/null || true
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2> /dev/null && return
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    ss -ltn "( sport = :$p )" | grep -q ":$p" || { echo "$p"; return; }
  done
}

wait_http() { # url seconds pid
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    curl -fs -o /dev/null "$1" && return 0
    kill -0 "$3" 2> /dev/null || return 1
    sleep 0.1
  done
  return 1
}

# ---- machine and load ---------------------------------------------------------------------------------
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

machine_md() {
  local cpu mem
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
  mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "- machine: $(nproc) cores ($cpu), $mem RAM, $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
  echo "- java: $(java -version 2>&1 | head -2 | tail -1)"
  echo "- tools: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), $(redis-server --version | cut -d' ' -f1-3)"
  echo "- sessiond: $GIT_DESC, jar built $(date -u -r "$JAR" '+%Y-%m-%d %H:%M UTC'), JVM options \`$JAVA_OPTS\`"
  echo "- load average (1/5/15 min) at start: $START_LOAD; busiest other processes at start: $START_TOP"
}

# ---- measurements -------------------------------------------------------------------------------------
declare -A R   # R[server|scenario|field]
declare -A RB  # RB[test|field]
RB_TESTS=()

# CPU seconds (user + system) a process has used so far.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat" 2> /dev/null || echo 0; }

wrk_run() { # server base-url scenario seconds [record]
  local server=$1 url=$2 scn=$3 secs=$4 record=${5:-1} load out line kv c0 r0 c1 r1 t0 t1
  load=$(loadavg)
  c0=$(cpu_s "$SERVER_PID"); r0=$(cpu_s "$REDIS_PID"); t0=$(date +%s.%N)
  out=$(BENCH_KEY="$KEY" BENCH_SESSIONS="$SESSIONS" BENCH_LUA_DIR="$ROOT/bench/lua" \
    timeout $((secs + 30)) wrk -t$THREADS -c$CONNS -d"${secs}s" --timeout 5s -s "bench/lua/$scn.lua" "$url" 2>&1) || true
  c1=$(cpu_s "$SERVER_PID"); r1=$(cpu_s "$REDIS_PID"); t1=$(date +%s.%N)
  printf '### %s %s (load before: %s)\n%s\n' "$server" "$scn" "$load" "$out" >> "$WORK/wrk.log"
  ((record)) || return 0
  line=$(grep '^RESULT' <<< "$out" || true)
  if [[ -z $line ]]; then
    log "wrk failed for $server/$scn: $(tail -3 <<< "$out" | tr '\n' ' ')"
    R["$server|$scn|rps"]="failed"
    return 0
  fi
  for kv in ${line#RESULT }; do R["$server|$scn|${kv%%=*}"]=${kv#*=}; done
  R["$server|$scn|load"]=$load
  R["$server|$scn|cpu"]=$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.2f", (b - a) / (t1 - t0) }')
  R["$server|$scn|rcpu"]=$(awk -v a="$r0" -v b="$r1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.2f", (b - a) / (t1 - t0) }')
  log "$server $scn: $(grep -o 'rps=[^ ]*\|p99_ms=[^ ]*\|non2xx=[^ ]*' <<< "$line" | tr '\n' ' ')server cores ${R["$server|$scn|cpu"]}, redis cores ${R["$server|$scn|rcpu"]} (load before $load)"
}

measure_server() { # server base-url
  local server=$1 url=$2 scn
  log "$server: warm-up ($WARM s per scenario)"
  for scn in "${SCENARIOS[@]}"; do wrk_run "$server" "$url" "$scn" "$WARM" 0; done
  for scn in "${SCENARIOS[@]}"; do
    if [[ $PROFILE == 1 && $server != passthrough ]]; then
      jcmd "$SERVER_PID" JFR.start name=bench settings=profile filename="$WORK/$server-$scn.jfr" > /dev/null
      wrk_run "$server" "$url" "$scn" "$DUR"
      jcmd "$SERVER_PID" JFR.stop name=bench > /dev/null
      log "JFR recording of the $scn run: $WORK/$server-$scn.jfr (hottest frames in $WORK/$server-$scn-profile.txt)"
      bench/jfr-top.sh "$WORK/$server-$scn.jfr" > "$WORK/$server-$scn-profile.txt"
      sed -n '1,/^top frames/p' "$WORK/$server-$scn-profile.txt" | head -20 >&2
    else
      wrk_run "$server" "$url" "$scn" "$DUR"
    fi
  done
}

seed() { # server base-url
  log "$1: seeding $SESSIONS sessions (~1 KiB) and 100 pre-keys each"
  timeout 600 java -cp "$JAR" bench/Seed.java "$2" "$KEY" "$SESSIONS" 64 2>&1 | tee -a "$WORK/seed.log" >&2
  return "${PIPESTATUS[0]}"
}

redis_benchmark() {
  local sha hset i
  log "redis-benchmark: -c $CONNS, $RB_N requests per test"
  sha=$(redis-cli -p "$RP" script load "return redis.call('GET', KEYS[1])")
  hset="hset rb:h:__rand_int__"
  for i in $(seq 100); do hset+=" $i {\"public\":{\"type\":\"Buffer\",\"data\":\"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=\"},\"private\":{\"type\":\"Buffer\",\"data\":\"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=\"}}"; done
  rb_run "SET 1 KiB" 1 -t set -d 1024
  rb_run "GET 1 KiB" 1 -t get -d 1024
  rb_run "EVALSHA (script doing one GET)" 1 evalsha "$sha" 1 key:__rand_int__
  rb_run "HSET of 100 pre-key fields (~13 KiB)" 1 $hset
  rb_run "SET 1 KiB, pipelined 16" 16 -t set -d 1024
  rb_run "GET 1 KiB, pipelined 16" 16 -t get -d 1024
  rb_run "EVALSHA, pipelined 16" 16 evalsha "$sha" 1 key:__rand_int__
  redis-cli -p "$RP" flushall > /dev/null
}

rb_run() { # label pipeline args...
  local label=$1 pipe=$2 out line n
  shift 2
  n=$RB_N
  [[ $label == HSET* ]] && n=$((RB_N / 4))
  out=$(timeout 120 redis-benchmark -h 127.0.0.1 -p "$RP" -c $CONNS -n "$n" -r 10000 -P "$pipe" --csv "$@" 2>&1 | tr -d '\r') || true
  printf '### %s\n%s\n' "$label" "$out" >> "$WORK/redis-benchmark.log"
  line=$(grep -v '^"test"' <<< "$out" | grep '^"' | tail -1 || true)
  RB_TESTS+=("$label")
  if [[ -z $line ]]; then RB["$label|rps"]=failed; return 0; fi
  # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  # (a custom command's name may itself contain commas, so count from the end)
  read -r RB["$label|rps"] RB["$label|p50"] RB["$label|p99"] <<< "$(awk -F'"' '{ print $(NF-13), $(NF-7), $(NF-3) }' <<< "$line")"
  log "redis-benchmark $label: ${RB["$label|rps"]} req/s"
}

# ---- report -------------------------------------------------------------------------------------------
fmt_int() { [[ ${1:-} =~ ^[0-9.]+$ ]] && echo "${1%.*}" || echo "${1:-—}"; }

# Server CPU per request in microseconds: steadier than req/s when other work shares the machine.
us_per_req() {
  local c=${R["$1|$2|cpu"]:-} r=${R["$1|$2|rps"]:-}
  if [[ $c =~ ^[0-9.]+$ && $r =~ ^[0-9]+$ && $r -gt 0 ]]; then awk -v c="$c" -v r="$r" 'BEGIN { printf "%.0f", c * 1e6 / r }'; else echo "—"; fi
}

store_table() { # server
  local s=$1 scn rps p99 pt frac errs target ok
  echo "| scenario | req/s | p50 ms | p99 ms | non-2xx | socket errors | sessiond cores | CPU µs/req | Redis cores | passthrough req/s | of passthrough | issue #3 target (Redis store) | meets |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"
  for scn in "${SCENARIOS[@]}"; do
    rps=${R["$s|$scn|rps"]:-}
    pt=${R["passthrough|$scn|rps"]:-}
    p99=${R["$s|$scn|p99_ms"]:-}
    errs=$(( ${R["$s|$scn|connect"]:-0} + ${R["$s|$scn|read"]:-0} + ${R["$s|$scn|write"]:-0} + ${R["$s|$scn|timeout"]:-0} ))
    frac="—"
    [[ $rps =~ ^[0-9]+$ && $pt =~ ^[0-9]+$ && $pt -gt 0 ]] && frac="$((rps * 100 / pt)) %"
    target="—"; ok="—"
    if [[ -n ${TARGET_RPS[$scn]:-} ]]; then
      target="≥ $(fmt_int "${TARGET_RPS[$scn]}") req/s"
      [[ $scn == get ]] && target+=", p99 ≤ $TARGET_P99_GET ms"
      target+=", 0 errors"
      ok=no
      if [[ $rps =~ ^[0-9]+$ ]] && ((rps >= TARGET_RPS[$scn])) && [[ ${R["$s|$scn|non2xx"]} == 0 && $errs == 0 ]] \
        && { [[ $scn != get ]] || awk -v p="$p99" -v t=$TARGET_P99_GET 'BEGIN { exit !(p <= t) }'; }; then ok=yes; fi
    fi
    echo "| ${LABEL[$scn]} | $(fmt_int "$rps") | ${R["$s|$scn|p50_ms"]:-—} | ${p99:-—} | ${R["$s|$scn|non2xx"]:-—} | $errs | ${R["$s|$scn|cpu"]:-—} | $(us_per_req "$s" "$scn") | ${R["$s|$scn|rcpu"]:-—} | $(fmt_int "$pt") | $frac | $target | $ok |"
  done
}

passthrough_table() {
  local scn
  echo "| scenario | req/s | p50 ms | p99 ms | non-2xx | socket errors | passthrough cores | CPU µs/req | Redis cores |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for scn in "${SCENARIOS[@]}"; do
    local s=passthrough
    echo "| ${LABEL[$scn]} | $(fmt_int "${R["$s|$scn|rps"]:-}") | ${R["$s|$scn|p50_ms"]:-—} | ${R["$s|$scn|p99_ms"]:-—} | ${R["$s|$scn|non2xx"]:-—} | $(( ${R["$s|$scn|connect"]:-0} + ${R["$s|$scn|read"]:-0} + ${R["$s|$scn|write"]:-0} + ${R["$s|$scn|timeout"]:-0} )) | ${R["$s|$scn|cpu"]:-—} | $(us_per_req "$s" "$scn") | ${R["$s|$scn|rcpu"]:-—} |"
  done
}

rb_table() {
  local t
  echo "| redis-benchmark test (-c $CONNS, -r 10000) | req/s | p50 ms | p99 ms |"
  echo "| --- | ---: | ---: | ---: |"
  for t in "${RB_TESTS[@]}"; do
    echo "| $t | $(fmt_int "${RB["$t|rps"]}") | ${RB["$t|p50"]:-—} | ${RB["$t|p99"]:-—} |"
  done
}

report() { # store
  local s=$1
  echo "# sessiond benchmark: $s store ($MODE run)"
  echo
  machine_md
  echo
  echo "Command: \`bench/run.sh$ARGS_TEXT --store $s\` (${DUR} s per scenario after ${WARM} s warm-up each;"
  echo "\`wrk -t$THREADS -c$CONNS -d${DUR}s\`, client, servers and Redis all on this machine). $SESSIONS sessions of ~1 KiB data and"
  echo "100 Baileys pre-keys each were seeded first; every request picks a random session. Non-2xx = wrk's count of"
  echo "status ≥ 400; socket errors = connect + read + write + timeout (5 s). "cores" = CPU seconds (user + system) the"
  echo "server or redis-server process used during the scenario divided by its wall time (2.0 = both cores); CPU µs/req"
  echo "= the server's CPU time per request, which other load disturbs much less than req/s. The load averages before each scenario are"
  echo "listed under each table: a 1-minute load well above ~3 (wrk + server + Redis) means other work shared the 2 cores."
  echo
  echo "## sessiond, $s store"
  echo
  if [[ ${NOTE[$s]:-} ]]; then echo "${NOTE[$s]}"; echo; fi
  store_table "$s"
  echo
  echo "Load average (1/5/15) before each scenario: $(for scn in "${SCENARIOS[@]}"; do printf '%s %s; ' "$scn" "${R["$s|$scn|load"]:-—}"; done)"
  echo
  echo "## Ceiling: bare Vert.x HTTP → Redis passthrough (bench/passthrough, same wrk scripts)"
  echo
  passthrough_table
  echo
  echo "Load average before each scenario: $(for scn in "${SCENARIOS[@]}"; do printf '%s %s; ' "$scn" "${R["passthrough|$scn|load"]:-—}"; done)"
  echo
  echo "## Raw Redis (redis-benchmark, same machine, same Redis server)"
  echo
  rb_table
}

# ---- main -----------------------------------------------------------------------------------------------
install_tools
# A private copy: other people's builds may replace target/sessiond.jar while the run is going.
JAR="$WORK/sessiond.jar"
cp -p target/sessiond.jar "$JAR"
START_LOAD=$(loadavg)
GIT_DESC="commit $(git rev-parse --short HEAD 2> /dev/null || echo '?') at start$(git diff --quiet HEAD -- src pom.xml 2> /dev/null || echo ' (with uncommitted changes in src/)')"
START_TOP=$(ps -eo pcpu=,comm= --sort=-pcpu | head -4 | awk '{printf "%s %s%%, ", $2, $1}' | sed 's/, $//')
KEY=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)
declare -A NOTE
log "mode $MODE, ${DUR} s per scenario, stores: ${STORES[*]}; work folder $WORK; load average $START_LOAD"

RP=$(free_port)
redis-server --port "$RP" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" --logfile "$WORK/redis.log" &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
for _ in $(seq 50); do redis-cli -p "$RP" ping > /dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$RP" ping > /dev/null || { echo "redis-server did not start (see $WORK/redis.log)" >&2; exit 1; }
REDIS_URL="redis://127.0.0.1:$RP"

((CEILING)) && redis_benchmark

# The ceiling.
if ((!CEILING)); then
  log "--no-ceiling: no redis-benchmark and no passthrough in this run"
elif unzip -l "$JAR" 2> /dev/null | grep -c 'io/vertx/redis/client/Redis.class' > /dev/null; then
  PP=$(free_port)
  # shellcheck disable=SC2086
  java $JAVA_OPTS -cp "$JAR" bench/passthrough/Passthrough.java "$PP" "$REDIS_URL" > "$WORK/passthrough.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  if wait_http "http://127.0.0.1:$PP/health" 90 "$SERVER_PID"; then
    if seed passthrough "http://127.0.0.1:$PP"; then
      measure_server passthrough "http://127.0.0.1:$PP"
    else
      log "seeding the passthrough failed: no ceiling in this run"
    fi
  else
    log "the passthrough did not start: $(tail -5 "$WORK/passthrough.log")"
  fi
  stop_pid "$SERVER_PID"
  redis-cli -p "$RP" flushall > /dev/null
else
  log "target/sessiond.jar has no vertx-redis-client: no passthrough ceiling in this run"
fi

TARGETS=()
for store in "${STORES[@]}"; do
  if ((ENCRYPTED_FIRST)); then TARGETS+=("$store-encrypted" "$store"); else TARGETS+=("$store"); fi
  if ((ENCRYPTION && !ENCRYPTED_FIRST)); then TARGETS+=("$store-encrypted"); fi
  if [[ -n $BASELINE ]]; then TARGETS+=("$store-baseline"); fi
done
# Encryption at rest for the "-encrypted" targets: a fresh master key for this run.
MASTER_KEY=$(head -c 32 /dev/urandom | base64)
if [[ -n $BASELINE ]]; then cp -p "$BASELINE" "$WORK/baseline.jar"; fi
for target in "${TARGETS[@]}"; do
  store=${target%-baseline}
  store=${store%-encrypted}
  ENC_ENV=()
  if [[ $target == *-encrypted ]]; then ENC_ENV=(ENCRYPTION_KEY="$MASTER_KEY"); fi
  TJAR=$JAR
  if [[ $target == *-baseline ]]; then TJAR="$WORK/baseline.jar"; fi
  HP=$(free_port)
  # The tenant has no quotas (as before they had defaults): the hot path measured is the unlimited one. A long
  # connect timeout: on a loaded machine a cold JVM may take more than the default 4 s to connect and load the scripts.
  # shellcheck disable=SC2086
  env "${ENC_ENV[@]}" SESSION_STORE="$store" REDIS_URL="$REDIS_URL" REDIS_PREFIX="bench:" TENANTS="bench=$KEY" HTTP_PORT="$HP" \
    TENANT_MAX_SESSIONS=0 TENANT_MAX_BYTES_PER_SESSION=0 TENANT_REQUESTS_PER_SECOND=0 REDIS_CONNECT_TIMEOUT_MS=30000 \
    java $JAVA_OPTS -jar "$TJAR" > "$WORK/sessiond-$target.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  if ! wait_http "http://127.0.0.1:$HP/health/live" 90 "$SERVER_PID"; then
    NOTE[$target]="sessiond did not start with SESSION_STORE=$store: $(tail -3 "$WORK/sessiond-$target.log" | tr '\n' ' ')"
    log "${NOTE[$target]}"
    stop_pid "$SERVER_PID"
    continue
  fi
  if ! seed "$target" "http://127.0.0.1:$HP"; then
    NOTE[$target]="**Not measured:** seeding failed (see the seed output above)."
    stop_pid "$SERVER_PID"
    continue
  fi
  if [[ $store == redis ]] && [[ $(redis-cli -p "$RP" dbsize) == 0 ]]; then
    NOTE[$target]="**Not measured:** this build accepts SESSION_STORE=redis but wrote nothing to Redis while seeding (the Redis store is not wired into Sessiond yet), so numbers would be the memory store's."
    log "$target: ${NOTE[$target]}"
    stop_pid "$SERVER_PID"
    continue
  fi
  measure_server "$target" "http://127.0.0.1:$HP"
  stop_pid "$SERVER_PID"
  redis-cli -p "$RP" flushall > /dev/null
done

# Plain and encrypted side by side (same run, same Redis, same seed): the ratios are what to compare.
encryption_table() { # store
  local s=$1 e="$1-encrypted" scn a b pa pb
  echo "## Encryption at rest: $s store, plain and encrypted in one run (order: ${TARGETS[*]})"
  echo
  echo "| scenario | plain req/s | encrypted req/s | ratio | plain p99 ms | encrypted p99 ms | ratio | plain CPU µs/req | encrypted CPU µs/req | non-2xx (plain / encrypted) |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  for scn in "${SCENARIOS[@]}"; do
    a=${R["$s|$scn|rps"]:-}; b=${R["$e|$scn|rps"]:-}; pa=${R["$s|$scn|p99_ms"]:-}; pb=${R["$e|$scn|p99_ms"]:-}
    echo "| ${LABEL[$scn]} | $(fmt_int "$a") | $(fmt_int "$b") | $(awk -v a="$a" -v b="$b" 'BEGIN { if (a > 0 && b ~ /^[0-9.]+$/) printf "%.2f", b / a; else print "—" }') | ${pa:-—} | ${pb:-—} | $(awk -v a="$pa" -v b="$pb" 'BEGIN { if (a > 0 && b ~ /^[0-9.]+$/) printf "%.2f", b / a; else print "—" }') | $(us_per_req "$s" "$scn") | $(us_per_req "$e" "$scn") | ${R["$s|$scn|non2xx"]:-—} / ${R["$e|$scn|non2xx"]:-—} |"
  done
  echo
  echo "Load average (1/5/15) before each scenario: plain $(for scn in "${SCENARIOS[@]}"; do printf '%s %s; ' "$scn" "${R["$s|$scn|load"]:-—}"; done)encrypted $(for scn in "${SCENARIOS[@]}"; do printf '%s %s; ' "$scn" "${R["$e|$scn|load"]:-—}"; done)"
}
if ((ENCRYPTION)); then
  for store in "${STORES[@]}"; do
    echo
    echo "# sessiond benchmark: encryption at rest ($MODE run)"
    echo
    machine_md
    echo
    echo "Command: \`bench/run.sh$ARGS_TEXT --store $store\` (${DUR} s per scenario after ${WARM} s warm-up each; \`wrk -t$THREADS -c$CONNS\`;"
    echo "$SESSIONS sessions of ~1 KiB and 100 pre-keys each seeded into each daemon; the encrypted daemon seals every value)."
    echo
    encryption_table "$store"
  done
fi

mkdir -p bench/results
DAY=$(date -u +%Y-%m-%d)
SUFFIX=""
if ((QUICK)); then SUFFIX=-quick; fi
for target in "${TARGETS[@]}"; do
  echo
  if ((CEILING)); then
    file="bench/results/$DAY-$target$SUFFIX.md"
    report "$target" > "$file"
    cat "$file"
    log "written $file"
  else
    report "$target"   # a run without the ceiling is not kept in bench/results
  fi
done
for f in wrk redis-benchmark seed; do
  if [[ -f "$WORK/$f.log" ]]; then cp "$WORK/$f.log" "bench/results/last-$f.log"; fi
done
