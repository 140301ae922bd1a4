#!/usr/bin/env bash
# Parquet input under a memory budget: the same vectors as .npy, as arrow-rs Parquet (SNAPPY, ~1 MB pages,
# one row group of N rows: how pandas' pyarrow writes them too) and as DuckDB Parquet (COPY TO defaults:
# list pages of tens of MB), through `brook edges` on Bun and Deno back to back: wall, peak RSS, and
# whether each edge set equals the .npy run's (sorted: line order depends on the plan's block size).
# usage: bench/parquet_memory.sh [N=100000] [T=0.8] [MEMORY=64MB] [DUCKDB_MEMORY=400MB]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}; T=${2:-0.8}; MEM=${3:-64MB}; DMEM=${4:-400MB}
. bench/data.sh
bench_data "$N" "$T"
BUN=node_modules/.bin/bun
base=$OUT/emb$((N / 1000))k
[ -f "$base-arrow-rs.parquet" ] || $BUN bench/make_parquet.ts "$EMB" "$base-arrow-rs.parquet" arrow-rs
[ -f "$base-duckdb.parquet" ] || $BUN bench/make_parquet.ts "$EMB" "$base-duckdb.parquet" duckdb
for rt in bun deno; do
  for input in "$EMB $MEM" "$base-arrow-rs.parquet $MEM" "$base-duckdb.parquet $MEM" "$base-duckdb.parquet $DMEM"; do
    set -- $input
    out=$OUT/pq-$rt-$(basename "$1")-$2.tsv
    rm -f "$out"
    log=$( { /usr/bin/time -f "wall=%e rss_kb=%M" env BROOK_RUNTIME=$rt bin/brook edges "$1" \
      --threshold "$T" --memory "$2" --out "$out" --quiet; } 2>&1 ) || true
    if [ -f "$out" ]; then
      same=$(cmp -s <(sort "$out") <(sort "$OUT/pq-$rt-$(basename "$EMB")-$MEM.tsv") && echo yes || echo NO)
      echo "$rt $(basename "$1") --memory $2: $(echo "$log" | tail -1) same edges as .npy: $same"
    else
      echo "$rt $(basename "$1") --memory $2: refused: $(echo "$log" | head -1)"
    fi
  done
done
