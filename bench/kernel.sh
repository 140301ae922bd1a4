#!/usr/bin/env bash
# Kernel GFLOPS (bench/kernel.ts, every variant, both runtimes) next to numpy's sgemm on the same
# machine in the same run. usage: bench/kernel.sh [N=20000]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000}; OUT=bench/out; mkdir -p "$OUT"
EMB=$OUT/kernel-$N.npy
[ -f "$EMB" ] || node_modules/.bin/bun bench/make_embeddings.ts "$EMB" "$N" 384
/usr/bin/python3 - <<'PY'
import time, numpy as np
a = np.random.default_rng(1).standard_normal((4096, 384), dtype=np.float32)
b = np.random.default_rng(2).standard_normal((20000, 384), dtype=np.float32)
a @ b.T
best = min((lambda t0: (a @ b.T, time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(5))
print(f"numpy sgemm 4096 x 20000 x 384: {2 * 4096 * 20000 * 384 / best / 1e9:.1f} GFLOPS (best of 5, {np.show_config.__module__})")
PY
node_modules/.bin/deno run -A --v8-flags=--max-semi-space-size=1,--expose-gc bench/kernel.ts "$EMB"
BUN_JSC_forceRAMSize=134217728 node_modules/.bin/bun bench/kernel.ts "$EMB"
