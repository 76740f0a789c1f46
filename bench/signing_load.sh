#!/usr/bin/env bash
# Signing load run (issue #15, "Measure"): one associate with SIGNING_WEEKS past weeks in
# each of SIGNING_SETTINGS work settings (defaults 100 and 4: 400 weekly logs), every week
# submitted to one supervisor (bench/signing_seed.py, through the HTTP API), then wrk on
# SQLite against:
#   page     GET  /sign                  the signing page
#   sign     POST /api/v1/sign           signatures: argon2id PIN check, the week signed,
#                                        the signature.made event; each token used once
#   summary  GET  /api/v1/hours/summary  the associate's progress, alone and then while
#                                        signatures run, to show other routes stay responsive
#
#   bench/signing_load.sh [BUILD_DIR]
#
# Loopback only; the server runs in a temporary data directory on free ports and is
# stopped on exit. Bounded: each wrk run lasts SIGNING_SECONDS (default 10) under a
# timeout; sign stops when its tokens are used up; the seeding at most
# SIGNING_SEED_MAX_SECONDS (default 900).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${SIGNING_SECONDS:-10}
threads=${SIGNING_THREADS:-2}
conns=${SIGNING_CONNECTIONS:-8}
weeks=${SIGNING_WEEKS:-100}
settings=${SIGNING_SETTINGS:-4}
seed_max=${SIGNING_SEED_MAX_SECONDS:-900}
source bench/lib.sh
bench_require "$build"
bench_start_server "$build"

echo "signing load: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
  "alcove from $build, SQLite"
echo "== seeding $settings settings x $weeks weeks, all submitted to one supervisor"
timeout --signal=TERM "$seed_max" "$python" bench/signing_seed.py --port "$port" \
  --console "$work/console.out" --cafile "$work/data/tls/cert.pem" --out "$work/seed" \
  --weeks "$weeks" --settings "$settings" --max-seconds "$seed_max"

export SIGNING_TOKENS="$work/seed/tokens" SIGNING_THREADS="$threads"
SIGNING_PIN=$(cat "$work/seed/pin")
SIGNING_COOKIE=$(cat "$work/seed/associate_cookie")
export SIGNING_PIN SIGNING_COOKIE

status=0
rows=()
run() {  # run LABEL MODE CONNECTIONS
  local label=$1 mode=$2 c=$3 out
  echo "== $label: wrk -t$threads -c$c -d${seconds}s --latency ($mode)"
  out=$(SIGNING_MODE=$mode timeout --signal=TERM $((seconds + 60)) \
    wrk -t"$threads" -c"$c" -d"${seconds}s" --timeout 10s --latency \
    -s bench/signing_wrk.lua "https://127.0.0.1:$port") || { echo "wrk failed"; status=1; }
  echo "$out"
  if [[ "$mode" != sign ]] && grep -q -e 'Non-2xx' -e 'Socket errors' <<<"$out"; then
    echo "!! $label: some requests failed (see above)"
    status=1
  fi
  local rps p50 p99 ok secs
  rps=$(awk '/^Requests\/sec:/ {printf "%.1f", $2}' <<<"$out")
  p50=$(bench_to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  p99=$(bench_to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  ok=$(awk '/^answered 200:/ {print $3}' <<<"$out")
  rows+=("$(printf '%-22s %9s req/s   p50 %8s ms   p99 %8s ms   200s %s' \
    "$label" "$rps" "$p50" "$p99" "$ok")")
}

run "signing page" page "$conns"
run "summary alone" summary 2
# Signatures, with the summary measured beside them on two connections.
SIGNING_MODE=summary timeout --signal=TERM $((seconds + 60)) \
  wrk -t1 -c2 -d"${seconds}s" --timeout 10s --latency -s bench/signing_wrk.lua \
  "https://127.0.0.1:$port" >"$work/beside.out" 2>&1 &
bg_pid=$!
run "signatures" sign "$conns"
wait "$bg_pid" || true
bg_pid=""
beside=$(cat "$work/beside.out")
echo "== summary beside the signatures"
echo "$beside"
rows+=("$(printf '%-22s %9s req/s   p50 %8s ms   p99 %8s ms' "summary beside signing" \
  "$(awk '/^Requests\/sec:/ {printf "%.1f", $2}' <<<"$beside")" \
  "$(bench_to_ms "$(awk '$1 == "50%" {print $2}' <<<"$beside")")" \
  "$(bench_to_ms "$(awk '$1 == "99%" {print $2}' <<<"$beside")")")")

echo "== summary (load average now $(cut -d' ' -f1-3 /proc/loadavg); server RSS" \
  "$(awk '/^VmRSS/ {print $2, $3}' "/proc/$server_pid/status"))"
printf '%s\n' "${rows[@]}"
exit "$status"
