#!/usr/bin/env bash
# Identity load run (issue #6, "Measure"): against a real `alcove serve` on loopback,
#   1. timing: magic-link requests for a known and for unknown addresses (medians, p90);
#   2. sign-ins per second: password (argon2id m=19 MiB t=3) and magic link
#      (request, read the link from the console, consume);
#   3. flood: 200 concurrent password attempts, with the server's RSS sampled.
# The flood runs twice: against the default server (2 worker threads), and against a
# second server with more worker threads than the password pool's 2 slots, so that the
# pool's wait-then-"busy" bound is what holds the attempts back.
#
#   bench/identity_load.sh [BUILD_DIR]
#
# The client is bench/identity_load.py (Python standard library). Each server runs in its
# own temporary data directory on free loopback ports and is stopped on exit. Every loop
# is bounded in count and time (IDENTITY_TIMING_REQUESTS, default 1000 per kind;
# IDENTITY_RATE_SECONDS per rate run, default 10; IDENTITY_FLOOD_CONNECTIONS, default
# 200, each posting IDENTITY_FLOOD_REQUESTS times, default 1), and each client run is
# capped by `timeout` (IDENTITY_MAX_SECONDS, default 1800).
#
# Rate limits: the defaults (docs/rate-limits.md: e.g. 5 magic links per address per
# hour) would answer 429 after a few requests, so the servers here run with every
# identity limit raised through ALCOVE_RATE_LIMITS_* to 1,000,000 per second. That
# measures the work behind the limits; the limits themselves cost one in-memory check.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
timing_requests=${IDENTITY_TIMING_REQUESTS:-1000}
rate_seconds=${IDENTITY_RATE_SECONDS:-10}
flood_connections=${IDENTITY_FLOOD_CONNECTIONS:-200}
flood_requests=${IDENTITY_FLOOD_REQUESTS:-1}
flood_workers=${IDENTITY_FLOOD_WORKERS:-16}
max_seconds=${IDENTITY_MAX_SECONDS:-1800}
python=/usr/bin/python3
[[ -x "$python" ]] || python=python3

[[ -x "$build/alcove" ]] || { echo "no $build/alcove: build it first"; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export ALCOVE_RATE_LIMITS_SIGN_IN="1000000 per 1s burst 1000000"
export ALCOVE_RATE_LIMITS_MAGIC_LINK="1000000 per 1s burst 1000000"
export ALCOVE_RATE_LIMITS_CONSUME="1000000 per 1s burst 1000000"
export ALCOVE_RATE_LIMITS_PASSWORD="1000000 per 1s burst 1000000"

server_pid=""
server_port=""
# start_server NAME [VAR=VALUE...]: a fresh data directory, ports 0 (free ones, chosen by
# the server and printed on its "listening" line), bound to 127.0.0.1.
start_server() {
  local name=$1
  shift
  local dir="$work/$name"
  mkdir -p "$dir"
  "$build/alcove" init --data-dir "$dir/data" >/dev/null
  env "$@" "$build/alcove" serve --data-dir "$dir/data" --bind 127.0.0.1 \
    --https-port 0 --http-port 0 >"$dir/console.out" 2>"$dir/server.log" &
  server_pid=$!
  pids+=("$server_pid")
  for _ in $(seq 1 200); do
    grep -q '^listening' "$dir/console.out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  server_port=$(sed -n 's/^listening https=\([0-9]*\).*/\1/p' "$dir/console.out")
  [[ -n "$server_port" ]] || { echo "alcove did not start"; cat "$dir/server.log"; exit 1; }
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
}

client() {  # NAME PHASES [more client flags]
  local name=$1 phases=$2
  shift 2
  timeout --signal=TERM "$max_seconds" "$python" bench/identity_load.py \
    --port "$server_port" --pid "$server_pid" --console "$work/$name/console.out" \
    --cafile "$work/$name/data/tls/cert.pem" --phases "$phases" \
    --timing-requests "$timing_requests" --rate-seconds "$rate_seconds" \
    --flood-connections "$flood_connections" --flood-requests "$flood_requests" "$@"
}

echo "identity load: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
  "alcove from $build"
status=0

echo "== server 1: defaults (worker threads: max(2, cores); password pool: 2 slots, 2 s wait)"
start_server default
client default timing,password,magic,flood || status=1
stop_server

echo "== server 2: ALCOVE_SERVER_WORKER_THREADS=$flood_workers (more handlers than pool slots)"
start_server workers ALCOVE_SERVER_WORKER_THREADS="$flood_workers"
client workers flood || status=1
stop_server

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
