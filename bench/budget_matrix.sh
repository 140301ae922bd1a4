#!/usr/bin/env bash
# The budget matrix (issue 18): makes the inputs under bench/out/matrix, builds dist/brook, then runs
# bench/budget_matrix.ts over every command x budget x runtime. usage:
#   bench/budget_matrix.sh [N=30000] [-- options of budget_matrix.ts: --runtimes, --commands, --budgets]
# Inputs (bench/out/matrix): N x 384 embeddings (bench/make_embeddings.ts) and the pipe streams made from them
# at the default budget (read-embeddings at --memory 32MB, so its batches suit small budgets downstream);
# an Exodus CDF-2 file of 280 MB (make_exodus.py 60 60 60 25) and a genome collection of 111 MB
# (make_genomes.py 10 2000000 5 7) from ../shared/peers (BROOK_PEERS to point elsewhere).
# The same layout in bench/out/matrix/tiny (16 embeddings, a 2 x 2 x 2 mesh, 20 kbp genomes) gives each
# command's baseline: the runtime with that command's code loaded, and no data to speak of.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-30000}; shift || true
[ "${1:-}" = "--" ] && shift
PEERS=${BROOK_PEERS:-../shared/peers}
if [ ! -d "$PEERS" ]; then echo "bench: $PEERS not found (set BROOK_PEERS)" >&2; exit 1; fi
BUN=node_modules/.bin/bun
B=bin/brook
[ -x dist/brook ] || npm run build:binary >/dev/null

# inputs DIR ROWS "MESH ARGS" "GENOME ARGS"
inputs() {
  local D=$1 G=$1/genomes
  mkdir -p "$D"
  [ -f "$D/emb.npy" ] || $BUN bench/make_embeddings.ts "$D/emb.npy" "$2" 384 7 2>/dev/null
  [ -f "$D/emb.arrows" ] || $B read-embeddings "$D/emb.npy" --memory 32MB >"$D/emb.arrows"
  [ -f "$D/pairs.arrows" ] || $B tiled-cosine -t 0.8 <"$D/emb.arrows" >"$D/pairs.arrows"
  [ -f "$D/edges.arrows" ] || $B threshold-edges <"$D/pairs.arrows" >"$D/edges.arrows"
  [ -f "$D/edges.tsv" ] || $B write-tsv -o "$D/edges.tsv" <"$D/edges.arrows"
  [ -f "$D/clusters.arrows" ] || $B leiden-recursive --max-size 1000 <"$D/edges.arrows" >"$D/clusters.arrows"
  # shellcheck disable=SC2086
  [ -f "$D/mesh.exo" ] || /usr/bin/python3 "$PEERS/make_exodus.py" "$D/mesh.exo" $3 4 2 NETCDF3_64BIT_OFFSET >/dev/null
  # shellcheck disable=SC2086
  [ -f "$G/ref.fa" ] || /usr/bin/python3 "$PEERS/make_genomes.py" "$G" $4 >/dev/null
  [ -f "$D/all.brk" ] || $B pack -q -o "$D/all.brk" "$G/ref.fa" "$G"/hap0{01..10}.fa
  [ -f "$D/eight.brk" ] || $B pack -q -o "$D/eight.brk" "$G/ref.fa" "$G"/hap00{1..8}.fa
}
inputs bench/out/matrix "$N" "60 60 60 25" "10 2000000 5 7"
inputs bench/out/matrix/tiny 16 "2 2 2 1" "10 20000 1 3"
uptime
$BUN bench/budget_matrix.ts bench/out/matrix "$@"
