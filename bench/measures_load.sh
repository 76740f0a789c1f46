#!/usr/bin/env bash
# Questionnaires load run (issue #16, "Measure"): one therapist, a client with
# MEASURES_RESULTS PHQ-9 results (default 200, each assigned through the API and
# submitted through the public form) and MEASURES_LINKS unused links of another client
# (default 3000; bench/measures_seed.py), then wrk on SQLite against:
#   form    GET  /q/TOKEN              the public form of an unused link
#   trend   GET  /clients/ID/measures  the therapist's page of the client with 200
#                                      results: trend chart, table, latest answers
#   submit  POST /q/TOKEN              submissions: the link used up, answers scored and
#                                      sealed with the client's key, audited; each token
#                                      once
#
#   bench/measures_load.sh [BUILD_DIR]
#
# Loopback only; the server runs in a temporary data directory on free ports and is
# stopped on exit. Bounded: each wrk run lasts MEASURES_SECONDS (default 10) under a
# timeout; submit stops when its tokens are used up; the seeding at most
# MEASURES_SEED_MAX_SECONDS (default 900).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${MEASURES_SECONDS:-10}
threads=${MEASURES_THREADS:-2}
conns=${MEASURES_CONNECTIONS:-8}
results=${MEASURES_RESULTS:-200}
links=${MEASURES_LINKS:-3000}
seed_max=${MEASURES_SEED_MAX_SECONDS:-900}
source bench/lib.sh
bench_require "$build"
bench_start_server "$build"

echo "questionnaires load: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
  "alcove from $build, SQLite"
echo "== seeding $results results and $links unused links"
timeout --signal=TERM "$seed_max" "$python" bench/measures_seed.py --port "$port" \
  --console "$work/console.out" --cafile "$work/data/tls/cert.pem" --out "$work/seed" \
  --results "$results" --links "$links" --max-seconds "$seed_max"

export MEASURES_TOKENS="$work/seed/tokens" MEASURES_THREADS="$threads"
MEASURES_COOKIE=$(cat "$work/seed/therapist_cookie")
MEASURES_CLIENT=$(cat "$work/seed/trend_client")
export MEASURES_COOKIE MEASURES_CLIENT

status=0
rows=()
run() {  # run LABEL MODE
  local label=$1 mode=$2 out
  echo "== $label: wrk -t$threads -c$conns -d${seconds}s --latency ($mode)"
  out=$(MEASURES_MODE=$mode timeout --signal=TERM $((seconds + 60)) \
    wrk -t"$threads" -c"$conns" -d"${seconds}s" --timeout 10s --latency \
    -s bench/measures_wrk.lua "https://127.0.0.1:$port") || { echo "wrk failed"; status=1; }
  echo "$out"
  # A submit thread whose tokens are used up stops on one refused request: its 200s count.
  if [[ "$mode" != submit ]] && grep -q -e 'Non-2xx' -e 'Socket errors' <<<"$out"; then
    echo "!! $label: some requests failed (see above)"
    status=1
  fi
  rows+=("$(printf '%-22s %9s req/s   p50 %8s ms   p99 %8s ms   200s %s' "$label" \
    "$(awk '/^Requests\/sec:/ {printf "%.1f", $2}' <<<"$out")" \
    "$(bench_to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")" \
    "$(bench_to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")" \
    "$(awk '/^answered 200:/ {print $3}' <<<"$out")")")
}

run "public form" form
run "trend page ($results)" trend
run "submissions" submit

echo "== summary (load average now $(cut -d' ' -f1-3 /proc/loadavg); server RSS" \
  "$(awk '/^VmRSS/ {print $2, $3}' "/proc/$server_pid/status"))"
printf '%s\n' "${rows[@]}"
exit "$status"
