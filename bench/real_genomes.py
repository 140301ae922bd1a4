#!/usr/bin/python3
"""Rebuild the real genome collections of issue 17 from fetched public repositories, one FASTA file per sample,
the first file the collection's reference (file names sort in that order: 0000-, 0001-, ...).

usage: /usr/bin/python3 bench/real_genomes.py [--mirrors DIR] [--out DIR] [--copy DIR] [NAME ...]

  NAME       one of the collections below (default: all of them)
  --mirrors  where the bare git mirrors are (default /work/.mirror; each repository under owner+name/repo)
  --out      where the collections go (default bench/out/genomes; one folder per collection)
  --copy     also copy each collection built to DIR/NAME (e.g. /work/data/genomes, for other worktrees)

Collections (the repositories are public GitHub ones; bring each with the search tool's fetch first):
  sars2-418      418 SARS-CoV-2 genomes, ~12.5 MB: nextstrain/ncov data/example_sequences.fasta.gz, whose first
                 record is Wuhan/Hu-1/2019; one file per record, bytes as in the source.
  sars2-4k       the Wuhan-Hu-1 reference MN908947 (nextstrain/ncov defaults/reference_seq.fasta) then every 25th
                 of andersen-lab/HCoV-19-Genomics consensus_sequences/*.fasta in name order: ~4,100 genomes, ~123 MB.
  chlamydia-50   50 Chlamydia trachomatis assemblies (~1.05 Mbp, 1 to 105 contigs each), ~53 MB:
                 labgem/PPanGGOLiN testingDataset/FASTA/*.fna.gz in name order, gunzipped, without the one
                 MANUALLY_FRAGMENTED copy; the first, GCF_000026905.1 (NC_012687.1, complete), is the reference.

Each collection folder gets a README.txt: source repository and commit, sample count, total bytes. Data is never
committed: bench/out is ignored by git.
"""
import gzip
import os
import re
import shutil
import subprocess
import sys


def git(mirror, *args):
    return subprocess.run(["git", "--git-dir", mirror, *args], check=True, capture_output=True).stdout


