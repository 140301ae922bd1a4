#!/usr/bin/python3
"""Graphs for the Leiden benchmarks, made on this machine from what is installed (nothing downloaded).

usage: /usr/bin/python3 bench/real_graphs.py OUT_DIR [NAME...]
  include     the #include graph of /usr/include (a header -> the header it includes, resolved like cc -E)
  jsimports   require / import between the JavaScript files of node_modules trees (this checkout's and npm's)
  pyimports   import statements between the Python modules of /usr/lib/python3*
  manxref     man pages (man1-8, English) -> the pages they cite as name(section)
  debian      the Debian package index apt holds (`apt-cache dumpavail`): a package -> every package or virtual
              package it names in Depends, Pre-Depends, Recommends or Suggests, alternatives included (a real
              software dependency network: libc6 has degree ~22,000, libstdc++6 ~7,500, python3 ~6,500)
  deps-N      a synthetic dependency network: N packages arrive one by one, each depends on Geometric(1/4) (mean 4)
              others, 70 % chosen by preferential attachment (hubs of degree in the thousands), 30 % within its
              family (the 40 packages before it): the shape of a package index, of our own making
  lfr-steep-N LFR-like planted partition, N nodes, degree exponent 2.1 (hubs up to N/25), community-size exponent
              1.5, mixing 0.3: a skewed graph of our own (networkx's LFR is too slow at this size)
Every graph is undirected, simple (parallel edges merged, self-loops dropped), nodes 0 .. n-1 in order of first
appearance, written as OUT_DIR/NAME.tsv (`i j` lines). Prints `NAME nodes=.. edges=.. max_degree=..`.
"""
import glob, gzip, json, os, re, sys

OUT = sys.argv[1]
NAMES = sys.argv[2:] or ["include", "jsimports", "pyimports", "manxref", "lfr-steep-20000", "lfr-steep-100000"]


def write(name, pairs):
    ids, edges = {}, set()
    for a, b in pairs:
        if a == b: continue
        i = ids.setdefault(a, len(ids)); j = ids.setdefault(b, len(ids))
        edges.add((min(i, j), max(i, j)))
    deg = [0] * len(ids)
    with open(os.path.join(OUT, name + ".tsv"), "w") as f:
        for i, j in sorted(edges):
            f.write(f"{i} {j}\n"); deg[i] += 1; deg[j] += 1
    print(f"{name} nodes={len(ids)} edges={len(edges)} max_degree={max(deg) if deg else 0}")


def read(path):
    try:
        with open(path, "rb") as f: return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def include():
    roots = ["/usr/include"]
    search = ["/usr/include/x86_64-linux-gnu", "/usr/include"] + sorted(glob.glob("/usr/lib/gcc/x86_64-linux-gnu/*/include"))
    search += sorted(glob.glob("/usr/include/c++/*")) + sorted(glob.glob("/usr/include/x86_64-linux-gnu/c++/*"))
    pat = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
    files = [os.path.join(d, f) for r in roots for d, _, fs in os.walk(r) for f in fs]
    for path in files:
        for kind, inc in pat.findall(read(path)):
            dirs = ([os.path.dirname(path)] if kind == '"' else []) + search
            for d in dirs:
                t = os.path.normpath(os.path.join(d, inc))
                if os.path.isfile(t):
                    yield os.path.realpath(path), os.path.realpath(t)
                    break


def jsimports():
    roots = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "node_modules"), "/usr/lib/node_modules"]
    pat = re.compile(r"""(?:require\s*\(\s*|import\s*\(\s*|\bfrom\s+|^\s*import\s+)['"]([^'"\n]+)['"]""", re.M)
    exts = ["", ".js", ".mjs", ".cjs", ".json", "/index.js", "/index.mjs", "/index.cjs"]

    def as_file(p):
        for e in exts:
            if os.path.isfile(p + e): return os.path.realpath(p + e)
        return None

    def entry(pkg):
        try: main = json.loads(read(os.path.join(pkg, "package.json")) or "{}").get("main") or "index.js"
        except ValueError: main = "index.js"
        return as_file(os.path.join(pkg, main)) if isinstance(main, str) else None

    def bare(spec, frm):
        parts = spec.split("/"); n = 2 if spec.startswith("@") else 1
        name, rest = "/".join(parts[:n]), "/".join(parts[n:])
        d = os.path.dirname(frm)
        while True:
            pkg = os.path.join(d, "node_modules", name)
            if os.path.isdir(pkg): return as_file(os.path.join(pkg, rest)) if rest else entry(pkg) or pkg
            if d == "/" or not d: return None
            d = os.path.dirname(d)

    for root in roots:
        for d, _, fs in os.walk(root):
            for f in fs:
                if not f.endswith((".js", ".mjs", ".cjs")): continue
                path = os.path.realpath(os.path.join(d, f))
                for spec in pat.findall(read(path)):
                    if spec.startswith("node:"): continue
                    t = as_file(os.path.normpath(os.path.join(os.path.dirname(path), spec))) if spec.startswith(".") else bare(spec, path)
                    if t: yield path, t


