#!/usr/bin/env bash
# Deltas against bases (segmentPack's nearest earlier member, --chain D) on a collection folder: brook pack
# with the default chain vs --chain 0 (every delta against its group's reference) vs zstd -19 --long=27 and
# xz -9e on the files concatenated, back to back (bytes, wall, user + sys, peak RSS); then a byte-exact
# restore of everything and of one sample, with the archive bytes each read.
# usage: bench/genomes_bases.sh DIR [MAIN_BROOK]   (DIR: one FASTA file per sample, the first the reference,
# e.g. /work/data/genomes/sars2-418; MAIN_BROOK: another brook to compare, e.g. the main clone's bin/brook)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:?usage: bench/genomes_bases.sh DIR [MAIN_BROOK]}; OTHER=${2:-}
NAME=$(basename "$DIR"); OUT=bench/out/bases-$NAME; mkdir -p "$OUT"
FILES=("$DIR"/*)
measure() { # name, command...: prints "name wall=.. cpu=.. rss_kb=.."
  local name=$1; shift
  /usr/bin/time -f "$name wall=%e cpu=%U+%S rss_kb=%M" "$@" 2>&1 >/dev/null | tail -1
}
cat "${FILES[@]}" > "$OUT/all.fa"
input=$(wc -c < "$OUT/all.fa")
echo "$NAME: ${#FILES[@]} samples, $input bytes"
row() { echo "$1 bytes=$(wc -c < "$2") ratio=$(awk "BEGIN{printf \"%.3f\", $(wc -c < "$2")/$3}")"; }
measure brook bin/brook pack --force "$OUT/brook.brk" "${FILES[@]}" --quiet
base=$(wc -c < "$OUT/brook.brk"); row brook "$OUT/brook.brk" "$base"
measure brook-chain0 bin/brook pack --force "$OUT/chain0.brk" "${FILES[@]}" --chain 0 --quiet
row brook-chain0 "$OUT/chain0.brk" "$base"
if [ -n "$OTHER" ]; then
  measure other "$OTHER" pack --force "$OUT/other.brk" "${FILES[@]}" --quiet
  row other "$OUT/other.brk" "$base"
fi
measure zstd zstd -19 --long=27 -q -f "$OUT/all.fa" -o "$OUT/all.zst"
row zstd "$OUT/all.zst" "$base"
measure xz sh -c "xz -9e -c $OUT/all.fa > $OUT/all.xz"
row xz "$OUT/all.xz" "$base"
bin/brook unpack "$OUT/brook.brk" -o "$OUT/restored.fa" 2>&1 | tail -1
cmp -s "$OUT/restored.fa" "$OUT/all.fa" && echo "restore: every sample byte-identical (cmp)"
one=$(basename "${FILES[$(( ${#FILES[@]} / 2 ))]}"); one=${one%.fa}
bin/brook unpack "$OUT/brook.brk" --sample "$one" -o "$OUT/one.fa" 2>&1 | tail -1
cmp -s "$OUT/one.fa" "$DIR/$one.fa" && echo "restore: sample $one byte-identical (cmp)"
