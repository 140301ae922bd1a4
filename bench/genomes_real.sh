#!/usr/bin/env bash
# brook pack vs AGC (default, and its best segment size) vs zstd -19 --long=27 vs xz -9e on one genome collection
# (one FASTA file per sample; the reference is ref.fa if there is one, else the first file in name order), back to
# back REPS times: archive bytes, wall and peak RSS (medians, and ratios to brook's); then brook's restore of every
# sample checked byte for byte (cmp), and restoring one sample and one contig against restoring everything (time,
# and the archive bytes brook says it read).
# usage: bench/genomes_real.sh COLLECTION_DIR [REPS=3]
#   e.g. bench/genomes_real.sh bench/out/genomes/sars2-418 3   (collections: bench/real_genomes.py)
#        bench/genomes_real.sh bench/out/genomes-20-4000000-3-1 1   (made by ../shared/peers/make_genomes.py)
# env: AGC=path of an agc binary (default bench/out/agc/agc, else /work/data/agc/agc; none: AGC is left out)
#      AGC_SIZES="1000 2000 ..." the -s values tried once (sizes only) to pick AGC's best;
#      ZSTD=0 / XZ=0 leave zstd / xz out (on 250 MB of synthetic genomes zstd -19 alone takes ~15 minutes).
# zstd and xz compress the collection concatenated in the same order (their usual way); they are single-threaded
# here (zstd's default, xz -T1), as are brook (--threads 1, its default) and AGC (its default: cores / 2 = 1 here).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:?usage: bench/genomes_real.sh COLLECTION_DIR [REPS]}; REPS=${2:-3}
[ -d "$DIR" ] || { echo "genomes_real: $DIR is not a directory (make one with bench/real_genomes.py)" >&2; exit 1; }
NAME=$(basename "$DIR")
OUT=bench/out/real-$NAME; rm -rf "$OUT"; mkdir -p "$OUT"
AGC=${AGC:-}
if [ -z "$AGC" ]; then for a in bench/out/agc/agc /work/data/agc/agc; do [ -x "$a" ] && { AGC=$a; break; }; done; fi
FILES=()
[ -f "$DIR/ref.fa" ] && FILES+=("$DIR/ref.fa")
while IFS= read -r f; do [ "$f" = "$DIR/ref.fa" ] || FILES+=("$f"); done \
  < <(find "$DIR" -maxdepth 1 -type f \( -name '*.fa' -o -name '*.fasta' -o -name '*.fna' \) | LC_ALL=C sort)
