/**
 * Deterministic synthetic embeddings: unit vectors around topic centres, with near-duplicate
 * families, written as float32 .npy. usage: make_embeddings.ts OUT.npy N [D=384] [SEED=7]
 */
import * as fs from "node:fs"
import * as path from "node:path"

const [out, nText, dText, seedText] = process.argv.slice(2)
if (!out || !nText) {
  console.error("usage: make_embeddings.ts OUT.npy N [D=384] [SEED=7]")
  process.exit(2)
}
const n = Number(nText), d = Number(dText ?? 384)
let s = BigInt(Number(seedText ?? 7)) * 0x9e3779b97f4a7c15n & 0xffffffffffffffffn || 1n
const uniform = () => { // xorshift64*
  s ^= s >> 12n, s ^= (s << 25n) & 0xffffffffffffffffn, s ^= s >> 27n
  return Number(((s * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn) >> 11n) / 2 ** 53
}
const gauss = () => Math.sqrt(-2 * Math.log(uniform() || 1e-300)) * Math.cos(2 * Math.PI * uniform())
const unit = (v: Float64Array) => {
  let q = 0
  for (const x of v) q += x * x
  const inv = 1 / Math.sqrt(q)
  for (let k = 0; k < v.length; k++) v[k] *= inv
  return v
}
const topics = Math.max(1, Math.floor(n / 40))
const centres = Array.from({ length: topics }, () => unit(Float64Array.from({ length: d }, gauss)))
const rows = new Float32Array(n * d)
const row = new Float64Array(d)
for (let r = 0; r < n; r++) {
  const dup = r > 0 && uniform() < 0.15
  const base = dup ? Math.floor(uniform() * r) : -1
  const c = centres[Math.floor(uniform() * topics)]
  const spread = dup ? 0.05 + 0.35 * uniform() : 0.2 + 0.9 * uniform()
  const noise = unit(Float64Array.from({ length: d }, gauss))
  for (let k = 0; k < d; k++) row[k] = (dup ? rows[base * d + k] : c[k]) + spread * noise[k]
  unit(row)
  for (let k = 0; k < d; k++) rows[r * d + k] = row[k]
}
let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${n}, ${d}), }`
while ((10 + header.length + 1) % 64) header += " "
header += "\n"
const head = new Uint8Array(10 + header.length)
head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0])
new DataView(head.buffer).setUint16(8, header.length, true)
head.set(new TextEncoder().encode(header), 10)
fs.mkdirSync(path.dirname(out), { recursive: true })
fs.writeFileSync(out, Buffer.concat([head, new Uint8Array(rows.buffer)]))
console.error(`${out}: ${n} x ${d} float32`)
