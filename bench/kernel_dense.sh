#!/usr/bin/env bash
# The int8 screen where it is weakest: cosines crowded just under the threshold (bench/make_anisotropic.py),
# so the quantisation margin, not the screen, sets the cost. tiledCosine with the int8 screen and with the
# float32 FMA kernel, same input, same threshold, both runtimes; wall seconds and pairs (must agree).
# usage: bench/kernel_dense.sh [N=20000] [D=1536] [T=0.8] [SPIKES=0]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000}; D=${2:-1536}; T=${3:-0.8}; SPIKES=${4:-0}
OUT=bench/out; mkdir -p "$OUT"
EMB=$OUT/aniso-$N-$D-$SPIKES.npy
[ -f "$EMB" ] || /usr/bin/python3 bench/make_anisotropic.py "$EMB" "$N" "$D" 3 "$SPIKES"
node_modules/.bin/deno run -A --v8-flags=--max-semi-space-size=1,--expose-gc bench/kernel_dense.ts "$EMB" "$T"
BUN_JSC_forceRAMSize=134217728 node_modules/.bin/bun bench/kernel_dense.ts "$EMB" "$T"
