# Shared by the wrk load scripts (bench/signing_load.sh, bench/measures_load.sh): sourced,
# not run. Starts one `alcove serve` on loopback in a temporary data directory and stops
# it (and a background job, if any) on exit; turns wrk's latencies into milliseconds.
#
#   source bench/lib.sh
#   bench_require BUILD_DIR          # alcove built, wrk installed; sets $python
#   bench_start_server BUILD_DIR     # sets $work, $server_pid, $port
#   bench_to_ms 1.23ms               # 1.2

work=$(mktemp -d)
server_pid=""
bg_pid=""
bench_cleanup() {
  [[ -n "$bg_pid" ]] && kill "$bg_pid" 2>/dev/null || true
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

bench_require() {
  local build=$1
  python=/usr/bin/python3
  [[ -x "$python" ]] || python=python3
  [[ -x "$build/alcove" ]] || { echo "no $build/alcove: build it first"; exit 1; }
  command -v wrk >/dev/null || scripts/setup bench >/dev/null
  command -v wrk >/dev/null || { echo "wrk is missing (scripts/setup bench)"; exit 1; }
}

bench_start_server() {
  local build=$1
  "$build/alcove" init --data-dir "$work/data" >/dev/null
  # Generous budgets for sign-in, invitations and links: the runs measure the work, not
  # the limiter (docs/rate-limits.md has the defaults).
  local class
  for class in SIGN_IN MAGIC_LINK CONSUME PASSWORD PUBLIC_LINK PORTAL_INVITE; do
    export "ALCOVE_RATE_LIMITS_$class=1000000 per 1s burst 1000000"
  done
  "$build/alcove" serve --data-dir "$work/data" --bind 127.0.0.1 \
    --https-port 0 --http-port 0 >"$work/console.out" 2>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 1 200); do
    grep -q '^listening' "$work/console.out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  port=$(sed -n 's/^listening https=\([0-9]*\).*/\1/p' "$work/console.out")
  [[ -n "$port" ]] || { echo "alcove did not start"; cat "$work/server.log"; exit 1; }
}

bench_to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.1f", n }'
}
