/**
 * Checks `brook exodus stats` lines against exodus_peer.py's output for the same file, to the digits the peer
 * prints (min/max %.6g, sum %.10g; a sum that cancels to near zero within the rounding of its additions). Nodal variable i is vals_nod_var{i}; element variable v of block k (k-th
 * block in the file) is vals_elem_var{v}eb{k}. usage: bun bench/compare_exodus.ts BROOK.ndjson PEER.txt
 */
import * as fs from "node:fs"

const [brookFile, peerFile] = process.argv.slice(2)
const brook = fs.readFileSync(brookFile, "utf8").trim().split("\n").map((l) => JSON.parse(l))
const peer = new Map<string, { min: number; max: number; sum: number }>()
for (const line of fs.readFileSync(peerFile, "utf8").trim().split("\n")) {
  const m = /^(\S+) min=(\S+) max=(\S+) sum=(\S+)$/.exec(line)
  if (m) peer.set(m[1], { min: Number(m[2]), max: Number(m[3]), sum: Number(m[4]) })
}
const nodal = brook.filter((l) => l.kind === "nodal").map((l) => l.var)
const element = [...new Set(brook.filter((l) => l.kind === "element").map((l) => l.var))]
const blocks = [...new Set(brook.filter((l) => l.kind === "element").map((l) => l.block))]
/** Equal to `digits` significant digits, or within the rounding of `count` additions of values up to `scale`. */
const close = (a: number, b: number, digits: number, count = 0, scale = 0) =>
  Math.abs(a - b) <= Math.abs(b) * 10 ** (1 - digits) + count * scale * 2 ** -50
let checked = 0, bad = 0
for (const l of brook.filter((l) => l.kind === "nodal" || l.kind === "element")) {
  const name = l.kind === "nodal"
    ? `vals_nod_var${nodal.indexOf(l.var) + 1}`
    : `vals_elem_var${element.indexOf(l.var) + 1}eb${blocks.indexOf(l.block) + 1}`
  const p = peer.get(name)
  const ok = p && close(l.min, p.min, 6) && close(l.max, p.max, 6) &&
    close(l.sum, p.sum, 10, l.count, Math.max(Math.abs(l.min), Math.abs(l.max)))
  checked++
  if (!ok) {
    bad++, console.log(`differs: ${l.var} (${name}): brook ${l.min} ${l.max} ${l.sum}, peer ${JSON.stringify(p)}`)
  }
}
console.log(
  `${checked - bad} of ${checked} variables agree with the peer${
    checked === peer.size ? "" : ` (peer has ${peer.size})`
  }`,
)
process.exit(bad || checked !== peer.size ? 1 : 0)
