#!/usr/bin/env bash
# Practice-records load run (issue #7, "Measure"): one tenant with RECORDS_CLIENTS clients
# (default 1,000) and RECORDS_NOTES SOAP notes (default 20,000, 1-2 KB each, spread evenly)
# on SQLite, then wrk with a signed-in session against:
#   list    GET  /api/v1/clients                      (every client, no decryption)
#   client  GET  /api/v1/clients/{id}                 (profile decrypted; one audit event)
#   notes   GET  /api/v1/clients/{id}/notes?limit=20  (20 notes decrypted; one audit event)
#   page    GET  /clients/{id}                        (HTML: profile, 20 notes, summaries and
#                                                      conceptualization; four audit events)
#   save    POST /api/v1/clients/{id}/notes           (a new note; one audited write)
#   search  POST /api/v1/clients/search               (name and alias search over every client)
#   today   GET  /                                    (the Today page with RECORDS_APPOINTMENTS
#                                                      appointments today, default 0)
# Reads rotate over RECORDS_ROTATE clients (default 100), saves last (they add notes).
#
#   bench/records_load.sh [BUILD_DIR]
#
# The seeding is bench/records_seed.py (Python standard library, through the HTTP API over
# RECORDS_SEED_CONNECTIONS keep-alive connections, default 8); the requests are
# bench/records_wrk.lua. The server runs in a temporary data directory on free loopback
# ports and is stopped on exit. Bounded: each wrk run lasts RECORDS_SECONDS (default 20)
# under a timeout, the seeding at most RECORDS_SEED_MAX_SECONDS (default 1200).
# RECORDS_SERVER_ENV adds VAR=VALUE words to the server's environment only (e.g.
# ALCOVE_SERVER_WORKER_THREADS=4). The summary gives, per run, requests/s, p50 and p99
# from wrk, and the server's own CPU time (user + system) per request.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${RECORDS_SECONDS:-20}
threads=${RECORDS_THREADS:-2}
conns=${RECORDS_CONNECTIONS:-16}
clients=${RECORDS_CLIENTS:-1000}
notes=${RECORDS_NOTES:-20000}
seed_conns=${RECORDS_SEED_CONNECTIONS:-8}
seed_max=${RECORDS_SEED_MAX_SECONDS:-1200}
rotate=${RECORDS_ROTATE:-100}
appointments=${RECORDS_APPOINTMENTS:-0}
modes=${RECORDS_MODES:-list client notes page save}
read -r -a server_env <<<"${RECORDS_SERVER_ENV:-}"  # VAR=VALUE words for the server only
python=/usr/bin/python3
[[ -x "$python" ]] || python=python3

[[ -x "$build/alcove" ]] || { echo "no $build/alcove: build it first"; exit 1; }
command -v wrk >/dev/null || scripts/setup bench >/dev/null
command -v wrk >/dev/null || { echo "wrk is missing (scripts/setup bench)"; exit 1; }

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$build/alcove" init --data-dir "$work/data" >/dev/null
env "${server_env[@]}" "$build/alcove" serve --data-dir "$work/data" --bind 127.0.0.1 \
  --https-port 0 --http-port 0 >"$work/console.out" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 200); do
  grep -q '^listening' "$work/console.out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.05
done
port=$(sed -n 's/^listening https=\([0-9]*\).*/\1/p' "$work/console.out")
[[ -n "$port" ]] || { echo "alcove did not start"; cat "$work/server.log"; exit 1; }

echo "records load: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
  "alcove from $build, SQLite"
echo "== seeding $clients clients and $notes notes over $seed_conns connections"
seed_start=$(date +%s)
timeout --signal=TERM "$seed_max" "$python" bench/records_seed.py --port "$port" \
  --console "$work/console.out" --cafile "$work/data/tls/cert.pem" --out "$work/session" \
  --clients "$clients" --notes "$notes" --connections "$seed_conns" \
  --max-seconds "$seed_max" --appointments "$appointments"
echo "seeding took $(($(date +%s) - seed_start)) s; database $(du -sh "$work/data" | cut -f1)" \
  "(data directory), server RSS $(awk '/^VmRSS/ {print $2, $3}' "/proc/$server_pid/status")"

export RECORDS_COOKIE RECORDS_CSRF RECORDS_IDS="$work/session/clients" RECORDS_ROTATE="$rotate"
RECORDS_COOKIE=$(cat "$work/session/cookie")
RECORDS_CSRF=$(cat "$work/session/csrf")

# to_ms VALUE: wrk's "850.00us" / "12.34ms" / "1.20s" / "2.00m" in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.1f", n }'
}

# server_cpu_ms: the server's user + system CPU time so far, in milliseconds.
tick=$(getconf CLK_TCK)
server_cpu_ms() {
  awk -v t="$tick" '{ printf "%.0f", ($14 + $15) * 1000 / t }' "/proc/$server_pid/stat"
}

status=0
rows=()
for mode in $modes; do
  echo "== $mode: wrk -t$threads -c$conns -d${seconds}s --latency"
  cpu_before=$(server_cpu_ms)
  out=$(RECORDS_MODE=$mode timeout --signal=TERM $((seconds + 60)) \
    wrk -t"$threads" -c"$conns" -d"${seconds}s" --timeout 10s --latency \
    -s bench/records_wrk.lua "https://127.0.0.1:$port") || { echo "wrk failed"; status=1; }
  cpu_after=$(server_cpu_ms)
  echo "$out"
  if grep -q -e 'Non-2xx' -e 'Socket errors' <<<"$out"; then
    echo "!! $mode: some requests failed (see above)"
    status=1
  fi
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  cpu=$(awk -v c=$((cpu_after - cpu_before)) -v n="${n:-0}" 'BEGIN {
    if (n > 0) printf "%.2f", c / n; else print "-" }')
  rows+=("$(printf '%-7s %8s req/s   p50 %8s ms   p99 %8s ms   server CPU %6s ms/request' \
    "$mode" "$rps" "$p50" "$p99" "$cpu")")
done

echo "== summary (wrk -t$threads -c$conns -d${seconds}s; load average now" \
  "$(cut -d' ' -f1-3 /proc/loadavg); server RSS" \
  "$(awk '/^VmRSS/ {print $2, $3}' "/proc/$server_pid/status"))"
printf '%s\n' "${rows[@]}"
exit "$status"
