/**
 * brook's leiden() on an edge list (TSV `i j [w]`) for seeds 0 .. SEEDS-1, one process: writes one line per
 * seed to OUT, the community of every node separated by spaces (bench/lfr.py compare reads it).
 * usage: bun bench/leiden_memberships.ts EDGES.tsv NODES SEEDS OUT
 */
import * as fs from "node:fs"
import { leiden } from "../operators/leiden/leiden.ts"
import { readEdgeList } from "./edge_list.ts"

const [file, nodesArg, seedArg, out] = process.argv.slice(2)
const g = readEdgeList(file, Number(nodesArg))
const rows: string[] = []
for (let s = 0; s < Number(seedArg); s++) rows.push(Array.from(leiden(g, { seed: s }).membership).join(" "))
fs.writeFileSync(out, rows.join("\n") + "\n")