def pyimports():
    mods = {}
    for root in sorted(glob.glob("/usr/lib/python3.*")) + ["/usr/lib/python3/dist-packages"]:
        for d, _, fs in os.walk(root):
            if "site-packages" in d or "/test" in d or "dist-packages" in d and root != "/usr/lib/python3/dist-packages": continue
            for f in fs:
                if not f.endswith(".py"): continue
                rel = os.path.relpath(os.path.join(d, f), root)[:-3].replace(os.sep, ".")
                if rel.endswith(".__init__"): rel = rel[: -len(".__init__")]
                mods.setdefault(rel, os.path.join(d, f))
    imp = re.compile(r"^\s*import\s+([\w.]+(?:\s*,\s*[\w.]+)*)", re.M)
    frm = re.compile(r"^\s*from\s+(\.*)([\w.]*)\s+import\s+\(?\s*([\w*]+(?:\s*,\s*\w+)*)", re.M)

    def known(name):
        while name and name not in mods: name = name.rpartition(".")[0]
        return name or None

    for mod, path in mods.items():
        text = read(path); pkg = mod if path.endswith("__init__.py") else mod.rpartition(".")[0]
        targets = []
        for group in imp.findall(text): targets += [x.strip() for x in group.split(",")]
        for dots, base, names in frm.findall(text):
            if dots:
                b = pkg
                for _ in range(len(dots) - 1): b = b.rpartition(".")[0]
                base = f"{b}.{base}".strip(".") if base else b
            for x in names.split(","): targets.append(f"{base}.{x.strip()}" if x.strip() != "*" else base)
        for t in targets:
            k = known(t)
            if k and k != mod: yield mod, k


def manxref():
    pages = {}
    for path in glob.glob("/usr/share/man/man[1-8]/*"):
        base = os.path.basename(path)
        if base.endswith(".gz"): base = base[:-3]
        name, _, sec = base.rpartition(".")
        pages[(name, sec[:1])] = path
    ref = re.compile(r"(?:\\fB|\\fI|^\.BR?\s+|^\.IR?\s+)([\w.+-]+)(?:\\f[PRI]|\s*)\s*\\?\(([1-8])\w*\)", re.M)
    for (name, sec), path in pages.items():
        try:
            with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f: text = f.read().decode("utf-8", "replace")
        except (OSError, EOFError):
            continue
        for n, s in ref.findall(text):
            if (n, s) in pages: yield (name, sec), (n, s)


def debian():
    import subprocess
    text = subprocess.run(["apt-cache", "dumpavail"], capture_output=True, check=True).stdout.decode("utf-8", "replace")
    for stanza in text.split("\n\n"):
        fields = dict(re.findall(r"^([A-Za-z-]+):[ \t]*(.*)$", stanza, re.M))
        pkg = fields.get("Package")
        if not pkg: continue
        for key in ("Depends", "Pre-Depends", "Recommends", "Suggests"):
            for alt in re.split(r"[,|]", fields.get(key, "")):
                name = re.split(r"[\s(:\[]", alt.strip())[0]
                if name: yield pkg, name


def lfr_steep(n, tau1=2.1, tau2=1.5, mu=0.3, kmin=3, seed=1):
    import numpy as np
    rng = np.random.default_rng(seed)
    kmax = n // 25
    u = rng.random(n)  # degrees: continuous power law on [kmin, kmax], exponent tau1
    a, b = kmin ** (1 - tau1), kmax ** (1 - tau1)
    deg = np.floor((a + u * (b - a)) ** (1 / (1 - tau1))).astype(np.int64)
    smin, smax = 20, max(n // 10, 100)
    sizes = []
    while sum(sizes) < n:
        v = rng.random(); a2, b2 = smin ** (1 - tau2), smax ** (1 - tau2)
        sizes.append(int((a2 + v * (b2 - a2)) ** (1 / (1 - tau2))))
    sizes[-1] -= sum(sizes) - n
    if sizes[-1] < smin: sizes[-2] += sizes.pop()
    kin = np.round((1 - mu) * deg).astype(np.int64)
    # communities at random; a node's internal degree is capped at its community's size - 1 (hubs mix out)
    comm = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    for c, s in enumerate(sizes):  # internal degree at most the community's size - 1
        m = comm == c; kin[m] = np.minimum(kin[m], s - 1)
    label = rng.permutation(n)  # node ids shuffled, so nothing follows from the numbering
    pairs = []
    for c in range(len(sizes)):
        members = np.flatnonzero(comm == c)
        stubs = np.repeat(members, kin[members]); rng.shuffle(stubs)
        if len(stubs) % 2: stubs = stubs[:-1]
        pairs.append(stubs.reshape(-1, 2))
    kout = deg - kin
    stubs = np.repeat(np.arange(n), np.maximum(kout, 0)); rng.shuffle(stubs)
    if len(stubs) % 2: stubs = stubs[:-1]
    pairs.append(stubs.reshape(-1, 2))
    e = label[np.concatenate(pairs)]
    for i, j in e.tolist(): yield i, j


def deps(n, seed=1):
    import numpy as np
    rng = np.random.default_rng(seed)
    targets = []  # the dependency end of every edge so far: a uniform pick is preferential by in-degree
    for v in range(1, n):
        for _ in range(min(v, int(rng.geometric(0.25)))):
            if targets and rng.random() < 0.7: u = targets[int(rng.integers(len(targets)))]
            else: u = int(rng.integers(max(0, v - 40), v))
            if u != v:
                targets.append(u)
                yield v, u


for name in NAMES:
    if name.startswith("deps-"): write(name, deps(int(name.rsplit("-", 1)[1])))
    elif name.startswith("lfr-steep-"): write(name, lfr_steep(int(name.rsplit("-", 1)[1])))
    else: write(name, globals()[name]())
