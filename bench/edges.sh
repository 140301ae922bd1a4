#!/usr/bin/env bash
# brook edges vs FAISS range_search (faiss_range.py), back to back, plus the exactness check against
# dump_threshold_edges.py. usage: bench/edges.sh [N=100000] [T=0.8] [RUNS=3]
# Needs the peers of ../shared/peers (BROOK_PEERS to point elsewhere) and Debian's python3-faiss.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}; T=${2:-0.8}; RUNS=${3:-3}
. bench/data.sh
bench_data "$N" "$T"
BUN=node_modules/.bin/bun
LOG=$OUT/edges-$N-$T.log; : > "$LOG"
for r in $(seq "$RUNS"); do
  /usr/bin/time -f "faiss wall=%e rss_kb=%M" /usr/bin/python3 "$PEERS/faiss_range.py" "$EMB" "$T" 2>>"$LOG" >>"$LOG"
  BROOK_RUNTIME=deno /usr/bin/time -f "deno wall=%e rss_kb=%M" bin/brook edges "$EMB" --threshold "$T" --out "$OUT/brook-deno.tsv" --quiet 2>>"$LOG"
  BROOK_RUNTIME=bun /usr/bin/time -f "bun wall=%e rss_kb=%M" bin/brook edges "$EMB" --threshold "$T" --out "$OUT/brook-bun.tsv" --quiet 2>>"$LOG"
done
cmp "$OUT/brook-deno.tsv" "$OUT/brook-bun.tsv" && echo "deno and bun edge files identical" | tee -a "$LOG"
$BUN bench/compare_edges.ts "$OUT/brook-deno.tsv" "$REF" "$T" "$EMB" | tee -a "$LOG"
/usr/bin/python3 bench/medians.py "$LOG" faiss
