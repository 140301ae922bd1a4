#!/usr/bin/env bash
# CI: build the single binary (npm run build:binary) and run brook's jobs with it on an empty
# environment (no Deno, Bun or Node on PATH): the edges command, and the pipe chain, which must
# write the same edges. Run from the repository root after npm install.
set -euo pipefail
npm run build:binary
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npx bun bench/make_embeddings.ts "$work/emb.npy" 3000 64
bin/brook edges "$work/emb.npy" --threshold 0.8 --out "$work/expected.tsv" --quiet
bin=$(pwd)/dist/brook
cd "$work"
env -i PATH=/nonexistent "$bin" edges emb.npy --threshold 0.8 --memory 256MB --out binary.tsv --quiet
env -i PATH=/nonexistent /bin/bash -o pipefail -c \
  "'$bin' read-embeddings emb.npy | '$bin' tiled-cosine --threshold 0.8 --memory 256MB | '$bin' threshold-edges | '$bin' write-tsv pipe.tsv"
cmp expected.tsv binary.tsv
cmp expected.tsv pipe.tsv
echo "binary: $(du -m "$bin" | cut -f1) MB; edges and the pipe chain with an empty PATH match ($(wc -l <expected.tsv) edges)"
