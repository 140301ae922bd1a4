#!/usr/bin/env bash
# brook pack vs zstd -19 --long=27 -T2, back to back, on a make_genomes.py collection; then byte-exact
# restore (cmp), the default (--threads 1) against one thread per core, --memory 128MB, Deno, and the bytes read to restore one contig and one 100 kbp range.
# usage: bench/genomes.sh [SAMPLES=20] [CONTIG_LEN=4000000] [CONTIGS=3] [SEED=1] [ZSTD=1]
# Needs ../shared/peers/make_genomes.py (BROOK_PEERS to point elsewhere) and Debian's zstd (ZSTD=0 skips
# the peer: at -19 it takes minutes). AGC's figures here are quoted from peers/README.md (3.8 s, 330 MB peak,
# 5,262,712 B for 20 4000000 3 1); bench/genomes_real.sh DIR runs AGC, zstd and xz side by side on any collection
# folder, this one included (bench/out/genomes-20-4000000-3-1), when an agc binary is at hand (AGC=...).
set -euo pipefail
cd "$(dirname "$0")/.."
S=${1:-20}; LEN=${2:-4000000}; C=${3:-3}; SEED=${4:-1}; ZSTD=${5:-1}
PEERS=${BROOK_PEERS:-../shared/peers}
OUT=bench/out; mkdir -p "$OUT"
DATA=$OUT/genomes-$S-$LEN-$C-$SEED
if [ ! -f "$DATA/ref.fa" ]; then
  [ -f "$PEERS/make_genomes.py" ] || { echo "bench: $PEERS/make_genomes.py not found (set BROOK_PEERS)" >&2; exit 1; }
  /usr/bin/python3 "$PEERS/make_genomes.py" "$DATA" "$S" "$LEN" "$C" "$SEED" >/dev/null
fi
FILES=("$DATA/ref.fa")
for f in "$DATA"/hap*.fa; do FILES+=("$f"); done
LOG=$OUT/genomes-$S-$LEN-$C-$SEED.log; : > "$LOG"
input=$(cat "${FILES[@]}" | wc -c)
echo "collection: ${#FILES[@]} samples, $input bytes ($DATA)" | tee -a "$LOG"
measure() { # name, command...: appends "name wall=.. rss_kb=.."
  local name=$1; shift
  /usr/bin/time -f "$name wall=%e rss_kb=%M" "$@" 2>>"$LOG" >/dev/null
}
if [ "$ZSTD" = 1 ]; then
  measure zstd sh -c "cat ${FILES[*]} | zstd -19 --long=27 -T2 -q -c > $OUT/genomes.zst"
  echo "zstd bytes=$(wc -c < "$OUT/genomes.zst")" >> "$LOG"
