#!/usr/bin/env bash
# Leiden speed like for like: brook's leiden() and igraph's community_leiden timed in-process, seeds in one
# process, same iteration counts (-1: brook until no node moves, igraph 0.10's -1, which runs ONE iteration;
# 1: one iteration each), back to back, on the graphs bench/leiden.sh made (LFR) and the threshold graphs.
# usage: bench/leiden_speed.sh [SEEDS=5]   (run bench/leiden.sh first, or set GRAPHS="a.tsv b.tsv")
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${1:-5}
OUT=bench/out; LOG=$OUT/leiden_speed.log; : > "$LOG"
GRAPHS=${GRAPHS:-$(ls $OUT/lfr/lfr-5000-0.[1-5].tsv $OUT/exact-20000-0.8.tsv $OUT/exact-100000-0.8.tsv 2>/dev/null)}
for g in $GRAPHS; do
  echo "graph=$g" >> "$LOG"
  /usr/bin/python3 bench/leiden_igraph.py "$g" "$SEEDS" >> "$LOG"
  node_modules/.bin/bun bench/leiden_inprocess.ts "$g" "$SEEDS" >> "$LOG"
  node_modules/.bin/deno run -A bench/leiden_inprocess.ts "$g" "$SEEDS" >> "$LOG"
done
/usr/bin/python3 - "$LOG" <<'PY'
import re, sys
rows, graph, cur = [], None, {}
for line in open(sys.argv[1]):
    if line.startswith("graph="):
        graph = line.split("=", 1)[1].strip().split("/")[-1]; continue
    name = line.split()[0]; kv = dict(x.split("=") for x in line.split()[1:])
    it = kv.get("iterations", kv.get("n_iterations"))
    cur.setdefault((graph, it), {})[name] = (float(kv["median_ms"]), float(kv["first_ms"]), kv["best_Q"])
print("| graph | iterations | igraph ms (Q) | brook Bun ms, first (Q) | Bun / igraph | brook Deno ms | Deno / igraph |")
print("|---|---|---|---|---|---|---|")
for (graph, it), r in cur.items():
    i, b, d = r.get("igraph"), r.get("brook-bun"), r.get("brook-deno")
    if not (i and b and d): continue
    print(f"| {graph} | {it} | {i[0]:.1f} ({i[2]}) | {b[0]:.1f}, {b[1]:.1f} ({b[2]}) | {b[0]/i[0]:.2f} | {d[0]:.1f} | {d[0]/i[0]:.2f} |")
PY
