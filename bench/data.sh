# Sourced by the bench scripts: the peers' embedding set and reference edges for N rows at threshold T.
# Sets EMB and REF; makes them with ../shared/peers (BROOK_PEERS to point elsewhere) when missing.
PEERS=${BROOK_PEERS:-../shared/peers}
OUT=bench/out; mkdir -p "$OUT"
bench_data() {
  local n=$1 t=$2 base=$OUT/emb$(($1 / 1000))k
  if [ ! -d "$PEERS" ]; then echo "bench: $PEERS not found (set BROOK_PEERS)" >&2; exit 1; fi
  EMB=$base.npy
  [ -f "$EMB" ] || /usr/bin/python3 "$PEERS/make_embeddings.py" "$base" "$n" 384 >/dev/null
  REF=$OUT/ref$(($1 / 1000))k_$t.tsv
  [ -f "$REF" ] || /usr/bin/python3 "$PEERS/dump_threshold_edges.py" "$EMB" "$t" "$REF"
}
