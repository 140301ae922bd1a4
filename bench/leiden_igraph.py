#!/usr/bin/python3
"""igraph's community_leiden on an edge list with n_iterations -1 (in igraph 0.10 that runs one iteration) and 1,
seeds in one process (python's random seeds igraph's default RNG): best modularity and median milliseconds.
usage: leiden_igraph.py EDGES.tsv [SEEDS=5]"""
import random, statistics, sys, time
import igraph as ig, numpy as np
a = np.loadtxt(sys.argv[1], ndmin=2)
seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
g = ig.Graph(n=int(a[:, :2].max()) + 1, edges=a[:, :2].astype(np.int64).tolist())
w = a[:, 2].tolist() if a.shape[1] > 2 else None
for it in (-1, 1):
    ms, qs = [], []
    for s in range(seeds):
        random.seed(s)
        t = time.perf_counter(); p = g.community_leiden(objective_function="modularity", weights=w, n_iterations=it)
        ms.append(1000 * (time.perf_counter() - t)); qs.append(g.modularity(p.membership, weights=w))
    print(f"igraph n_iterations={it} n={g.vcount()} best_Q={max(qs):.4f} first_ms={ms[0]:.1f} median_ms={statistics.median(ms):.1f}")
