#!/usr/bin/env bash
# brook's edge sets against dump_threshold_edges.py's (FAISS exact) on make_embeddings.py sets.
# usage: bench/exact.sh [SIZES="20000 100000"] [THRESHOLDS="0.7 0.8 0.9"]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${1:-"20000 100000"}; THRESHOLDS=${2:-"0.7 0.8 0.9"}
. bench/data.sh
for N in $SIZES; do
  for T in $THRESHOLDS; do
    bench_data "$N" "$T"
    bin/brook edges "$EMB" --threshold "$T" --out "$OUT/exact-$N-$T.tsv" --quiet
    printf "n=%s t=%s " "$N" "$T"
    node_modules/.bin/bun bench/compare_edges.ts "$OUT/exact-$N-$T.tsv" "$REF" "$T" "$EMB"
  done
done
