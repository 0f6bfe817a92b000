#!/usr/bin/env bash
# Write-behind lag side by side: runs bench/sync.sh --skip-restore once per jar for every rate, the jars'
# order alternating from one repeat to the next (A B, then B A), and keeps one line per run.
#
#   bench/sync-sweep.sh [--cluster] [--rates "1000 2000 3000"] [--repeat N] [--duration S] [--name NAME] JAR...
#
# A JAR may be given as NAME=value,NAME=value@JAR: those settings apply to its runs only (the same jar twice with
# different load-tool settings compares two harnesses side by side, e.g. SYNC_TOOL_CLIENT=urlconnection@main.jar).
#
# Lines go to bench/results/<date>-sync-sweep-<NAME>.txt (appended, so several calls build one sweep), and the
# whole file is printed as a table at the end; every run's full report (timelines, 1 s samples) is appended to
# bench/results/<date>-sync-sweep-<NAME>-runs.md. Each run takes ~70 s (start-up, the load tool's 10 s pre-warm, 1,000 sessions made, 15 s warm-up,
# --duration s of load, the wait until every acknowledged write is seen); keep one call under ~6 minutes.
# Settings for the daemon: BENCH_ENV as for sync.sh (the same for every jar).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
RATES=2000
REPEAT=1
DUR=30
NAME=sweep
CLUSTER=()
JARS=()
while (($#)); do
  case "$1" in
    --rates) shift; RATES=${1:?} ;;
    --repeat) shift; REPEAT=${1:?} ;;
    --duration) shift; DUR=${1:?} ;;
    --name) shift; NAME=${1:?} ;;
    --cluster) CLUSTER=(--cluster) ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) JARS+=("$1") ;;
  esac
  shift
done
((${#JARS[@]})) || { echo "name at least one jar" >&2; exit 2; }
mkdir -p bench/results
OUT="bench/results/$(date -u +%Y-%m-%d)-sync-sweep-$NAME.txt"
touch "$OUT"
for ((r = 0; r < REPEAT; r++)); do
  for rate in $RATES; do
    order=("${JARS[@]}")
    if (((r + ${SWEEP_FLIP:-0}) % 2)); then # reversed every other repeat
      order=()
      for ((i = ${#JARS[@]} - 1; i >= 0; i--)); do order+=("${JARS[i]}"); done
    fi
    for spec in "${order[@]}"; do
      # NAME=value,NAME=value@JAR: settings for this jar's runs only (e.g. the load tool's, to compare harnesses)
      jar=${spec##*@}
      envs=()
      [[ $spec == *@* ]] && IFS=',' read -ra envs <<< "${spec%@*}"
      env "${envs[@]}" BENCH_SUMMARY="$ROOT/$OUT" bench/sync.sh --skip-restore "${CLUSTER[@]}" --rate "$rate" --duration "$DUR" --jar "$jar" \
        --tag "sweep-$NAME" > /dev/null 2> >(grep -E 'sync: RESULT|did not start|failed' >&2) || echo "run failed: $jar at $rate" >&2
      # sync.sh rewrites its report every run: keep each run's (timeline and samples) in one file
      MD="bench/results/$(date -u +%Y-%m-%d)-sync-sweep-$NAME.md"
      [[ -f $MD ]] && cat "$MD" >> "bench/results/$(date -u +%Y-%m-%d)-sync-sweep-$NAME-runs.md"
    done
  done
done
echo "| time (UTC) | store | jar | load tool (client/pre-warm s) | load at start | asked → achieved writes/s | skipped | ack p99 | lag p50 / p90 / p99 / max | lost | into PostgreSQL | CPU sessiond / Redis / PG |"
echo "| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
while read -r l; do
  declare -A F=()
  for kv in $l; do F[${kv%%=*}]=${kv#*=}; done
  printf '| %s | %s | %s | %s | %s | %s → %s | %s | %s ms | %s / %s / %s / %s ms | %s | %s versions/s | %s |\n' "${F[time]}" "${F[store]}" \
    "$(basename "${F[jar]}")" "${F[tool]:-urlconnection/0}" "${F[load]//\// }" "${F[asked]}" "${F[rate]}" "${F[skipped]}" "${F[ack_p99_ms]}" "${F[lag_p50_ms]}" \
    "${F[lag_p90_ms]}" "${F[lag_p99_ms]}" "${F[lag_max_ms]}" "${F[lost]}" "${F[pg_versions_s]}" "${F[cpu]}"
  unset F
done < "$OUT"
