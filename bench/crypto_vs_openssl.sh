#!/usr/bin/env bash
# Chunked encryption (recordings) against OpenSSL's raw AES-256-GCM, in one run:
#   - `openssl speed -evp aes-256-gcm -bytes 16384 -seconds 3` (encryption) and the same
#     with -decrypt: OpenSSL's own loop of EVP_*Update calls over one hot 16 KiB buffer,
#     no per-chunk nonce, tag or copy — the ceiling for AES-256-GCM on this CPU;
#   - our Google Benchmarks (already built: this script builds nothing):
#     BM_ChunkedEncrypt64MiB / BM_ChunkedDecrypt64MiB (a 64 MiB recording in 64 KiB
#     pieces through ChunkedEncryptor / ChunkedDecryptor, 16 KiB chunks) and, for
#     context, BM_FieldSeal / BM_FieldOpen at 64 B, 1 KiB and 16 KiB.
# OpenSSL and the chunked benchmarks alternate in ROUNDS rounds (default 3), so a change
# of load on a shared machine hits both sides of a round; each round's ratio is printed,
# then the median ratios. Target: chunked >= 0.8 of OpenSSL. Both sides divide by CPU
# time (openssl speed's default; Google Benchmark's rates).
#
#   bench/crypto_vs_openssl.sh [BUILD_DIR]     (needs BUILD_DIR/bench/alcove_bench:
#                                               cmake --build BUILD_DIR --target alcove_bench)
#
# Bounded: per round 2 x OPENSSL_SECONDS (default 3) of openssl and about 3 s of
# benchmarks, then about 5 s of field benchmarks; every command under a 300 s timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${OPENSSL_SECONDS:-3}
rounds=${ROUNDS:-3}
bench="$build/bench/alcove_bench"
[[ -x "$bench" ]] || { echo "no $bench: cmake --build $build --target alcove_bench"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

openssl_rate() {  # [-decrypt] -> bytes per CPU second at 16 KiB
  timeout 300 openssl speed -mr "$@" -evp aes-256-gcm -bytes 16384 -seconds "$seconds" \
    2>/dev/null | awk -F: '/^\+F:/ {print $4}'
}

run_bench() {  # FILTER OUT.json [extra flags]
  local filter=$1 out=$2
  shift 2
  timeout 300 "$bench" --benchmark_filter="$filter" --benchmark_out="$out" \
    --benchmark_out_format=json "$@" >/dev/null 2>"$work/bench.err" ||
    { cat "$work/bench.err"; exit 1; }
}

echo "$(openssl version); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "per round: openssl speed -evp aes-256-gcm -bytes 16384 -seconds $seconds (and -decrypt);"
echo "           $bench --benchmark_filter='^BM_Chunked(Encrypt|Decrypt)64MiB\$'"
for r in $(seq 1 "$rounds"); do
  enc=$(openssl_rate)
  dec=$(openssl_rate -decrypt)
  [[ -n "$enc" && -n "$dec" ]] || { echo "openssl speed gave no result"; exit 1; }
  echo "$enc $dec" >"$work/openssl-$r"
  run_bench '^BM_Chunked(Encrypt|Decrypt)64MiB$' "$work/chunked-$r.json"
done
run_bench '^BM_Field(Seal|Open)/(64|1024|16384)$' "$work/field.json" --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"

/usr/bin/python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
def gbs(x): return f"{x / 1e9:5.2f} GB/s"
def runs(path):
    out = {b["run_name"]: b for b in json.load(open(path))["benchmarks"]
           if b.get("run_type") == "iteration"}
    out.update({b["run_name"]: b for b in json.load(open(path))["benchmarks"]
                if b.get("aggregate_name") == "median"})
    return out
ratios = {"enc": [], "dec": [], "dec_dec": []}
for r in range(1, rounds + 1):
    enc, dec = map(float, open(f"{work}/openssl-{r}").read().split())
    b = runs(f"{work}/chunked-{r}.json")
    ce = b["BM_ChunkedEncrypt64MiB"]["bytes_per_second"]
    cd = b["BM_ChunkedDecrypt64MiB"]["bytes_per_second"]
    ratios["enc"].append(ce / enc); ratios["dec"].append(cd / enc); ratios["dec_dec"].append(cd / dec)
    print(f"round {r}: openssl encrypt {gbs(enc)} decrypt {gbs(dec)} | chunked encrypt {gbs(ce)}"
          f" ({ce / enc:.2f}) decrypt {gbs(cd)} ({cd / enc:.2f}; {cd / dec:.2f} of -decrypt)")
f = runs(f"{work}/field.json")
for name in ["BM_FieldSeal/64", "BM_FieldSeal/1024", "BM_FieldSeal/16384",
             "BM_FieldOpen/64", "BM_FieldOpen/1024", "BM_FieldOpen/16384"]:
    b = f[name]
    us = b["cpu_time"] * {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[b["time_unit"]]
    print(f"{name:20s} {us:7.2f} us CPU  {gbs(b['bytes_per_second'])}")
m = {k: statistics.median(v) for k, v in ratios.items()}
print(f"median ratio to openssl AES-256-GCM 16 KiB: chunked encrypt {m['enc']:.2f}, "
      f"chunked decrypt {m['dec']:.2f} ({m['dec_dec']:.2f} of openssl -decrypt)")
PY
