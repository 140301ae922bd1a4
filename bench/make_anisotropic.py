#!/usr/bin/python3
"""Embeddings whose cosines crowd just under a threshold, as large real models' do (a shared direction):
x = a * mu + sqrt(0.2) * topic + noise, a ~ sqrt(0.7) (1 + 0.1 N(0,1)), 200 topics, unit rows, float32 .npy.
Random pairs score ~0.70 (95% below 0.75), pairs of one topic ~0.9: at t = 0.8 most pairs lie within 0.15
of the threshold, which is where a quantised screen's margin decides how many pairs need the exact check.
SPIKES rows (spread evenly) are replaced by spikes: one component 1, the rest small noise; quantised at
their own scale they have a large residual, which a single global margin would spread to every pair.
usage: bench/make_anisotropic.py OUT.npy [N=20000] [D=1536] [SEED=3] [SPIKES=0]"""
import sys
import numpy as np

if len(sys.argv) < 2:
    sys.exit(__doc__)
out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
d = int(sys.argv[3]) if len(sys.argv) > 3 else 1536
rng = np.random.default_rng(int(sys.argv[4]) if len(sys.argv) > 4 else 3)
mu = rng.standard_normal(d)
mu /= np.linalg.norm(mu)
topics = rng.standard_normal((200, d))
topics /= np.linalg.norm(topics, axis=1, keepdims=True)
label = rng.integers(0, 200, n)
a = np.sqrt(0.7) * (1 + 0.1 * rng.standard_normal((n, 1)))
x = a * mu + np.sqrt(0.2) * topics[label] + rng.standard_normal((n, d)) * np.sqrt(0.1 / d)
spikes = int(sys.argv[5]) if len(sys.argv) > 5 else 0
for r in np.linspace(0, n - 1, spikes, dtype=int) if spikes else []:
    x[r] = rng.standard_normal(d) * 0.01
    x[r, r % d] = 1
x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
np.save(out, x)
s = x[: min(n, 1000)] @ x.T
print(f"{out}: {n} x {d}; sampled cosines p50 {np.median(s):.3f} p95 {np.percentile(s, 95):.3f}, "
      f"> 0.8: {(s > 0.8).mean():.4f}, in (0.65, 0.8]: {((s > 0.65) & (s <= 0.8)).mean():.4f}")
