#!/usr/bin/env bash
# Leiden on graphs made on this machine (bench/real_graphs.py: the #include graph of /usr/include, imports of the
# JavaScript under node_modules and of Python's library, man-page cross-references, the dependency graph of Debian's
# package index, a synthetic dependency network, LFR-like graphs with degree exponent 2.1), issue 15's comparison:
# brook's leiden() with no options
# (Bun and Deno) against leidenalg until converged (n_iterations=-1) and igraph's community_leiden with
# n_iterations=2 (its documented default) and -1; all in-process, one run per seed, modularity by igraph (brook's
# own figure for brook), medians over SEEDS seeds; each graph's tools run back to back. Then a cold `brook leiden`
# process per seed (the "Leiden X s" of its summary: what a user sees, JIT warm-up included).
# usage: bench/leiden_real.sh [SEEDS=5]   (GRAPHS="include manxref" picks graphs; EXTRA="iterations=2" adds a
#        brook run with those options)
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${1:-5}
GRAPHS=${GRAPHS:-"include jsimports pyimports manxref debian deps-20000 lfr-steep-20000"}
DIR=bench/out/real; mkdir -p "$DIR"
LOG=bench/out/leiden_real.log; : > "$LOG"
for g in $GRAPHS; do
  [ -f "$DIR/$g.tsv" ] || /usr/bin/python3 bench/real_graphs.py "$DIR" "$g"
  {
    /usr/bin/python3 bench/leiden_real_peer.py "$DIR/$g.tsv" "$SEEDS"
    node_modules/.bin/bun bench/leiden_real.ts "$DIR/$g.tsv" "$SEEDS"
    node_modules/.bin/deno run -A bench/leiden_real.ts "$DIR/$g.tsv" "$SEEDS"
    [ -z "${EXTRA:-}" ] || node_modules/.bin/bun bench/leiden_real.ts "$DIR/$g.tsv" "$SEEDS" $EXTRA
    # a cold `brook leiden` per seed, as a user runs it: the Leiden seconds of its summary (JIT warm-up included)
    for s in $(seq 0 $((SEEDS - 1))); do
      bin/brook leiden "$DIR/$g.tsv" --out "bench/out/leiden-real-$g.tsv" --seed "$s" 2>&1 |
        sed -nE 's/.*Leiden ([0-9.]+) s.*/\1/p'
    done | sort -g | awk '{ a[NR] = $1 } END { printf "brook-cli median_s=%s\n", a[int((NR + 1) / 2)] }'
  } | sed "s/^/graph=$g /" | tee -a "$LOG"
done
/usr/bin/python3 - "$LOG" <<'PY'
import re, sys
rows = {}
for line in open(sys.argv[1]):
    graph, name, rest = line.split(" ", 2)
    rows.setdefault(graph[6:], {})[name] = dict(re.findall(r"(\w+)=(\S+)", rest))
print("\n| graph | nodes | edges | brook Q / s (Bun) | brook Deno s | brook CLI s (cold) | iterations | leidenalg -1 Q / s "
      "| igraph 2 Q / s | igraph -1 Q / s | Q brook - leidenalg | s brook / igraph 2 |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for g, r in rows.items():
    b, d, la, i2, i1 = r["brook-bun"], r["brook-deno"], r["leidenalg"], r["igraph2"], r["igraph-1"]
    print(f"| {g} | {la['n']} | {la['m']} | {b['median_Q']} / {float(b['median_s']):.3f} | {float(d['median_s']):.3f} "
          f"| {r['brook-cli']['median_s']} | {b['iterations']} | {la['median_Q']} / {float(la['median_s']):.3f} | {i2['median_Q']} / {float(i2['median_s']):.3f} "
          f"| {i1['median_Q']} / {float(i1['median_s']):.3f} | {float(b['median_Q']) - float(la['median_Q']):+.4f} "
          f"| {float(b['median_s']) / float(i2['median_s']):.2f} |")
PY
