#!/usr/bin/python3
"""LFR benchmark graphs with planted communities, the Leiden peers on them, and a scorer for brook's clusters.

usage: /usr/bin/python3 bench/lfr.py make OUT_PREFIX N MU SEED
         writes OUT_PREFIX.tsv (edges `i j`, i < j, nodes 0 .. N-1) and OUT_PREFIX.truth (community per node,
         line i for node i) with networkx.LFR_benchmark_graph (tau1 3, tau2 1.5, average degree 10, max degree 50,
         communities of 20 .. N/10 nodes); retries other seeds when networkx fails to converge.
       /usr/bin/python3 bench/lfr.py peer PREFIX [SEEDS=5]
         leidenalg ModularityVertexPartition and igraph community_leiden (modularity), n_iterations -1, one run
         per seed: best modularity, NMI to the truth of the best-Q run, median seconds of the algorithm alone.
       /usr/bin/python3 bench/lfr.py compare PREFIX SEEDS BROOK_MEMBERSHIPS
         NMI to the truth of every run: leidenalg, igraph (seeds 0 .. SEEDS-1) and brook (one line per seed in
         BROOK_MEMBERSHIPS, from bench/leiden_memberships.ts); prints per tool the mean NMI over seeds, the
         NMI of the best-modularity run, and the mean modularity.
       /usr/bin/python3 bench/lfr.py score PREFIX CLUSTERS.tsv
         NMI to the truth and modularity (igraph's) of brook's clusters (`id<TAB>path`; path is the label).
Output lines are `name key=value ...` for bench/leiden.sh to parse.
"""
import random, statistics, sys, time


def load(prefix):
    import igraph as ig
    truth = [int(x) for x in open(prefix + ".truth").read().split()]
    edges = [tuple(map(int, line.split()[:2])) for line in open(prefix + ".tsv") if line.strip()]
    return ig.Graph(n=len(truth), edges=edges), truth


def nmi(truth, labels):
    from sklearn.metrics import normalized_mutual_info_score
    return normalized_mutual_info_score(truth, labels)


def make(prefix, n, mu, seed):
    import networkx as nx
    for attempt in range(20):
        s = seed + 1000 * attempt
        try:
            g = nx.LFR_benchmark_graph(n, 3, 1.5, mu, average_degree=10, max_degree=50, min_community=20,
                                       max_community=max(n // 10, 50), seed=s)
            break
        except nx.ExceededMaxIterations:
            continue
    else:
        sys.exit(f"lfr.py: networkx LFR did not converge for n={n} mu={mu} in 20 seeds")
    community = {}
    truth = [0] * n
    for v in range(n):
        truth[v] = community.setdefault(frozenset(g.nodes[v]["community"]), len(community))
    with open(prefix + ".tsv", "w") as f:
        for u, v in g.edges():
            if u != v: f.write(f"{min(u, v)} {max(u, v)}\n")
    with open(prefix + ".truth", "w") as f:
        f.write("\n".join(map(str, truth)) + "\n")
    print(f"lfr n={n} mu={mu} seed={s} edges={g.number_of_edges()} communities={len(community)}")


def peer(prefix, seeds):
    import leidenalg as la
    g, truth = load(prefix)

    def run_igraph(s):
        random.seed(s)  # igraph's default RNG is Python's random module
        return g.community_leiden(objective_function="modularity", n_iterations=-1)

    for name, run in [
        ("leidenalg", lambda s: la.find_partition(g, la.ModularityVertexPartition, seed=s, n_iterations=-1)),
        ("igraph", run_igraph),
    ]:
        results = []
        for s in range(seeds):
            t = time.perf_counter(); p = run(s); dt = time.perf_counter() - t
            results.append((g.modularity(p.membership), dt, p.membership))
        q, _, best = max(results, key=lambda r: r[0])
        print(f"{name} best_Q={q:.4f} nmi={nmi(truth, best):.4f} clusters={len(set(best))} "
              f"median_s={statistics.median(r[1] for r in results):.4f}")


def compare(prefix, seeds, brook_file):
    import leidenalg as la
    g, truth = load(prefix)
    runs = {"brook": [list(map(int, line.split())) for line in open(brook_file) if line.strip()][:seeds]}

    def run_igraph(s):
        random.seed(s)
        return g.community_leiden(objective_function="modularity", n_iterations=-1).membership
    runs["leidenalg"] = [la.find_partition(g, la.ModularityVertexPartition, seed=s, n_iterations=-1).membership
                         for s in range(seeds)]
    runs["igraph"] = [run_igraph(s) for s in range(seeds)]
    for name, ms in runs.items():
        scored = [(g.modularity(m), nmi(truth, m)) for m in ms]
        best = max(scored)
        print(f"{name} mean_nmi={statistics.mean(x[1] for x in scored):.4f} best_q_nmi={best[1]:.4f} "
              f"mean_q={statistics.mean(x[0] for x in scored):.4f} runs={len(scored)}")


def score(prefix, clusters):
    g, truth = load(prefix)
    label = {}
    membership = [-1] * g.vcount()
    for line in open(clusters):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 2 or not parts[0].isdigit(): continue
        membership[int(parts[0])] = label.setdefault(parts[1], len(label))
    for v in range(len(membership)):  # a node missing from the output: a cluster of its own
        if membership[v] < 0: membership[v] = label.setdefault(f"missing {v}", len(label))
    print(f"brook Q={g.modularity(membership):.4f} nmi={nmi(truth, membership):.4f} clusters={len(label)}")


if __name__ == "__main__":
    cmd, args = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if cmd == "make" and len(args) == 4: make(args[0], int(args[1]), float(args[2]), int(args[3]))
    elif cmd == "peer" and len(args) in (1, 2): peer(args[0], int(args[1]) if len(args) > 1 else 5)
    elif cmd == "score" and len(args) == 2: score(args[0], args[1])
    elif cmd == "compare" and len(args) == 3: compare(args[0], int(args[1]), args[2])
    else: sys.exit(__doc__)
