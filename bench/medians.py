#!/usr/bin/python3
"""Medians of `NAME wall=S rss_kb=K` lines in a bench log (what /usr/bin/time -f prints in bench/*.sh), and
each brook runtime's ratio to the peer.
usage: medians.py LOG PEER   (PEER: the name the peer's lines carry, e.g. faiss or python)"""
import re, statistics, sys
log, peer = sys.argv[1], sys.argv[2]
runs = {}
for line in open(log):
    m = re.match(r"(\w+) wall=([\d.]+) rss_kb=(\d+)", line)
    if m: runs.setdefault(m[1], []).append((float(m[2]), int(m[3])))
med = {k: (statistics.median(w for w, _ in v), max(r for _, r in v)) for k, v in runs.items()}
for k, (w, r) in med.items(): print(f"{k:6s} median wall {w:7.2f} s  peak rss {r/1024:7.1f} MB  runs {len(runs[k])}")
for k in ("deno", "bun"):
    if k in med and peer in med:
        print(f"{k} / {peer}: wall ratio {med[k][0] / med[peer][0]:.3f} ({med[peer][0] / med[k][0]:.2f} x faster), "
              f"peak RSS {med[k][1] / med[peer][1]:.3f} of {peer}'s")
