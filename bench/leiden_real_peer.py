#!/usr/bin/python3
"""The Leiden peers on an edge list, as issue 15 measures them, in-process, one run per seed:
leidenalg ModularityVertexPartition with n_iterations=-1 (until an iteration improves nothing), and igraph's
community_leiden (modularity) with n_iterations=2 (its documented default) and -1. Modularity by igraph.
usage: leiden_real_peer.py EDGES.tsv [SEEDS=5]
prints `NAME n=.. m=.. median_Q=.. best_Q=.. median_s=..` per peer"""
import random, statistics, sys, time
import igraph as ig, leidenalg as la, numpy as np
a = np.loadtxt(sys.argv[1], ndmin=2)
seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
g = ig.Graph(n=int(a[:, :2].max()) + 1, edges=a[:, :2].astype(np.int64).tolist())
w = a[:, 2].tolist() if a.shape[1] > 2 else None
def igraph_run(it):
    return lambda s: (random.seed(s), g.community_leiden(objective_function="modularity", weights=w, n_iterations=it))[1]
for name, run in [
    ("leidenalg", lambda s: la.find_partition(g, la.ModularityVertexPartition, weights=w, seed=s, n_iterations=-1)),
    ("igraph2", igraph_run(2)),
    ("igraph-1", igraph_run(-1)),
]:
    qs, ts = [], []
    for s in range(seeds):
        t = time.perf_counter(); p = run(s); ts.append(time.perf_counter() - t)
        qs.append(g.modularity(p.membership, weights=w))
    print(f"{name} n={g.vcount()} m={g.ecount()} median_Q={statistics.median(qs):.4f} best_Q={max(qs):.4f} "
          f"median_s={statistics.median(ts):.4f}", flush=True)
