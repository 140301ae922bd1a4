#!/usr/bin/env bash
# The pipe chain against brook edges on the same make_embeddings.py set: identical output, wall time,
# and each stage's peak RSS against its own --memory (one /usr/bin/time per process), through the npm
# launcher on Bun and Deno and with the single binary (npm run build:binary first).
# usage: bench/pipes.sh [N=20000] [T=0.8]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000}; T=${2:-0.8}
PEERS=${BROOK_PEERS:-../shared/peers}
OUT=bench/out; mkdir -p "$OUT"
EMB=$OUT/emb$((N / 1000))k.npy
[ -f "$EMB" ] || /usr/bin/python3 "$PEERS/make_embeddings.py" "${EMB%.npy}" "$N" 384 >/dev/null
M_READ=128MB M_TILE=512MB M_EDGE=64MB M_WRITE=64MB
timed() { /usr/bin/time -o "$1" -f "wall=%es peak_rss_mb=%M" "${@:2}"; }
mb() { awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^peak_rss_mb=/) { split($i, a, "="); $i = "peak_rss=" int(a[2] / 1024) "MB" } } 1' "$1"; }
for how in bun deno binary; do
  if [ $how = binary ]; then
    [ -x dist/brook ] || { echo "bench: dist/brook missing (npm run build:binary)"; continue; }
    b=(env BUN_JSC_forceRAMSize=134217728 dist/brook)
  else
    b=(env BROOK_RUNTIME=$how bin/brook)
  fi
  timed $OUT/t-edges-$how "${b[@]}" edges "$EMB" --threshold "$T" --memory $M_TILE --out $OUT/pipes-edges-$how.tsv --quiet
  t0=$(date +%s.%N)
  timed $OUT/t-read-$how "${b[@]}" read-embeddings "$EMB" --memory $M_READ |
    timed $OUT/t-tile-$how "${b[@]}" tiled-cosine --threshold "$T" --memory $M_TILE |
    timed $OUT/t-thr-$how "${b[@]}" threshold-edges --memory $M_EDGE |
    timed $OUT/t-write-$how "${b[@]}" write-tsv $OUT/pipes-chain-$how.tsv --memory $M_WRITE
  t1=$(date +%s.%N)
  same=$(cmp -s $OUT/pipes-edges-$how.tsv $OUT/pipes-chain-$how.tsv && echo identical || echo DIFFERENT)
  echo "$how: n=$N t=$T, $(wc -l <$OUT/pipes-chain-$how.tsv) edges, chain output $same to brook edges"
  echo "  brook edges --memory $M_TILE: $(mb $OUT/t-edges-$how)"
  echo "  chain wall=$(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }")s"
  echo "    read-embeddings --memory $M_READ: $(mb $OUT/t-read-$how)"
  echo "    tiled-cosine    --memory $M_TILE: $(mb $OUT/t-tile-$how)"
  echo "    threshold-edges --memory $M_EDGE: $(mb $OUT/t-thr-$how)"
  echo "    write-tsv       --memory $M_WRITE: $(mb $OUT/t-write-$how)"
done
