#!/usr/bin/env bash
# Start-up before and after issue 12 (bench/startup.ts): the base commit's `bin/brook` against the bin of
# the package installed into a fresh project. usage: bench/startup.sh [RUNS=7] [BASE=49ff4c1]
# The Exodus job uses ../shared/data/exodus/8-block.g when it is there, and is left out otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-7}; BASE=${2:-49ff4c1}
OUT=bench/out/startup
rm -rf "$OUT"; mkdir -p "$OUT/before" "$OUT/app"
git archive "$BASE" | tar -x -C "$OUT/before"
ln -s "$(pwd)/node_modules" "$OUT/before/node_modules"
tarball=$(npm pack --silent --pack-destination "$(pwd)/$OUT" | tail -1)
(cd "$OUT/app" && printf '{ "name": "app", "private": true }\n' > package.json &&
  npm install --no-audit --no-fund --loglevel=error "../$tarball")
[ -f bench/out/emb-20000x384.npy ] || node_modules/.bin/bun bench/make_embeddings.ts bench/out/emb-20000x384.npy 20000 384
exo=../shared/data/exodus/8-block.g
[ -f "$exo" ] || exo=
node_modules/.bin/bun bench/startup.ts "$OUT/before" "$(pwd)/$OUT/app/node_modules/.bin/brook" \
  "$(pwd)/bench/out/emb-20000x384.npy" "$exo" "$RUNS"
