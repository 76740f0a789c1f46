#!/usr/bin/env bash
# Chunked encryption (recordings) against OpenSSL's raw AES-256-GCM, in one run:
#   - `openssl speed -evp aes-256-gcm -bytes 16384 -seconds 3` (encryption) and the same
#     with -decrypt: OpenSSL's own loop of EVP_*Update calls over one 16 KiB buffer, no
#     per-chunk nonce, tag or copy — the ceiling for AES-256-GCM on this CPU;
#   - our Google Benchmarks (already built: this script builds nothing):
#     BM_ChunkedEncrypt64MiB / BM_ChunkedDecrypt64MiB (a 64 MiB recording in 64 KiB
#     pieces through ChunkedEncryptor / ChunkedDecryptor, 16 KiB chunks) and, for
#     context, BM_FieldSeal / BM_FieldOpen at 64 B, 1 KiB and 16 KiB.
# Prints the chunked throughputs as a ratio of OpenSSL's at 16 KiB (target: >= 0.8).
# Both sides divide by CPU time (openssl speed's default; Google Benchmark's rates), so
# other work on a shared machine disturbs the ratio less than wall time would.
#
#   bench/crypto_vs_openssl.sh [BUILD_DIR]     (needs BUILD_DIR/bench/alcove_bench:
#                                               cmake --build BUILD_DIR --target alcove_bench)
#
# Bounded: openssl runs 2 x OPENSSL_SECONDS (default 3); the benchmarks run
# BENCH_REPETITIONS times (default 3; the median is reported), each command under a
# timeout of 300 s.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${OPENSSL_SECONDS:-3}
reps=${BENCH_REPETITIONS:-3}
bench="$build/bench/alcove_bench"
[[ -x "$bench" ]] || { echo "no $bench: cmake --build $build --target alcove_bench"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

openssl_rate() {  # [-decrypt] -> bytes per CPU second at 16 KiB
  timeout 300 openssl speed -mr "$@" -evp aes-256-gcm -bytes 16384 -seconds "$seconds" \
    2>/dev/null | awk -F: '/^\+F:/ {print $4}'
}

echo "$(openssl version); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "openssl speed -evp aes-256-gcm -bytes 16384 -seconds $seconds (and -decrypt)"
ossl_enc=$(openssl_rate)
ossl_dec=$(openssl_rate -decrypt)
[[ -n "$ossl_enc" && -n "$ossl_dec" ]] || { echo "openssl speed gave no result"; exit 1; }

filter='^BM_Chunked(Encrypt|Decrypt)64MiB$|^BM_Field(Seal|Open)/(64|1024|16384)$'
echo "$bench --benchmark_filter='$filter' --benchmark_repetitions=$reps"
timeout 300 "$bench" --benchmark_filter="$filter" --benchmark_repetitions="$reps" \
  --benchmark_report_aggregates_only=true --benchmark_out="$work/bench.json" \
  --benchmark_out_format=json >/dev/null 2>"$work/bench.err" || { cat "$work/bench.err"; exit 1; }

/usr/bin/python3 - "$work/bench.json" "$ossl_enc" "$ossl_dec" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["benchmarks"]
enc, dec = float(sys.argv[2]), float(sys.argv[3])
# The median of the repetitions (or the one run when there is one).
median = {b["run_name"]: b for b in runs if b.get("run_type") == "iteration"}
median.update({b["run_name"]: b for b in runs if b.get("aggregate_name") == "median"})
def gbs(x): return f"{x / 1e9:6.2f} GB/s"
print(f"openssl AES-256-GCM 16 KiB   encrypt {gbs(enc)}   decrypt {gbs(dec)}")
for name in ["BM_FieldSeal/64", "BM_FieldSeal/1024", "BM_FieldSeal/16384",
             "BM_FieldOpen/64", "BM_FieldOpen/1024", "BM_FieldOpen/16384"]:
    b = median[name]
    us = b["cpu_time"] * {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[b["time_unit"]]
    print(f"{name:28s} {us:8.2f} us CPU   {gbs(b['bytes_per_second'])}")
ce = median["BM_ChunkedEncrypt64MiB"]["bytes_per_second"]
cd = median["BM_ChunkedDecrypt64MiB"]["bytes_per_second"]
print(f"{'BM_ChunkedEncrypt64MiB':28s} {gbs(ce)}   ratio to openssl encrypt {ce / enc:.2f}")
print(f"{'BM_ChunkedDecrypt64MiB':28s} {gbs(cd)}   ratio to openssl encrypt {cd / enc:.2f}"
      f"   (to openssl -decrypt {cd / dec:.2f})")
PY
