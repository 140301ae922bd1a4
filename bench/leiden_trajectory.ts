/**
 * Modularity after each of the first ITERATIONS Leiden iterations (same seed: iterations=k runs the first k
 * iterations of iterations=k+1), per seed, to compare with leidenalg's and igraph's gain per iteration.
 * usage: bun bench/leiden_trajectory.ts EDGES.tsv [SEEDS=3] [ITERATIONS=6] [key=value...]
 */
import { leiden } from "../operators/leiden/leiden.ts"
import { readEdgeList } from "./edge_list.ts"

const [file, seedArg, itArg, ...rest] = process.argv.slice(2)
const options = Object.fromEntries(rest.map((kv) => kv.split("=")).map(([k, v]) => [k, Number(v)]))
const g = readEdgeList(file)
for (let s = 0; s < Number(seedArg ?? 3); s++) {
  const qs: string[] = []
  for (let it = 1; it <= Number(itArg ?? 6); it++) qs.push(leiden(g, { ...options, seed: s, iterations: it }).quality.toFixed(5))
  console.log(`brook ${s} ${qs.join(" ")}`)
}
