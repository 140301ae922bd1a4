#!/usr/bin/env bash
# brook's edge sets against dump_threshold_edges.py's (FAISS exact) on make_embeddings.py sets.
# usage: bench/exact.sh [SIZES="20000 100000"] [THRESHOLDS="0.7 0.8 0.9"]
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${BROOK_PEERS:-../shared/peers}
SIZES=${1:-"20000 100000"}; THRESHOLDS=${2:-"0.7 0.8 0.9"}
OUT=bench/out; mkdir -p "$OUT"
for N in $SIZES; do
  BASE=$OUT/emb$((N / 1000))k; EMB=$BASE.npy
  [ -f "$EMB" ] || /usr/bin/python3 "$PEERS/make_embeddings.py" "$BASE" "$N" 384 >/dev/null
  for T in $THRESHOLDS; do
    REF=$OUT/ref$((N / 1000))k_$T.tsv
    [ -f "$REF" ] || /usr/bin/python3 "$PEERS/dump_threshold_edges.py" "$EMB" "$T" "$REF"
    node cli/brook.js edges "$EMB" --threshold "$T" --out "$OUT/exact-$N-$T.tsv" --quiet
    printf "n=%s t=%s " "$N" "$T"
    node_modules/.bin/bun bench/compare_edges.ts "$OUT/exact-$N-$T.tsv" "$REF" "$T" "$EMB"
  done
done