fi
BROOK_RUNTIME=bun measure bun bin/brook pack --force "$OUT/genomes-bun.brk" "${FILES[@]}" --quiet
echo "bun bytes=$(wc -c < "$OUT/genomes-bun.brk")" >> "$LOG"
# the default (--threads 1: packs compressed on the main thread) against one thread per core (nproc - 1 pack workers)
T=$(nproc)
BROOK_RUNTIME=bun measure bun-tN bin/brook pack --force "$OUT/genomes-bun-tN.brk" "${FILES[@]}" --threads "$T" --quiet
echo "bun-tN bytes=$(wc -c < "$OUT/genomes-bun-tN.brk")" >> "$LOG"
cmp -s "$OUT/genomes-bun.brk" "$OUT/genomes-bun-tN.brk" && echo "threads: the Bun archive with --threads $T is byte-identical to the default's (cmp)" | tee -a "$LOG"
BROOK_RUNTIME=bun measure bun128 bin/brook pack --force "$OUT/genomes-bun128.brk" "${FILES[@]}" --memory 128MB --quiet
echo "bun128 bytes=$(wc -c < "$OUT/genomes-bun128.brk")" >> "$LOG"
BROOK_RUNTIME=deno measure deno bin/brook pack --force "$OUT/genomes-deno.brk" "${FILES[@]}" --quiet
echo "deno bytes=$(wc -c < "$OUT/genomes-deno.brk")" >> "$LOG"
BROOK_RUNTIME=deno measure deno-tN bin/brook pack --force "$OUT/genomes-deno-tN.brk" "${FILES[@]}" --threads "$T" --quiet
echo "deno-tN bytes=$(wc -c < "$OUT/genomes-deno-tN.brk")" >> "$LOG"
cmp -s "$OUT/genomes-deno.brk" "$OUT/genomes-deno-tN.brk" && echo "threads: the Deno archive with --threads $T is byte-identical to the default's (cmp)" | tee -a "$LOG"
BROOK_RUNTIME=deno measure deno128 bin/brook pack --force "$OUT/genomes-deno128.brk" "${FILES[@]}" --memory 128MB --quiet
echo "deno128 bytes=$(wc -c < "$OUT/genomes-deno128.brk")" >> "$LOG"
# byte-exact restore of every sample, from the Bun and the Deno archive
for rt in bun deno; do
  rm -rf "$OUT/restored-$rt"; mkdir -p "$OUT/restored-$rt"
  BROOK_RUNTIME=$rt measure "unpack-$rt" bin/brook unpack "$OUT/genomes-$rt.brk" -o "$OUT/restored-$rt" --quiet
  bad=0
  for f in "${FILES[@]}"; do cmp -s "$f" "$OUT/restored-$rt/$(basename "$f")" || { echo "DIFFERS: $f ($rt)" | tee -a "$LOG"; bad=1; }; done
  [ $bad = 0 ] && echo "restore-$rt: all ${#FILES[@]} samples byte-identical (cmp)" | tee -a "$LOG"
done
last=$(basename "${FILES[-1]}" .fa)
bin/brook unpack "$OUT/genomes-bun.brk" --contig "$last#chr2" -o "$OUT/contig.fa" 2>&1 | sed "s/^/contig $last#chr2: /" | tee -a "$LOG"
bin/brook unpack "$OUT/genomes-bun.brk" --contig "$last#chr2:1000001-1100000" -o "$OUT/range.fa" 2>&1 | sed "s/^/range 100 kbp: /" | tee -a "$LOG"
/usr/bin/python3 - "$LOG" "$input" "$S-$LEN-$C-$SEED" <<'PY'
import re, sys
log, input_bytes, which = sys.argv[1], int(sys.argv[2]), sys.argv[3]
runs, size = {}, {}
for line in open(log):
    m = re.match(r"(\S+) wall=([\d.]+) rss_kb=(\d+)", line)
    if m: runs[m[1]] = (float(m[2]), int(m[3]))
    m = re.match(r"(\S+) bytes=(\d+)", line)
    if m: size[m[1]] = int(m[2])
AGC = (3.8, 330 * 1000, 5262712)
for k, (w, r) in runs.items():
    extra = f"  archive {size[k]:>10,d} B  ratio {input_bytes / size[k]:6.1f} x" if k in size else ""
    print(f"{k:12s} wall {w:7.2f} s  peak rss {r / 1024:7.1f} MB{extra}")
if "bun" in size and which == "20-4000000-3-1":  # the collection AGC was measured on
    print(f"bun archive / AGC archive (5,262,712 B): {size['bun'] / AGC[2]:.3f}")
    if "zstd" in size: print(f"zstd archive / bun archive: {size['zstd'] / size['bun']:.2f} x")
    if "zstd" in runs: print(f"bun wall / zstd wall: {runs['bun'][0] / runs['zstd'][0]:.3f}")
    print(f"bun wall / AGC wall (3.8 s, quoted): {runs['bun'][0] / AGC[0]:.2f}; deno: {runs['deno'][0] / AGC[0]:.2f}")
    print(f"bun peak rss / AGC's (330 MB): {runs['bun'][1] / AGC[1]:.2f}")
for rt in ("bun", "deno"):
    if rt in runs and f"{rt}-tN" in runs:
        print(f"{rt} one thread per core / default (1): wall {runs[rt + '-tN'][0] / runs[rt][0]:.3f}, peak rss {runs[rt + '-tN'][1] / runs[rt][1]:.3f}")
PY
