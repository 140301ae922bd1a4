#!/usr/bin/env bash
# brook exodus stats against exodus_peer.py (netCDF4-python, one step at a time), back to back on the same
# file in the page cache: wall-time ratio and peak RSS, on Bun and Deno, for CDF-2, CDF-1 and CDF-5, and
# NetCDF-4 (HDF5, read through h5wasm).
# usage: bench/exodus.sh [NX=100] [STEPS=40]   (100 -> a 2.0 GB file; generated into bench/out/)
set -euo pipefail
cd "$(dirname "$0")/.."
NX=${1:-100}; T=${2:-40}
PEERS=${PEERS:-$( [ -d ../shared/peers ] && echo ../shared/peers || echo ../../shared/peers )}
OUT=bench/out; mkdir -p "$OUT"
[ -f "$PEERS/make_exodus.py" ] || { echo "bench/exodus.sh: needs $PEERS (make_exodus.py, exodus_peer.py)"; exit 1; }
TIMES=$OUT/exodus-time.txt
measure() { /usr/bin/time -o "$TIMES" -f "%e %M" "$@" >/dev/null 2>&1; cat "$TIMES"; }
for fmt in NETCDF3_64BIT_OFFSET NETCDF3_CLASSIC NETCDF3_64BIT_DATA NETCDF4; do
  f=$OUT/mesh-$NX-$T-$fmt.exo
  [ -f "$f" ] || /usr/bin/python3 "$PEERS/make_exodus.py" "$f" "$NX" "$NX" "$NX" "$T" 4 2 "$fmt" >/dev/null
  cat "$f" >/dev/null # page cache, for both
  read -r pw pm <<<"$(measure /usr/bin/python3 "$PEERS/exodus_peer.py" "$f")"
  echo "$fmt $(du -h "$f" | cut -f1): exodus_peer.py wall=${pw}s peak_rss=$((pm / 1024))MB"
  /usr/bin/python3 "$PEERS/exodus_peer.py" "$f" >"$OUT/peer.txt"
  bin/brook exodus stats "$f" --quiet >"$OUT/brook.ndjson"
  echo "  $(node_modules/.bin/bun bench/compare_exodus.ts "$OUT/brook.ndjson" "$OUT/peer.txt")"
  for rt in bun deno; do
    read -r bw bm <<<"$(BROOK_RUNTIME=$rt measure bin/brook exodus stats "$f" --memory 64MB)"
    read -r _ im <<<"$(BROOK_RUNTIME=$rt measure bin/brook exodus info "$f")"
    read -r pw pm <<<"$(measure /usr/bin/python3 "$PEERS/exodus_peer.py" "$f")"
    echo "  $rt: brook wall=${bw}s peak_rss=$((bm / 1024))MB (runtime baseline, brook exodus info: $((im / 1024))MB," \
      "+$(((bm - im) / 1024))MB); peer again wall=${pw}s; ratio brook/peer=$(awk "BEGIN{printf \"%.2f\", $bw / $pw}")"
  done
done
