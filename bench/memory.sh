#!/usr/bin/env bash
# Peak RSS of brook edges under --memory, against the runtime's own baseline, and the edge set each
# budget produces against the reference. usage: bench/memory.sh [N=100000] [T=0.8]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}; T=${2:-0.8}
. bench/data.sh
bench_data "$N" "$T"
BUN=node_modules/.bin/bun
# baseline: the same command on a 16 x 384 input, so the runtime, its JIT, Effect and two workers
# with their WebAssembly instances are all loaded, but no data to speak of
$BUN bench/make_embeddings.ts "$OUT/tiny.npy" 16 384 2>/dev/null
for rt in deno bun; do
  # through the launcher, which sets each runtime's GC flags; /usr/bin/time reports the largest process
  run() { BROOK_RUNTIME=$rt bin/brook "$@"; }
  base=$( { /usr/bin/time -f "%M" bash -c "$(declare -f run); rt=$rt run edges $OUT/tiny.npy --threshold $T --out $OUT/tiny.tsv --quiet" ; } 2>&1 | tail -1)
  echo "$rt baseline peak_rss=$((base / 1024)) MB"
  for mem in 256MB 64MB; do
    out=$OUT/mem-$rt-$mem.tsv
    line=$( { /usr/bin/time -f "wall=%e rss_kb=%M" bash -c "$(declare -f run); rt=$rt run edges $EMB --threshold $T --memory $mem --out $out" ; } 2>&1 | tail -3 | tr '\n' ' ')
    rss=$(echo "$line" | sed -E 's/.*rss_kb=([0-9]+).*/\1/')
    echo "$rt --memory $mem: peak_rss=$((rss / 1024)) MB over_baseline=$(((rss - base) / 1024)) MB; $line"
    $BUN bench/compare_edges.ts "$out" "$REF" "$T" | sed "s/^/  /"
  done
done
