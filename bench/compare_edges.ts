/**
 * Compares two edge TSVs (i<TAB>j<TAB>weight): brook's and the reference's (dump_threshold_edges.py).
 * Pairs present in only one are allowed when their cosine is within 1e-5 of the threshold (counted);
 * weights of common pairs must agree within 1e-4 relative.
 * usage: compare_edges.ts BROOK.tsv REFERENCE.tsv THRESHOLD [EMB.npy]
 * With EMB.npy the cosine of every differing pair is recomputed (float64) to check the 1e-5 band.
 */
import * as fs from "node:fs"
import { openNpy, readNpyRows } from "../formats/npy.ts"

const [mine, ref, tText, emb] = process.argv.slice(2)
const t = Number(tText)
const EDGE_BAND = 1e-5
const WEIGHT_RTOL = 1e-4
const COS_ATOL = 2e-6

function load(file: string): Map<number, number> {
  const m = new Map<number, number>()
  const text = fs.readFileSync(file, "utf8")
  let at = 0
  while (at < text.length) {
    const nl = text.indexOf("\n", at)
    const line = text.slice(at, nl < 0 ? text.length : nl)
    at = nl < 0 ? text.length : nl + 1
    if (!line) continue
    const [i, j, w] = line.split("\t")
    m.set(Number(i) * 2 ** 26 + Number(j), Number(w))
  }
  return m
}

const a = load(mine)
const b = load(ref)
const onlyMine: number[] = []
const onlyRef: number[] = []
let worst = 0
let overRtol = 0
let worstCos = 0
const implied = (w: number) => 1 + 1e-6 - 1 / w
for (const [k, w] of a) {
  const r = b.get(k)
  if (r === undefined) onlyMine.push(k)
  else {
    const rel = Math.abs(w - r) / Math.abs(r)
    worst = Math.max(worst, rel)
    if (rel > WEIGHT_RTOL) overRtol++
    worstCos = Math.max(worstCos, Math.abs(implied(w) - implied(r)))
  }
}
for (const k of b.keys()) if (!a.has(k)) onlyRef.push(k)

// the cosine of a differing pair, from the weight (w = 1/(1-s+1e-6)) or recomputed from the vectors
let cos = (_k: number, w: number) => 1 + 1e-6 - 1 / w
if (emb) {
  const npy = openNpy(emb)
  const row = (r: number) => {
    const v = new Float32Array(npy.dim)
    readNpyRows(npy, r, 1, v)
    return v
  }
  cos = (k: number) => {
    const x = row(Math.floor(k / 2 ** 26)), y = row(k % 2 ** 26)
    let d = 0, nx = 0, ny = 0
    for (let q = 0; q < x.length; q++) d += x[q] * y[q], nx += x[q] * x[q], ny += y[q] * y[q]
    return d / Math.sqrt(nx * ny)
  }
}
let outside = 0
for (const k of onlyMine) if (Math.abs(cos(k, a.get(k)!) - t) > EDGE_BAND) outside++
for (const k of onlyRef) if (Math.abs(cos(k, b.get(k)!) - t) > EDGE_BAND) outside++
// near s = 1 the weight 1/(1-s+eps) magnifies one float32 ulp of s (6e-8) up to 6e-2 relative, so
// weights beyond 1e-4 relative are accepted when the cosines they imply agree within COS_ATOL
const ok = outside === 0 && worstCos <= COS_ATOL
console.log(JSON.stringify({
  threshold: t,
  brook: a.size,
  reference: b.size,
  onlyBrook: onlyMine.length,
  onlyReference: onlyRef.length,
  differingOutsideBand: outside,
  worstWeightRelErr: Number(worst.toExponential(3)),
  weightsOver1e4: overRtol,
  worstImpliedCosineDiff: Number(worstCos.toExponential(3)),
  ok,
}))
process.exit(ok ? 0 : 1)
