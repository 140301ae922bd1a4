/**
 * brook's leiden() on an edge list (TSV `i j [w]`) for seeds 0 .. SEEDS-1, one process: writes one line per
 * seed to OUT, the community of every node separated by spaces (bench/lfr.py compare reads it).
 * usage: bun bench/leiden_memberships.ts EDGES.tsv NODES SEEDS OUT
 */
import * as fs from "node:fs"
import { CsrBuilder } from "../graph/csr_builder.ts"
import { leiden } from "../operators/leiden/leiden.ts"

const [file, nodesArg, seedArg, out] = process.argv.slice(2)
const lines = fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "")
const src = new Uint32Array(lines.length), dst = new Uint32Array(lines.length), w = new Float32Array(lines.length)
lines.forEach((l, k) => {
  const p = l.trim().split(/\s+/)
  src[k] = Number(p[0])
  dst[k] = Number(p[1])
  w[k] = p.length > 2 ? Number(p[2]) : 1
})
const builder = new CsrBuilder()
builder.add(src, dst, w)
const g = builder.build(Number(nodesArg))
const rows: string[] = []
for (let s = 0; s < Number(seedArg); s++) rows.push(Array.from(leiden(g, { seed: s }).membership).join(" "))
fs.writeFileSync(out, rows.join("\n") + "\n")
