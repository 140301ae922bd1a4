/**
 * Recursive Leiden: cluster the graph; a cluster larger than `maxSize` is clustered again on its induced
 * subgraph (a view of the parent CSR, nothing copied but its node list), depth first; a cluster that does
 * not split is final. Paths are dotted cluster numbers ("3.1.4"); at each level clusters are numbered by
 * size descending, then smallest node. A sub-problem's seed is derived from the run's seed and its path.
 */
import type { ClusterTable } from "../../core/batches.ts"
import { type Csr, induce, release } from "../../graph/csr.ts"
import { drain, type LeidenOptions, LeidenPool, leidenSteps } from "./leiden.ts"
import { deriveSeed } from "./random.ts"

export interface RecursiveOptions extends LeidenOptions {
  /** Clusters larger than this are split again (default: no recursion). */
  readonly maxSize?: number
  /** Returns what `reserve` was asked for once a Leiden run is done. */
  readonly release?: (bytes: number) => void
  /** Called between sub-problems: lets a caller yield, report progress or stop. */
  readonly onStep?: (done: number, total: number) => void
}

export interface Clustering {
  /** Leaf cluster of every node (index into `table`). */
  readonly leaf: Uint32Array
  readonly table: ClusterTable
  /** Communities and quality of the top level on the whole graph. */
  readonly topCommunities: number
  readonly topQuality: number
  /** Deepest level reached (0: no cluster was split again). */
  readonly depth: number
  /** Sub-problems solved (1 + every re-clustered cluster). */
  readonly runs: number
  /** Largest typed-array state of any Leiden run, bytes. */
  readonly peakStateBytes: number
}

interface Group {
  readonly nodes: Uint32Array
  readonly path: string
  readonly level: number
}

export function clusterRecursive(g: Csr, options: RecursiveOptions = {}): Clustering {
  return drain(clusterSteps(g, options))
}

/**
 * clusterRecursive, paused after every Leiden iteration and between sub-problems (see leidenSteps): the
 * operator drives it and gives the event loop a turn now and then.
 */
export function* clusterSteps(g: Csr, options: RecursiveOptions = {}): Generator<void, Clustering> {
  const maxSize = options.maxSize ?? Infinity
  const seed = options.seed ?? 0
  const reserve = options.reserve
  // one set of working arrays for every run: sized by the top level, reused by each sub-problem (the pool's
  // bytes are reserved as it grows and given back when the recursion ends)
  let pooled = 0
  const pool = new LeidenPool(reserve && ((b: number) => {
    reserve(b)
    pooled += b
  }))
  const run = function* (graph: Parameters<typeof leidenSteps>[0], runSeed: number) {
    let held = 0
    const result = yield* leidenSteps(graph, {
      ...options,
      pool,
      seed: runSeed,
      reserve: reserve && ((b: number) => {
        reserve(b)
        held += b
      }),
    })
    options.release?.(held)
    return result
  }
  const top = yield* run(g, seed)
  let peak = top.peakBytes
  const leaf = new Uint32Array(g.n)
  const paths: string[] = []
  const levels: number[] = []
  const sizes: number[] = []
  const local = new Int32Array(maxSize < g.n ? g.n : 0).fill(-1)
  let depth = 0, runs = 1
  // depth first, children in cluster order: a stack popped from the end, pushed in reverse
  const stack: Group[] = groups(top.membership, top.communities, undefined, "", 0).reverse()
  while (stack.length > 0) {
    const grp = stack.pop()!
    if (grp.nodes.length > maxSize) {
      options.onStep?.(runs, runs + stack.length)
      const view = induce(g, grp.nodes, local)
      yield
      const sub = yield* run(
        { n: grp.nodes.length, offsets: g.offsets, targets: g.targets, weights: g.weights, nodes: grp.nodes, local },
        deriveSeed(seed, grp.path),
      )
      release(view)
      runs++
      peak = Math.max(peak, sub.peakBytes)
      if (sub.communities > 1) {
        depth = Math.max(depth, grp.level + 1)
        const children = groups(sub.membership, sub.communities, grp.nodes, `${grp.path}.`, grp.level + 1)
        for (let c = children.length - 1; c >= 0; c--) stack.push(children[c])
        continue
      }
    }
    const id = paths.length
    paths.push(grp.path)
    levels.push(grp.level)
    sizes.push(grp.nodes.length)
    for (let k = 0; k < grp.nodes.length; k++) leaf[grp.nodes[k]] = id
  }
  pool.free()
  options.release?.(pooled)
  return {
    leaf,
    table: { paths, level: Int32Array.from(levels), size: Uint32Array.from(sizes) },
    topCommunities: top.communities,
    topQuality: top.quality,
    depth,
    runs,
    peakStateBytes: peak,
  }
}

/** Members of each community (ascending parent ids), as groups with their paths. */
function groups(
  membership: Uint32Array,
  k: number,
  parentNodes: Uint32Array | undefined,
  prefix: string,
  level: number,
): Group[] {
  const start = new Uint32Array(k + 1)
  for (let v = 0; v < membership.length; v++) start[membership[v] + 1]++
  for (let c = 0; c < k; c++) start[c + 1] += start[c]
  const all = new Uint32Array(membership.length)
  const fill = start.slice(0, k)
  for (let v = 0; v < membership.length; v++) all[fill[membership[v]]++] = parentNodes ? parentNodes[v] : v
  const out: Group[] = []
  for (let c = 0; c < k; c++) {
    out.push({ nodes: all.subarray(start[c], start[c + 1]), path: `${prefix}${c}`, level })
  }
  return out
}
