#!/usr/bin/env bash
# The budget matrix (issue 18): makes the inputs under bench/out/matrix, builds dist/brook, then runs
# bench/budget_matrix.ts over every command x budget x runtime. usage:
#   bench/budget_matrix.sh [N=30000] [-- options of budget_matrix.ts: --runtimes, --commands, --budgets]
# Inputs: N x 384 embeddings (bench/make_embeddings.ts) and the pipe streams made from them at the default
# budget; an Exodus CDF-2 file of 280 MB (make_exodus.py 60 60 60 25) and a genome collection of 111 MB
# (make_genomes.py 10 2000000 5 7) from ../shared/peers (BROOK_PEERS to point elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-30000}; shift || true
[ "${1:-}" = "--" ] && shift
PEERS=${BROOK_PEERS:-../shared/peers}
if [ ! -d "$PEERS" ]; then echo "bench: $PEERS not found (set BROOK_PEERS)" >&2; exit 1; fi
D=bench/out/matrix; mkdir -p "$D"
BUN=node_modules/.bin/bun
B=bin/brook
[ -x dist/brook ] || npm run build:binary >/dev/null
[ -f "$D/emb.npy" ] || $BUN bench/make_embeddings.ts "$D/emb.npy" "$N" 384 7 2>/dev/null
[ -f "$D/tiny.npy" ] || $BUN bench/make_embeddings.ts "$D/tiny.npy" 16 384 7 2>/dev/null
[ -f "$D/emb.arrows" ] || $B read-embeddings "$D/emb.npy" >"$D/emb.arrows"
[ -f "$D/pairs.arrows" ] || $B tiled-cosine -t 0.8 <"$D/emb.arrows" >"$D/pairs.arrows"
[ -f "$D/edges.arrows" ] || $B threshold-edges <"$D/pairs.arrows" >"$D/edges.arrows"
[ -f "$D/edges.tsv" ] || $B write-tsv -o "$D/edges.tsv" <"$D/edges.arrows"
[ -f "$D/clusters.arrows" ] || $B leiden-recursive --max-size 1000 <"$D/edges.arrows" >"$D/clusters.arrows"
[ -f "$D/mesh.exo" ] || /usr/bin/python3 "$PEERS/make_exodus.py" "$D/mesh.exo" 60 60 60 25 4 2 NETCDF3_64BIT_OFFSET >/dev/null
[ -f "$D/genomes/ref.fa" ] || /usr/bin/python3 "$PEERS/make_genomes.py" "$D/genomes" 10 2000000 5 7 >/dev/null
G=$D/genomes
[ -f "$D/all.brk" ] || $B pack -q -o "$D/all.brk" $G/ref.fa $G/hap0{01..10}.fa
[ -f "$D/eight.brk" ] || $B pack -q -o "$D/eight.brk" $G/ref.fa $G/hap00{1..8}.fa
uptime
$BUN bench/budget_matrix.ts "$D" "$@"
