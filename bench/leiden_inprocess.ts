/**
 * Leiden in one process, as the peers run theirs (leiden_peer.py / lfr.py time the algorithm alone, seeds
 * in one interpreter): brook's leiden() on an edge list, SEEDS seeds, median milliseconds; for
 * `iterations` -1 (until no node moves, brook's default) and 1 (igraph 0.10's n_iterations=-1 runs one).
 * The first seed includes the JIT's warm-up, as a CLI process does; the median shows the steady state.
 * usage: bun bench/leiden_inprocess.ts EDGES.tsv [SEEDS=5]      (TSV: i j [w])
 */
import { leiden } from "../operators/leiden/leiden.ts"
import { readEdgeList } from "./edge_list.ts"

const [file, seedArg] = process.argv.slice(2)
const seeds = Number(seedArg ?? 5)
const g = readEdgeList(file)
const runtime = "Deno" in globalThis ? "deno" : "bun"
for (const iterations of [-1, 1]) {
  const ms: number[] = []
  let best = -Infinity, its = 0
  for (let s = 0; s < seeds; s++) {
    const t = performance.now()
    const r = leiden(g, { seed: s, iterations })
    ms.push(performance.now() - t)
    if (r.quality > best) best = r.quality
    its = Math.max(its, r.iterations)
  }
  const first = ms[0]
  ms.sort((a, b) => a - b)
  console.log(
    `brook-${runtime} iterations=${iterations} n=${g.n} best_Q=${best.toFixed(4)} max_iterations=${its} ` +
      `first_ms=${first.toFixed(1)} median_ms=${ms[ms.length >> 1].toFixed(1)}`,
  )
}
