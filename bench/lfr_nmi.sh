#!/usr/bin/env bash
# NMI to the planted partition over several LFR graphs and seeds: brook's leiden (Bun, in process) against
# leidenalg and igraph's community_leiden, modularity objective. Per mu: the mean over GRAPHS graphs of each
# tool's mean NMI over SEEDS seeds, and of the NMI of its best-modularity run; then brook minus leidenalg
# per graph (mean NMI, mean modularity), averaged over the graphs with its standard error.
# usage: bench/lfr_nmi.sh [N=5000] [GRAPHS=5] [SEEDS=5]   (MUS="0.1 0.3" to pick)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5000}; GRAPHS=${2:-5}; SEEDS=${3:-5}; MUS=${MUS-"0.1 0.2 0.3 0.4 0.5"}
PY=/usr/bin/python3
DIR=bench/out/lfr; mkdir -p "$DIR"
LOG=bench/out/lfr-nmi-$N.log; : > "$LOG"
for mu in $MUS; do
  for gs in $(seq 1 "$GRAPHS"); do
    P=$DIR/lfr-$N-$mu-g$gs
    [ -f "$P.tsv" ] || $PY bench/lfr.py make "$P" "$N" "$mu" "$gs" > /dev/null
    node_modules/.bin/bun bench/leiden_memberships.ts "$P.tsv" "$N" "$SEEDS" "$P.brook"
    $PY bench/lfr.py compare "$P" "$SEEDS" "$P.brook" | sed "s/^/mu=$mu graph=$gs /" | tee -a "$LOG"
  done
done
$PY - "$LOG" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kv = dict(re.findall(r"(\S+)=(\S+)", line))
    tool = line.split()[2]
    rows.setdefault(kv["mu"], {}).setdefault(tool, []).append(kv)
print("\n| mu | graphs | mean NMI brook | leidenalg | igraph | best-Q NMI brook | leidenalg | igraph | mean Q brook | leidenalg | igraph |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for mu, r in rows.items():
    m = lambda t, k: statistics.mean(float(x[k]) for x in r[t])
    print(f"| {mu} | {len(r['brook'])} | " + " | ".join(f"{m(t, k):.4f}" for k in ("mean_nmi", "best_q_nmi", "mean_q")
                                                  for t in ("brook", "leidenalg", "igraph")) + " |")
# paired by graph: brook - leidenalg per graph, then mean +- standard error over the graphs
print("\n| mu | graphs | mean NMI brook - leidenalg (+- s.e.) | mean Q brook - leidenalg (+- s.e.) |")
print("|---|---|---|---|")
for mu, r in rows.items():
    cells = []
    for k in ("mean_nmi", "mean_q"):
        d = [float(b[k]) - float(l[k]) for b, l in zip(r["brook"], r["leidenalg"])]
        se = statistics.stdev(d) / len(d) ** 0.5 if len(d) > 1 else float("nan")
        cells.append(f"{statistics.mean(d):+.4f} +- {se:.4f}")
    print(f"| {mu} | {len(r['brook'])} | " + " | ".join(cells) + " |")
PY
