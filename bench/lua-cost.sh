#!/usr/bin/env bash
# bench/lua-cost.py with its set-up: a private redis-server, 2,000 sessions seeded through sessiond (JAR,
# REDIS_PREFIX=x:, tenant bench), sessiond stopped, then the script costs measured on the quiet Redis.
#   bench/lua-cost.sh JAR [N] [ROUNDS]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JAR=$1; N=${2:-20000}; ROUNDS=${3:-3}
WORK=$(mktemp -d /tmp/sessiond-luacost.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
RP=$(free_port); HP=$(free_port); KEY=lc$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done; wait 2> /dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
redis-server --port "$RP" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" --logfile "$WORK/redis.log" &
PIDS+=("$!")
for _ in $(seq 50); do redis-cli -p "$RP" ping > /dev/null 2>&1 && break; sleep 0.1; done
SESSION_STORE=redis REDIS_URL="redis://127.0.0.1:$RP" REDIS_PREFIX=x: TENANTS="bench=$KEY" HTTP_PORT="$HP" \
  TENANT_MAX_SESSIONS=0 TENANT_MAX_BYTES_PER_SESSION=0 TENANT_REQUESTS_PER_SECOND=0 java -jar "$JAR" > "$WORK/d.log" 2>&1 &
D=$!
PIDS+=("$D")
for _ in $(seq 600); do curl -fs -o /dev/null "http://127.0.0.1:$HP/health/live" && break; sleep 0.1; done
java "$ROOT/bench/Seed.java" "http://127.0.0.1:$HP" "$KEY" 2000 16 >&2
kill "$D"; wait "$D" 2> /dev/null || true
python3 "$ROOT/bench/lua-cost.py" "$RP" "$N" "$ROUNDS"