class Blobs:
    """Reads many blobs of one mirror through one `git cat-file --batch`."""

    def __init__(self, mirror):
        self.proc = subprocess.Popen(["git", "--git-dir", mirror, "cat-file", "--batch"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def read(self, spec):
        self.proc.stdin.write(spec.encode() + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) != 3:
            raise SystemExit(f"real_genomes: {spec}: not in the mirror ({b' '.join(header).decode()})")
        data = self.proc.stdout.read(int(header[2]))
        self.proc.stdout.read(1)
        return data

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def safe(name):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")[:80]


def records(data):
    """Splits a multi-FASTA into (name, bytes of the whole record) keeping the bytes as they are."""
    starts = [m.start() for m in re.finditer(rb"(?m)^>", data)]
    for i, s in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(data)
        yield data[s + 1:data.index(b"\n", s)].split()[0].decode(), data[s:end]


def sars2_418(mirrors, out):
    m = need(mirrors, "nextstrain/ncov")
    commit = git(m, "rev-parse", "HEAD").decode().strip()
    data = gzip.decompress(git(m, "show", "HEAD:data/example_sequences.fasta.gz"))
    files = [(f"{i:04d}-{safe(name)}.fa", rec) for i, (name, rec) in enumerate(records(data))]
    return files, [("nextstrain/ncov", commit, "data/example_sequences.fasta.gz, one file per record")]


def sars2_4k(mirrors, out, stride=25):
    ref = need(mirrors, "nextstrain/ncov")
    src = need(mirrors, "andersen-lab/HCoV-19-Genomics")
    ref_commit = git(ref, "rev-parse", "HEAD").decode().strip()
    commit = git(src, "rev-parse", "HEAD").decode().strip()
    names = sorted(git(src, "ls-tree", "-r", "--name-only", commit, "consensus_sequences/").decode().split())
    picked = names[::stride]
    files = [("0000-MN908947.fa", git(ref, "show", f"{ref_commit}:defaults/reference_seq.fasta"))]
    blobs = Blobs(src)
    for i, path in enumerate(picked, 1):
        files.append((f"{i:04d}-{safe(os.path.basename(path)[:-len('.fasta')])}.fa", blobs.read(f"{commit}:{path}")))
    blobs.close()
    return files, [("nextstrain/ncov", ref_commit, "defaults/reference_seq.fasta (MN908947, Wuhan-Hu-1)"),
                   ("andersen-lab/HCoV-19-Genomics", commit,
                    f"consensus_sequences/*.fasta, every {stride}th of {len(names)} in name order")]


def chlamydia_50(mirrors, out):
    m = need(mirrors, "labgem/PPanGGOLiN")
    commit = git(m, "rev-parse", "HEAD").decode().strip()
    names = sorted(p for p in git(m, "ls-tree", "-r", "--name-only", commit, "testingDataset/FASTA/").decode().split()
                   if p.endswith(".fna.gz") and "MANUALLY_FRAGMENTED" not in p)
    blobs = Blobs(m)
    files = [(f"{i:04d}-{os.path.basename(p)[:-len('_genomic.fna.gz')]}.fa", gzip.decompress(blobs.read(f"{commit}:{p}")))
             for i, p in enumerate(names)]
    blobs.close()
    return files, [("labgem/PPanGGOLiN", commit, "testingDataset/FASTA/*.fna.gz without the MANUALLY_FRAGMENTED one, gunzipped")]


COLLECTIONS = {"sars2-418": sars2_418, "sars2-4k": sars2_4k, "chlamydia-50": chlamydia_50}


def need(mirrors, repo):
    path = os.path.join(mirrors, repo.replace("/", "+"), "repo")
    if not os.path.isdir(path):
        raise SystemExit(f"real_genomes: {path} not found: bring github:{repo} with the search tool's fetch "
                         f"(or point --mirrors at the folder holding owner+name/repo git dirs)")
    return path


def main(argv):
    mirrors, out, copy, names = "/work/.mirror", os.path.join(os.path.dirname(__file__), "out", "genomes"), None, []
    it = iter(argv)
    for a in it:
        if a == "--mirrors": mirrors = next(it)
        elif a == "--out": out = next(it)
        elif a == "--copy": copy = next(it)
        elif a in COLLECTIONS: names.append(a)
        else: raise SystemExit(f"real_genomes: unknown argument {a!r}; collections: {', '.join(COLLECTIONS)}")
    for name in names or list(COLLECTIONS):
        files, sources = COLLECTIONS[name](mirrors, out)
        folder = os.path.abspath(os.path.join(out, name))
        os.makedirs(folder, exist_ok=True)
        for f in os.listdir(folder):
            if f.endswith(".fa"): os.remove(os.path.join(folder, f))
        total = 0
        for fname, data in files:
            with open(os.path.join(folder, fname), "wb") as fh: fh.write(data)
            total += len(data)
        contigs = sum(d.count(b">") for _, d in files)
        with open(os.path.join(folder, "README.txt"), "w") as fh:
            fh.write(f"{name}: {len(files)} samples (one FASTA file each, {contigs} records), {total:,d} bytes of FASTA;\n"
                     f"the first file, {files[0][0]}, is the reference. Rebuilt by brook's bench/real_genomes.py from:\n")
            for repo, commit, what in sources: fh.write(f"  github:{repo} at {commit}: {what}\n")
        print(f"{name}: {len(files)} samples, {contigs} records, {total:,d} bytes -> {folder}")
        if copy:
            target = os.path.join(copy, name)
            if os.path.realpath(target) != folder: shutil.rmtree(target, ignore_errors=True); shutil.copytree(folder, target)
            with open(os.path.join(copy, "README.txt"), "w") as fh:
                fh.write("Real genome collections of brook's issue 17, one folder each, one FASTA file per sample, the first\n"
                         "the reference; rebuilt by brook's bench/real_genomes.py from fetched public repositories.\n\n")
                for d in sorted(os.listdir(copy)):
                    readme = os.path.join(copy, d, "README.txt")
                    if os.path.isfile(readme): fh.write(open(readme).read() + "\n")

if __name__ == "__main__":
    main(sys.argv[1:])
