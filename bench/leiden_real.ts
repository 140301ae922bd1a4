/**
 * brook's leiden() on an edge list, in-process as the peers run (bench/leiden_real_peer.py), one run per seed:
 * median and best modularity, median seconds, iterations. Options as `key=value` (iterations=2, tolerance=0).
 * usage: bun bench/leiden_real.ts EDGES.tsv [SEEDS=5] [key=value...]
 */
import { leiden } from "../operators/leiden/leiden.ts"
import { readEdgeList } from "./edge_list.ts"

const [file, seedArg, ...rest] = process.argv.slice(2)
const seeds = Number(seedArg ?? 5)
const options = Object.fromEntries(rest.map((kv) => kv.split("=")).map(([k, v]) => [k, Number(v)]))
const g = readEdgeList(file)
const runtime = "Deno" in globalThis ? "deno" : "bun"
const qs: number[] = [], ts: number[] = [], its: number[] = []
for (let s = 0; s < seeds; s++) {
  const t = performance.now()
  const r = leiden(g, { ...options, seed: s })
  ts.push((performance.now() - t) / 1000)
  qs.push(r.quality)
  its.push(r.iterations)
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]
console.log(
  `brook-${runtime}${rest.length ? `[${rest.join(",")}]` : ""} n=${g.n} median_Q=${median(qs).toFixed(4)} ` +
    `best_Q=${Math.max(...qs).toFixed(4)} median_s=${median(ts).toFixed(4)} first_s=${ts[0].toFixed(4)} ` +
    `iterations=${its.join(",")}`,
)
