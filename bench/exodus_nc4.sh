#!/usr/bin/env bash
# brook exodus stats on NetCDF-4 Exodus files (brook's own HDF5 reader) against exodus_peer.py (netCDF4-python,
# one step at a time), back to back on the same file in the page cache, on Bun and Deno: make_exodus.py's file
# written as NETCDF4 uncompressed, and as NETCDF4 with zlib level 1 + shuffle (netCDF4-python's default chunks:
# make_exodus.py run with createVariable defaulting to zlib=True, complevel=1, shuffle=True).
# usage: bench/exodus_nc4.sh [NX=110] [STEPS=40] [ZNX=100] [ZSTEPS=20]   (files generated into bench/out/)
set -euo pipefail
cd "$(dirname "$0")/.."
NX=${1:-110}; T=${2:-40}; ZNX=${3:-100}; ZT=${4:-20}
PEERS=${PEERS:-$( [ -d ../shared/peers ] && echo ../shared/peers || echo ../../shared/peers )}
OUT=bench/out; mkdir -p "$OUT"
[ -f "$PEERS/make_exodus.py" ] || { echo "bench/exodus_nc4.sh: needs $PEERS (make_exodus.py, exodus_peer.py)"; exit 1; }
TIMES=$OUT/exodus-nc4-time.txt
measure() { /usr/bin/time -o "$TIMES" -f "%e %M" "$@" >/dev/null 2>&1; cat "$TIMES"; }
plain=$OUT/mesh-$NX-$T-NETCDF4.exo
zlib=$OUT/mesh-$ZNX-$ZT-NETCDF4-zlib1-shuffle.exo
[ -f "$plain" ] || /usr/bin/python3 "$PEERS/make_exodus.py" "$plain" "$NX" "$NX" "$NX" "$T" 4 2 NETCDF4 >/dev/null
[ -f "$zlib" ] || /usr/bin/python3 - "$PEERS/make_exodus.py" "$zlib" "$ZNX" "$ZNX" "$ZNX" "$ZT" 4 2 NETCDF4 <<'PY' >/dev/null
import sys, netCDF4
class Zlib(netCDF4.Dataset):
    def createVariable(self, *a, **k):
        k.setdefault('zlib', True); k.setdefault('complevel', 1); k.setdefault('shuffle', True)
        return super().createVariable(*a, **k)
netCDF4.Dataset = Zlib
script = sys.argv[1]; sys.argv = sys.argv[1:]
exec(compile(open(script).read(), script, 'exec'))
PY
for f in "$plain" "$zlib"; do
  cat "$f" >/dev/null # page cache, for both
  /usr/bin/python3 "$PEERS/exodus_peer.py" "$f" >"$OUT/peer.txt"
  bin/brook exodus stats "$f" --quiet >"$OUT/brook.ndjson"
  echo "$(basename "$f") $(du -h "$f" | cut -f1): $(node_modules/.bin/bun bench/compare_exodus.ts "$OUT/brook.ndjson" "$OUT/peer.txt")"
  for rt in bun deno; do
    read -r bw bm <<<"$(BROOK_RUNTIME=$rt measure bin/brook exodus stats "$f" --memory 64MB)"
    read -r _ im <<<"$(BROOK_RUNTIME=$rt measure bin/brook exodus info "$f")"
    read -r pw pm <<<"$(measure /usr/bin/python3 "$PEERS/exodus_peer.py" "$f")"
    echo "  $rt: brook wall=${bw}s peak_rss=$((bm / 1024))MB (baseline, brook exodus info: $((im / 1024))MB," \
      "+$(((bm - im) / 1024))MB); peer wall=${pw}s peak_rss=$((pm / 1024))MB;" \
      "ratio brook/peer=$(awk "BEGIN{printf \"%.2f\", $bw / $pw}")"
  done
done
