/**
 * The undirected graph in compressed sparse rows: every edge {u, v} appears in row u and in row v,
 * neighbours sorted ascending within a row, u32 node ids, f32 weights. 16 B per undirected edge plus
 * 4 B per node (row offsets). A self-loop, when kept, appears once in its own row.
 */

export interface Csr {
  /** Nodes: 0 .. n-1. */
  readonly n: number
  /** Row u is targets[offsets[u] .. offsets[u + 1]). Length n + 1. */
  readonly offsets: Uint32Array
  readonly targets: Uint32Array
  readonly weights: Float32Array
}

/** Bytes a CSR of n nodes and `entries` directed entries (2 per edge, 1 per self-loop) holds. */
export const csrBytes = (n: number, entries: number): number => 4 * (n + 1) + 8 * entries

export const degree = (g: Csr, u: number): number => g.offsets[u + 1] - g.offsets[u]

/** Undirected edges, self-loops counted once. */
export function edgeCount(g: Csr): number {
  let loops = 0
  for (let u = 0; u < g.n; u++) {
    for (let x = g.offsets[u]; x < g.offsets[u + 1]; x++) if (g.targets[x] === u) loops++
  }
  return (g.targets.length - loops) / 2 + loops
}

/** The neighbours of u (a view, no copy). */
export const neighbours = (g: Csr, u: number): Uint32Array => g.targets.subarray(g.offsets[u], g.offsets[u + 1])

/** The weights of u's edges, in the order of `neighbours(g, u)`. */
export const neighbourWeights = (g: Csr, u: number): Float32Array => g.weights.subarray(g.offsets[u], g.offsets[u + 1])

/** Weighted degree; a self-loop counts twice, as in modularity. */
export function strength(g: Csr, u: number): number {
  let s = 0
  for (let x = g.offsets[u]; x < g.offsets[u + 1]; x++) s += g.targets[x] === u ? 2 * g.weights[x] : g.weights[x]
  return s
}

/** Weight of edge {u, v}, or 0 (binary search in the sorted row). */
export function edgeWeight(g: Csr, u: number, v: number): number {
  let lo = g.offsets[u], hi = g.offsets[u + 1]
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const t = g.targets[mid]
    if (t === v) return g.weights[mid]
    if (t < v) lo = mid + 1
    else hi = mid
  }
  return 0
}

/**
 * A set of nodes of a parent graph, seen as a graph of its own without copying the parent's edges:
 * local node k is parent node `nodes[k]`; `local[p]` is p's local id or -1 outside the set.
 * Rows are the parent's rows with neighbours outside the set skipped.
 */
export interface Induced {
  readonly parent: Csr
  /** Parent ids of the local nodes, ascending. */
  readonly nodes: Uint32Array
  /** Parent id to local id, -1 outside; length parent.n. Shared between the induced graphs of one parent. */
  readonly local: Int32Array
}

/** Marks `nodes` (ascending parent ids) in `local` and returns the induced view. Undo with `release`. */
export function induce(parent: Csr, nodes: Uint32Array, local: Int32Array): Induced {
  for (let k = 0; k < nodes.length; k++) local[nodes[k]] = k
  return { parent, nodes, local }
}

/** Clears the marks `induce` set, so `local` can serve the next induced graph. */
export function release(view: Induced): void {
  for (let k = 0; k < view.nodes.length; k++) view.local[view.nodes[k]] = -1
}
