#!/usr/bin/env bash
# The audit benchmarks on both engines: starts a throwaway PostgreSQL cluster
# (scripts/pg-test-cluster, SSL only, under BUILD_DIR/pg), points the PostgreSQL audit
# benchmarks at it (BENCH_PG_OWNER_URL / BENCH_PG_APP_URL), runs them, stops the cluster.
#
#   bench/audit_pg.sh [BUILD_DIR] [benchmark flags...]
#       (needs BUILD_DIR/bench/alcove_bench: cmake --build BUILD_DIR --target alcove_bench;
#        default filter Audit, i.e. every audit benchmark, SQLite and PostgreSQL)
#
# Bounded: 6.5-11.5 minutes with --benchmark_repetitions=3 on the shared 2-vCPU machine
# under load 3-10 (most of it filling the logs of the verify benchmarks: 1,000,000 events
# on SQLite, 100,000 on PostgreSQL); the benchmark program is killed after 20 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
bench="$build/bench/alcove_bench"
[[ -x "$bench" ]] || { echo "no $bench: cmake --build $build --target alcove_bench"; exit 1; }

eval "$(scripts/pg-test-cluster start "$build")"
trap 'scripts/pg-test-cluster stop "$build"' EXIT
export BENCH_PG_OWNER_URL=$TEST_PG_OWNER_URL
export BENCH_PG_APP_URL=$TEST_PG_APP_URL
unset TEST_PG_OWNER_URL TEST_PG_APP_URL TEST_PG_SOCKET_URL

filter=(--benchmark_filter=Audit)
for arg in "$@"; do
  [[ $arg == --benchmark_filter=* ]] && filter=()
done
timeout 1200 "$bench" "${filter[@]}" "$@"
