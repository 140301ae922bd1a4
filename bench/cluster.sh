#!/usr/bin/env bash
# brook cluster vs the Python pipeline it replaces (seed000_pipeline.py chunked: sklearn cosine in 4096-row
# chunks, threshold, igraph, recursive leidenalg), back to back, whole processes: wall time and peak RSS.
# usage: bench/cluster.sh [N=100000] [T=0.8] [MAX=1000] [MEMORY=256MB] [RUNS=1]
# Needs the peers of ../shared/peers (BROOK_PEERS to point elsewhere): python3-sklearn, -igraph, -leidenalg.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}; T=${2:-0.8}; MAX=${3:-1000}; MEMORY=${4:-256MB}; RUNS=${5:-1}
. bench/data.sh
bench_data "$N" "$T"
LOG=$OUT/cluster-$N-$T.log; : > "$LOG"
for r in $(seq "$RUNS"); do
  /usr/bin/time -f "python wall=%e rss_kb=%M" /usr/bin/python3 "$PEERS/seed000_pipeline.py" "$EMB" "$T" "$MAX" chunked \
    >>"$LOG" 2>&1
  for rt in deno bun; do
    BROOK_RUNTIME=$rt /usr/bin/time -f "$rt wall=%e rss_kb=%M" bin/brook cluster "$EMB" --threshold "$T" \
      --max-size "$MAX" --memory "$MEMORY" --out "$OUT/clusters-$rt.tsv" 2>>"$LOG"
  done
done
cmp "$OUT/clusters-deno.tsv" "$OUT/clusters-bun.tsv" && echo "deno and bun clusters identical" | tee -a "$LOG"
grep -E "^n=|brook cluster:" "$LOG" | tail -3
/usr/bin/python3 bench/medians.py "$LOG" python
