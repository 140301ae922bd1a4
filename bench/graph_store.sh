#!/usr/bin/env bash
# The graph store (bench/graph_store.ts under Bun and Deno) against graphology (../shared/peers/graphology_build.mjs
# under node), back to back, RUNS rounds; prints medians, the issue's targets and brook / graphology ratios.
# usage: bench/graph_store.sh [N=1000000] [M=1000000] [RUNS=3]
# Needs graphology in node_modules (a devDependency); the peer runs from where it is, through a temp dir in
# bench/out/ that holds symlinks to it and to node_modules (node --preserve-symlinks resolves from there).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}; M=${2:-1000000}; RUNS=${3:-3}
PEERS=$(cd "${BROOK_PEERS:-../shared/peers}" && pwd)
[ -d node_modules/graphology ] || { echo "graphology missing: npm install (it is a devDependency)" >&2; exit 1; }
OUT=bench/out; mkdir -p "$OUT"
PEER_DIR=$OUT/graphology-peer; mkdir -p "$PEER_DIR"
ln -sfn "$PEERS/graphology_build.mjs" "$PEER_DIR/graphology_build.mjs"
ln -sfn "$PWD/node_modules" "$PEER_DIR/node_modules"
LOG=$OUT/graph_store-$N-$M.log; : > "$LOG"
for r in $(seq "$RUNS"); do
  node_modules/.bin/bun bench/graph_store.ts "$N" "$M" | tee -a "$LOG"
  node_modules/.bin/deno run -A --v8-flags=--expose-gc bench/graph_store.ts "$N" "$M" | tee -a "$LOG"
  node --preserve-symlinks --preserve-symlinks-main "$PEER_DIR/graphology_build.mjs" "$N" "$M" | tee -a "$LOG"
done
/usr/bin/python3 - "$LOG" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, *kv = line.split()
    r = {k: float(v) for k, v in (x.split("=") for x in kv) if k != "check"}
    # the peer's neighbors_us is ms / 1e5 * 1e6, i.e. nanoseconds per query: convert to microseconds
    if name == "graphology": r["neighbors_us"] /= 1000
    runs.setdefault(name, []).append(r)
med = {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()}
b, d, p = med.get("brook-bun", {}), med.get("brook-deno", {}), med.get("graphology", {})
# (label, brook key, graphology key, target, digits)
rows = [
    ("nodes + 2 attrs, s", "node_s", "node_s", "", 3),
    ("edges (draw + build), s", "edge_s", "edge_s", "", 3),
    ("nodes + edges, s", "total_s", None, "<= 0.3 (Rust backends: 0.8 + 0.6)", 3),
    ("table B/node (arrays, capacity)", "table_B_per_node", None, "<= 24 + attrs", 1),
    ("  ids + hash B/node", "ids_B_per_node", None, "<= 24", 1),
    ("  attrs B/node (8 f64 + 4 i32)", "attrs_B_per_node", None, "", 1),
    ("CSR B/edge (with offsets)", "csr_B_per_edge", None, "<= 16 (Rust: 48)", 1),
    ("CSR B/edge (targets+weights)", "csr_B_per_edge_no_offsets", None, "<= 16", 1),
    ("RSS delta B/node", "rss_B_per_node", "bytes_per_node", "(Rust: 64)", 0),
    ("RSS delta B/edge", "rss_B_per_edge", "bytes_per_edge", "(Rust: 48)", 0),
    ("neighbour iteration, ns/entry", "iter_ns_per_entry", None, "<= 100 per edge", 2),
    ("  via neighbours() views", "iter_view_ns_per_entry", None, "", 2),
    ("100k random neighbours, us/query", "neighbors_us", "neighbors_us", "", 3),
    ("  by node number, us/query", "neighbors_by_number_us", None, "", 3),
    ("attribute iteration (sum), s", "attr_iter_s", "iter_s", "", 4),
]
fmt = lambda m, k, dg: f"{m[k]:.{dg}f}" if k and k in m else "-"
ratio = lambda m, k, pk: f"{m[k] / p[pk]:.4f}" if k in m and pk and p.get(pk) else "-"
print(f"\nmedians of {len(runs.get('graphology', []))} runs, n={int(b.get('nodes', 0))} m={int(b.get('edges', 0))}")
print("| measure | target | brook Bun | brook Deno | graphology | Bun / graphology | Deno / graphology |")
print("|---|---|---|---|---|---|---|")
for label, k, pk, target, dg in rows:
    print(f"| {label} | {target} | {fmt(b, k, dg)} | {fmt(d, k, dg)} | {fmt(p, pk, dg)} | {ratio(b, k, pk)} | {ratio(d, k, pk)} |")
if p:
    for name, m in (("Bun", b), ("Deno", d)):
        if m: print(f"{name}: nodes + edges {m['total_s']:.3f} s vs graphology {p['node_s'] + p['edge_s']:.2f} s: "
                    f"{m['total_s'] / (p['node_s'] + p['edge_s']):.4f} x")
PY