[ ${#FILES[@]} -ge 2 ] || { echo "genomes_real: $DIR holds fewer than 2 FASTA files" >&2; exit 1; }
LIST=$OUT/files.txt; printf '%s\n' "${FILES[@]}" > "$LIST"
xargs cat < "$LIST" > "$OUT/all.fa"
INPUT=$(wc -c < "$OUT/all.fa")
LOG=$OUT/log; : > "$LOG"
echo "collection $NAME: ${#FILES[@]} samples, $INPUT bytes; reference $(basename "${FILES[0]}"); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$LOG"
measure() { # name, command...: appends "name wall=.. rss_kb=.."
  local name=$1; shift
  /usr/bin/time -f "$name wall=%e rss_kb=%M" "$@" 2>>"$LOG" >/dev/null
}
size() { echo "$1 bytes=$(wc -c < "$2")" >> "$LOG"; }
# AGC's best segment size on this collection: tried once, sizes only
BEST=
if [ -n "$AGC" ]; then
  best_bytes=
  for s in ${AGC_SIZES:-500 1000 2000 5000 10000 30000}; do
    "$AGC" create -s "$s" -i "$LIST" -o "$OUT/try.agc" "${FILES[0]}" 2>/dev/null >/dev/null
    b=$(wc -c < "$OUT/try.agc"); echo "agc -s $s: $b bytes" | tee -a "$LOG"
    if [ -z "$best_bytes" ] || [ "$b" -lt "$best_bytes" ]; then best_bytes=$b; BEST=$s; fi
  done
  rm -f "$OUT/try.agc"
  echo "agc best segment size: -s $BEST" | tee -a "$LOG"
else
  echo "AGC: no agc binary (set AGC=...); left out" | tee -a "$LOG"
fi
BROOK_RUNTIME=bun bin/brook pack --force "$OUT/brook.brk" "${FILES[@]}" 2>&1 | grep -v '^\s*$' | tail -3 | tee -a "$LOG"
for rep in $(seq "$REPS"); do
  BROOK_RUNTIME=bun measure brook bin/brook pack --force "$OUT/brook.brk" "${FILES[@]}" --quiet; size brook "$OUT/brook.brk"
  if [ -n "$AGC" ]; then
    # AGC's file list goes through -i: thousands of samples overflow no command line
    measure agc "$AGC" create -i "$LIST" -o "$OUT/agc.agc" "${FILES[0]}"; size agc "$OUT/agc.agc"
    measure "agc-s$BEST" "$AGC" create -s "$BEST" -i "$LIST" -o "$OUT/agc-best.agc" "${FILES[0]}"; size "agc-s$BEST" "$OUT/agc-best.agc"
  fi
  if [ "${ZSTD:-1}" = 1 ]; then measure zstd sh -c "zstd -19 --long=27 -q -c '$OUT/all.fa' > '$OUT/all.fa.zst'"; size zstd "$OUT/all.fa.zst"; fi
  if [ "${XZ:-1}" = 1 ]; then measure xz sh -c "xz -9e -T1 -c '$OUT/all.fa' > '$OUT/all.fa.xz'"; size xz "$OUT/all.fa.xz"; fi
done
# brook restores every sample byte for byte
mkdir -p "$OUT/restored"
BROOK_RUNTIME=bun /usr/bin/time -f "unpack-all wall=%e rss_kb=%M" bin/brook unpack "$OUT/brook.brk" -o "$OUT/restored" 2>&1 | sed 's/^brook unpack: /unpack-all: /' >> "$LOG"
bad=0
for f in "${FILES[@]}"; do cmp -s "$f" "$OUT/restored/$(basename "$f")" || { echo "DIFFERS: $f" | tee -a "$LOG"; bad=1; }; done
[ $bad = 0 ] && echo "brook restore: all ${#FILES[@]} samples byte-identical (cmp)" | tee -a "$LOG"
rm -rf "$OUT/restored"
# one sample (the last) and one contig of it (its first), against everything
last=${FILES[-1]}; sample=$(basename "$last"); sample=${sample%.*}
contig=$(head -1 "$last" | cut -c2- | cut -d' ' -f1)
BROOK_RUNTIME=bun /usr/bin/time -f "unpack-sample wall=%e rss_kb=%M" bin/brook unpack "$OUT/brook.brk" --sample "$sample" -o "$OUT/sample.fa" 2>&1 | sed 's/^brook unpack: /unpack-sample: /' >> "$LOG"
cmp -s "$last" "$OUT/sample.fa" && echo "brook sample $sample: byte-identical (cmp)" >> "$LOG"
BROOK_RUNTIME=bun /usr/bin/time -f "unpack-contig wall=%e rss_kb=%M" bin/brook unpack "$OUT/brook.brk" "$contig@$sample" -o "$OUT/contig.fa" 2>&1 | sed 's/^brook unpack: /unpack-contig: /' >> "$LOG"
if [ -n "$AGC" ]; then
  mkdir -p "$OUT/agc-col"
  /usr/bin/time -f "agc-getcol wall=%e rss_kb=%M" "$AGC" getcol -o "$OUT/agc-col" "$OUT/agc-best.agc" 2>>"$LOG" >/dev/null
  rm -rf "$OUT/agc-col"
  /usr/bin/time -f "agc-getset wall=%e rss_kb=%M" "$AGC" getset -o "$OUT/agc-sample.fa" "$OUT/agc-best.agc" "$sample" 2>>"$LOG" >/dev/null
  /usr/bin/time -f "agc-getctg wall=%e rss_kb=%M" "$AGC" getctg -o "$OUT/agc-contig.fa" "$OUT/agc-best.agc" "$contig@$sample" 2>>"$LOG" >/dev/null
  # AGC keeps the bases, not the file: compare sequences only (upper case, no line breaks)
  seqs() { grep -v '^>' "$1" | tr -d '\n' | tr a-z A-Z | md5sum | cut -c1-32; }
  [ "$(seqs "$last")" = "$(seqs "$OUT/agc-sample.fa")" ] && echo "agc sample $sample: same bases (not the same bytes: $(cmp -s "$last" "$OUT/agc-sample.fa" && echo identical || echo case or line width differ))" >> "$LOG"
fi
/usr/bin/python3 - "$LOG" "$INPUT" "$NAME" <<'PY' | tee "$OUT/table.md"
import re, statistics, sys
log, input_bytes, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
runs, sizes, notes = {}, {}, []
for line in open(log):
    m = re.match(r"(\S+) wall=([\d.]+) rss_kb=(\d+)", line)
    if m: runs.setdefault(m[1], []).append((float(m[2]), int(m[3]))); continue
    m = re.match(r"(\S+) bytes=(\d+)", line)
    if m: sizes.setdefault(m[1], set()).add(int(m[2])); continue
    if re.match(r"(unpack-\w+|brook |agc |DIFFERS|brook pack:|  group)", line): notes.append(line.rstrip())
med = {k: (statistics.median(w for w, _ in v), statistics.median(r for _, r in v), len(v)) for k, v in runs.items()}
label = {"brook": "brook pack (Bun, default)", "agc": "AGC create (default -s 60000)", "zstd": "zstd -19 --long=27 (concatenated)",
         "xz": "xz -9e -T1 (concatenated)"}
b = med.get("brook")
print(f"{name}: input {input_bytes:,d} B; medians of {b[2] if b else 0} back-to-back runs\n")
print("| archive | bytes | x brook's bytes | wall s | x brook's wall | peak RSS MB | x brook's RSS |")
print("|---|---:|---:|---:|---:|---:|---:|")
for k in [k for k in ("brook", "agc") if k in sizes] + sorted(k for k in sizes if k.startswith("agc-s")) + [k for k in ("zstd", "xz") if k in sizes]:
    size = max(sizes[k])
    if len(sizes[k]) > 1: notes.append(f"{k}: archive sizes differ between runs: {sorted(sizes[k])}")
    w, r, _ = med[k]
    lab = label.get(k, f"AGC create -s {k[5:]} (best size tried)")
    rel = (f"{size / max(sizes['brook']):.3f} | {w:.2f} | {w / b[0]:.2f} | {r / 1024:.0f} | {r / b[1]:.2f}" if b
           else f"- | {w:.2f} | - | {r / 1024:.0f} | -")
    print(f"| {lab} | {size:,d} | {rel} |")
print()
for k in ("unpack-all", "unpack-sample", "unpack-contig", "agc-getcol", "agc-getset", "agc-getctg"):
    if k in med: print(f"{k:14s} wall {med[k][0]:6.2f} s  peak rss {med[k][1] / 1024:6.0f} MB")
for n in notes: print(n)
PY
