#!/usr/bin/env bash
# brook leiden (Bun) against leidenalg and igraph's community_leiden, back to back, modularity objective:
#  1. LFR graphs (bench/lfr.py, networkx) for mu 0.1 .. 0.5: NMI to the planted communities and modularity
#     of the best-Q run over seeds 0 .. SEEDS-1, median seconds of the algorithm alone (brook: "Leiden X s"
#     from its summary; peers: the call alone, not loading);
#  2. the threshold graphs bench/out/exact-{20000,100000}-0.8.tsv (weighted `i j w`, from bench/exact.sh)
#     when present, against ../shared/peers/leiden_peer.py (weighted): best Q and median seconds.
# usage: bench/leiden.sh [N=5000] [SEEDS=5]   (MUS="0.1 0.3", EXACT="20000" or EXACT= to pick the graphs)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5000}; SEEDS=${2:-5}; MUS=${MUS-"0.1 0.2 0.3 0.4 0.5"}; EXACT=${EXACT-"20000 100000"}
PEERS=${BROOK_PEERS:-../shared/peers}
PY=/usr/bin/python3
DIR=bench/out/lfr; mkdir -p "$DIR"
LOG=bench/out/leiden-$N.log; : > "$LOG"

# brook leiden over seeds: one line per seed, `brook seed=S Q=... leiden_s=...` (Q as brook reports it)
brook_seeds() {
  local edges=$1 out=$2; shift 2
  for s in $(seq 0 $((SEEDS - 1))); do
    bin/brook leiden "$edges" --out "$out-$s.tsv" --seed "$s" "$@" 2> "$out.err"
    sed -nE "s/.*; modularity ([0-9.-]+)$/brook seed=$s Q=\1/p; s/.*Leiden ([0-9.]+) s.*/leiden_s=\1/p" "$out.err" |
      paste -sd' '
  done
}

for mu in $MUS; do
  P=$DIR/lfr-$N-$mu
  [ -f "$P.tsv" ] || $PY bench/lfr.py make "$P" "$N" "$mu" 1 | sed "s/^/mu=$mu /" >> "$LOG"
  $PY bench/lfr.py peer "$P" "$SEEDS" | sed "s/^/mu=$mu /" >> "$LOG"
  brook_seeds "$P.tsv" "$P-brook" --nodes "$N" | sed "s/^/mu=$mu /" >> "$LOG"
  best=$(grep "^mu=$mu brook seed=" "$LOG" | sort -t= -k4,4gr | head -1 | sed -E 's/.*seed=([0-9]+).*/\1/')
  $PY bench/lfr.py score "$P" "$P-brook-$best.tsv" | sed "s/^brook/mu=$mu brook-best seed=$best/" >> "$LOG"
done
for n in $EXACT; do
  E=bench/out/exact-$n-0.8.tsv
  [ -f "$E" ] || continue
  $PY "$PEERS/leiden_peer.py" "$E" "$SEEDS" weighted | sed "s/^/graph=$n /; s/: / /" >> "$LOG"
  brook_seeds "$E" "bench/out/leiden-exact-$n" | sed "s/^/graph=$n /" >> "$LOG"
done

$PY - "$LOG" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kv = dict(re.findall(r"(\S+)=(\S+)", line))
    key = ("mu", kv["mu"]) if "mu" in kv else ("graph", kv["graph"])
    name = line.split()[1]
    rows.setdefault(key, {}).setdefault(name, []).append(kv)
def brook(r):  # best Q over seeds (brook's own figure), median Leiden seconds
    b = r.get("brook", [])
    return max(float(x["Q"]) for x in b), statistics.median(float(x["leiden_s"]) for x in b)
print("\nLFR (networkx, tau1 3, tau2 1.5, average degree 10, max degree 50); best-Q run of seeds; Q by igraph")
print("| mu | NMI brook | NMI leidenalg | NMI igraph | Q brook | Q leidenalg | Q igraph "
      "| s brook | s leidenalg | s igraph | brook / igraph s | brook / leidenalg s |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for (kind, v), r in rows.items():
    if kind != "mu" or "brook-best" not in r: continue
    bb, la, ig = r["brook-best"][0], r["leidenalg"][0], r["igraph"][0]
    _, bs = brook(r)
    ls, gs = float(la["median_s"]), float(ig["median_s"])
    print(f"| {v} | {bb['nmi']} | {la['nmi']} | {ig['nmi']} | {bb['Q']} | {la['best_Q']} | {ig['best_Q']} "
          f"| {bs:.3f} | {ls:.3f} | {gs:.3f} | {bs / gs:.2f} | {bs / ls:.3f} |")
graphs = [(v, r) for (kind, v), r in rows.items() if kind == "graph"]
if graphs:
    print("\nthreshold graphs (cosine > 0.8, weighted), leiden_peer.py; best Q and median seconds over seeds")
    print("| n | edges | Q brook | Q leidenalg | Q igraph | s brook | s leidenalg | s igraph "
          "| brook / igraph s | brook / leidenalg s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for v, r in graphs:
        la, ig = r["leidenalg"][0], r["igraph"][0]
        bq, bs = brook(r)
        ls, gs = float(la["median_s"]), float(ig["median_s"])
        print(f"| {v} | {la['m']} | {bq:.4f} | {la['best_Q']} | {ig['best_Q']} | {bs:.3f} | {ls:.3f} | {gs:.3f} "
              f"| {bs / gs:.2f} | {bs / ls:.3f} |")
PY
