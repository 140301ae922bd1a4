/** An edge list file (TSV `i j [w]`, blank lines and # comments skipped) as a CSR, for the Leiden benches. */
import * as fs from "node:fs"
import type { Csr } from "../graph/csr.ts"
import { CsrBuilder } from "../graph/csr_builder.ts"

export function readEdgeList(file: string, nodes = 0): Csr {
  const lines = fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"))
  const src = new Uint32Array(lines.length), dst = new Uint32Array(lines.length), w = new Float32Array(lines.length)
  lines.forEach((l, k) => {
    const p = l.trim().split(/\s+/)
    src[k] = Number(p[0])
    dst[k] = Number(p[1])
    w[k] = p.length > 2 ? Number(p[2]) : 1
  })
  const builder = new CsrBuilder()
  builder.add(src, dst, w)
  return builder.build(nodes)
}
