/**
 * Leiden (Traag, Waltman and van Eck 2019, "From Louvain to Leiden: guaranteeing well-connected
 * communities"), over typed arrays only.
 *
 * One iteration: fast local moving with a queue, the randomised refinement (merging singletons into
 * well-connected refined clusters of their community, with probability ~ exp(gain / theta)), and
 * aggregation of the refined partition, with the unrefined partition as the aggregate's start; levels
 * repeat until local moving leaves every node alone. Iterations repeat from the last partition until one
 * changes nothing (or `iterations` are done). Communities are then split into their connected components
 * (a no-op for Leiden's guarantee, kept as the contract: every community returned is connected) and
 * numbered by size descending, then smallest node.
 *
 * Both objectives share one move gain, w(v, C) - g * a_v * A_C: for modularity a is the weighted degree
 * and g = resolution / (2m); for CPM a is the node count and g = resolution.
 *
 * Determinism: a seeded Rng, no Map or Set, fixed iteration orders, exp computed in plain arithmetic.
 */
import type { Csr } from "../../graph/csr.ts"
import { expNonPositive, Rng } from "./random.ts"

export type Objective = "modularity" | "cpm"

export interface LeidenOptions {
  readonly objective?: Objective
  /** gamma (default 1, for both objectives, as igraph and leidenalg). */
  readonly resolution?: number
  /** Refinement randomness theta (default 0.01). */
  readonly randomness?: number
  /** Iterations; -1 (default) repeats until an iteration changes nothing. */
  readonly iterations?: number
  readonly seed?: number
  /** Called before each allocation of algorithm state (bytes); throw to refuse it. */
  readonly reserve?: (bytes: number) => void
}

/**
 * The graph Leiden runs on: a CSR, or the subgraph of a CSR induced by `nodes` (row of local v is the
 * parent's row nodes[v]; a neighbour t maps to local[t], skipped when -1).
 */
export interface LevelGraph {
  readonly n: number
  readonly offsets: Uint32Array
  readonly targets: Uint32Array
  readonly weights: Float32Array | Float64Array
  readonly nodes?: Uint32Array
  readonly local?: Int32Array
}

export interface LeidenResult {
  /** Community of each node: 0 is the largest, ties by smallest node. */
  readonly membership: Uint32Array
  readonly communities: number
  /** Quality of the result under the objective (modularity Q, or the CPM sum). */
  readonly quality: number
  readonly iterations: number
  /** Typed-array bytes the run held at its peak (graph excluded). */
  readonly peakBytes: number
}

/**
 * Typed-array bytes Leiden holds for `n` nodes on top of the graph, at level 0: node weights 8, membership
 * 4 and its copy from the previous iteration 4, level map 4, refined clusters 4, community totals 8,
 * scratch slots 4 + 4 + 8, queue 4 + 1, empty stack and counts 8 (reused as refined totals), refined
 * external weights 8. Aggregate graphs come on top (12 B per CSR entry, 20 B per node at most) and are
 * reserved as they are built; they shrink level by level.
 */
export const LEIDEN_BYTES_PER_NODE = 73

export function leiden(g: LevelGraph | Csr, options: LeidenOptions = {}): LeidenResult {
  const objective = options.objective ?? "modularity"
  const gamma = options.resolution ?? 1
  const theta = options.randomness ?? 0.01
  const maxIterations = options.iterations ?? -1
  const rng = new Rng(options.seed ?? 0)
  const n = g.n
  const mem = new Meter(options.reserve)
  const nodeWeight = mem.f64(n)
  let total = 0
  for (let v = 0; v < n; v++) {
    nodeWeight[v] = objective === "modularity" ? strengthOf(g, v) : 1
    total += objective === "modularity" ? nodeWeight[v] : 0
  }
  const scale = objective === "modularity" ? (total > 0 ? gamma / total : 0) : gamma
  let membership = mem.u32(n)
  for (let v = 0; v < n; v++) membership[v] = v
  let iterations = 0
  if (n > 0 && (objective === "cpm" || total > 0)) {
    const work = new Work(n, mem)
    for (; maxIterations < 0 || iterations < maxIterations;) {
      iterations++
      const before = mem.u32(n)
      before.set(membership)
      iteration(g, nodeWeight, membership, scale, theta, rng, work, mem)
      const same = samePartition(before, membership, n, work)
      mem.free(before)
      if (same) break
    }
  }
  const { membership: out, communities } = finish(g, membership, mem)
  return {
    membership: out,
    communities,
    quality: quality(g, out, communities, objective, gamma),
    iterations,
    peakBytes: mem.peak,
  }
}

/** Counts typed-array bytes, for the memory figures (and the operator's checks). */
class Meter {
  now = 0
  peak = 0
  constructor(private readonly reserve?: (bytes: number) => void) {}
  private take(bytes: number): void {
    // the caller's budget is asked only for growth beyond the peak: freed state is reused
    if (this.reserve && this.now + bytes > this.peak) this.reserve(this.now + bytes - this.peak)
    this.now += bytes
    if (this.now > this.peak) this.peak = this.now
  }
  free(...arrays: ArrayBufferView[]): void {
    for (const a of arrays) this.now -= a.byteLength
  }
  u32(n: number): Uint32Array {
    this.take(4 * n)
    return new Uint32Array(n)
  }
  i32(n: number): Int32Array {
    this.take(4 * n)
    return new Int32Array(n)
  }
  f64(n: number): Float64Array {
    this.take(8 * n)
    return new Float64Array(n)
  }
  u8(n: number): Uint8Array {
    this.take(n)
    return new Uint8Array(n)
  }
}

/** Scratch reused by every level (sized for level 0; aggregates are smaller). */
class Work {
  readonly slot: Int32Array
  readonly touched: Uint32Array
  readonly acc: Float64Array
  readonly queue: Uint32Array
  readonly flag: Uint8Array
  readonly stack: Uint32Array
  readonly count: Uint32Array
  /** The buffer of stack and count, seen as float64: refined cluster totals during refinement. */
  readonly refTotal: Float64Array
  readonly refExt: Float64Array
  readonly total: Float64Array
  constructor(n: number, mem: Meter) {
    this.slot = mem.i32(n).fill(-1)
    this.touched = mem.u32(n)
    this.acc = mem.f64(n)
    this.queue = mem.u32(n)
    this.flag = mem.u8(n)
    this.refTotal = mem.f64(n)
    this.stack = new Uint32Array(this.refTotal.buffer, 0, n)
    this.count = new Uint32Array(this.refTotal.buffer, 4 * n, n)
    this.refExt = mem.f64(n)
    this.total = mem.f64(n)
  }
}

function strengthOf(g: LevelGraph, v: number): number {
  const row = g.nodes ? g.nodes[v] : v
  let s = 0
  for (let x = g.offsets[row]; x < g.offsets[row + 1]; x++) {
    const t = g.targets[x]
    const u = g.local ? g.local[t] : t
    if (u < 0) continue
    s += u === v ? 2 * g.weights[x] : g.weights[x]
  }
  return s
}

/**
 * Sums v's edge weights per neighbouring community into work.acc (slots listed in work.touched, in
 * order of first touch); returns how many communities were touched. Self-loops are skipped.
 */
function gather(
  g: LevelGraph,
  v: number,
  comm: Uint32Array,
  w: Work,
  filter?: Uint32Array,
  only = 0,
): number {
  const row = g.nodes ? g.nodes[v] : v
  let k = 0
  for (let x = g.offsets[row]; x < g.offsets[row + 1]; x++) {
    const t = g.targets[x]
    const u = g.local ? g.local[t] : t
    if (u < 0 || u === v) continue
    if (filter && filter[u] !== only) continue
    const c = comm[u]
    let s = w.slot[c]
    if (s < 0) {
      s = w.slot[c] = k
      w.touched[k++] = c
      w.acc[s] = 0
    }
    w.acc[s] += g.weights[x]
  }
  return k
}

function clearSlots(w: Work, k: number): void {
  for (let s = 0; s < k; s++) w.slot[w.touched[s]] = -1
}

/** One Leiden iteration from `membership` (community per node of g), which it overwrites. */
function iteration(
  g0: LevelGraph,
  weight0: Float64Array,
  membership: Uint32Array,
  scale: number,
  theta: number,
  rng: Rng,
  w: Work,
  mem: Meter,
): void {
  const n0 = g0.n
  // level-0 node -> node of the current level
  const agg = mem.u32(n0)
  for (let v = 0; v < n0; v++) agg[v] = v
  let g: LevelGraph = g0
  let a = weight0
  let comm = membership
  renumber(comm, comm, n0, w.slot)
  for (;;) {
    const n = g.n
    const k = moveNodes(g, a, comm, scale, rng, w)
    if (k === n) break
    const refined = mem.u32(n)
    let kr = refine(g, a, comm, scale, theta, rng, w, refined)
    if (kr === n) {
      // refinement merged nothing: aggregate by the communities themselves (as igraph does)
      kr = renumber(comm, refined, n, w.slot)
    }
    const next = aggregate(g, a, refined, kr, mem, w)
    const nextComm = mem.u32(kr)
    for (let v = 0; v < n; v++) nextComm[refined[v]] = comm[v]
    for (let v = 0; v < n0; v++) agg[v] = refined[agg[v]]
    if (g !== g0) mem.free(g.offsets, g.targets, g.weights, a)
    if (comm !== membership) mem.free(comm)
    mem.free(refined)
    g = next.graph
    a = next.weight
    comm = mem.u32(kr)
    renumber(nextComm, comm, kr, w.slot)
    mem.free(nextComm)
  }
  if (comm !== membership) {
    for (let v = 0; v < n0; v++) membership[v] = comm[agg[v]]
    mem.free(comm)
  }
  if (g !== g0) mem.free(g.offsets, g.targets, g.weights, a)
  mem.free(agg)
}

/**
 * Fast local moving: nodes visited from a queue (initially every node, shuffled); a node moves to the
 * neighbouring (or an empty) community with the largest gain when that beats staying; the neighbours it
 * leaves outside its new community are queued again. Returns the number of non-empty communities.
 */
function moveNodes(g: LevelGraph, a: Float64Array, comm: Uint32Array, scale: number, rng: Rng, w: Work): number {
  const n = g.n
  const total = w.total, count = w.count, queue = w.queue, inQueue = w.flag, empty = w.stack
  total.fill(0, 0, n)
  count.fill(0, 0, n)
  for (let v = 0; v < n; v++) {
    total[comm[v]] += a[v]
    count[comm[v]]++
  }
  let emptyTop = 0
  for (let c = n - 1; c >= 0; c--) if (count[c] === 0) empty[emptyTop++] = c
  for (let v = 0; v < n; v++) queue[v] = v
  rng.shuffle(queue, n)
  inQueue.fill(1, 0, n)
  let head = 0, size = n
  while (size > 0) {
    const v = queue[head]
    head = head + 1 === n ? 0 : head + 1
    size--
    inQueue[v] = 0
    const old = comm[v], av = a[v]
    const k = gather(g, v, comm, w)
    total[old] -= av
    count[old]--
    const so = w.slot[old]
    let best = old
    let bestGain = (so >= 0 ? w.acc[so] : 0) - scale * av * total[old]
    for (let s = 0; s < k; s++) {
      const c = w.touched[s]
      const gain = w.acc[s] - scale * av * total[c]
      if (gain > bestGain) {
        bestGain = gain
        best = c
      }
    }
    if (bestGain < 0 && count[old] > 0 && emptyTop > 0) best = empty[emptyTop - 1]
    clearSlots(w, k)
    if (best !== old && count[best] === 0) emptyTop--
    total[best] += av
    count[best]++
    comm[v] = best
    if (best === old) continue
    if (count[old] === 0) empty[emptyTop++] = old
    const row = g.nodes ? g.nodes[v] : v
    for (let x = g.offsets[row]; x < g.offsets[row + 1]; x++) {
      const t = g.targets[x]
      const u = g.local ? g.local[t] : t
      if (u < 0 || inQueue[u] || comm[u] === best) continue
      inQueue[u] = 1
      let tail = head + size
      if (tail >= n) tail -= n
      queue[tail] = u
      size++
    }
  }
  let k = 0
  for (let c = 0; c < n; c++) if (count[c] > 0) k++
  return k
}

/**
 * Refinement: within each community S, every node starts alone; in random order, a node still alone and
 * well connected to S (E(v, S - v) >= g a_v (A_S - a_v)) joins a well-connected refined cluster C of S
 * with gain >= 0, chosen with probability ~ exp(gain / theta) (staying alone has gain 0). Writes refined
 * cluster ids 0 .. k-1 into `out` and returns k.
 */
function refine(
  g: LevelGraph,
  a: Float64Array,
  comm: Uint32Array,
  scale: number,
  theta: number,
  rng: Rng,
  w: Work,
  out: Uint32Array,
): number {
  const n = g.n
  // w.total holds the community totals A_S from moveNodes
  const commTotal = w.total
  const ref = out
  const refTotal = w.refTotal
  const refExt = w.refExt
  const grown = w.flag
  grown.fill(0, 0, n)
  for (let v = 0; v < n; v++) {
    ref[v] = v
    refTotal[v] = a[v]
  }
  // E(v, S - v) for every v
  for (let v = 0; v < n; v++) {
    const row = g.nodes ? g.nodes[v] : v
    let e = 0
    for (let x = g.offsets[row]; x < g.offsets[row + 1]; x++) {
      const t = g.targets[x]
      const u = g.local ? g.local[t] : t
      if (u < 0 || u === v || comm[u] !== comm[v]) continue
      e += g.weights[x]
    }
    refExt[v] = e
  }
  const order = w.queue
  for (let v = 0; v < n; v++) order[v] = v
  rng.shuffle(order, n)
  for (let o = 0; o < n; o++) {
    const v = order[o]
    if (ref[v] !== v || grown[v]) continue
    const S = comm[v], av = a[v], AS = commTotal[S]
    if (refExt[v] < scale * av * (AS - av)) continue
    const k = gather(g, v, ref, w, comm, S)
    // candidates: well-connected refined clusters with gain >= 0, and v alone (gain 0)
    let maxGain = 0
    for (let s = 0; s < k; s++) {
      const c = w.touched[s]
      const gain = w.acc[s] - scale * av * refTotal[c]
      if (refExt[c] >= scale * refTotal[c] * (AS - refTotal[c]) && gain >= 0) {
        if (gain > maxGain) maxGain = gain
      }
    }
    // weights exp((gain - max) / theta); v alone first, then clusters in touch order
    let sum = expNonPositive(-maxGain / theta)
    const stay = sum
    for (let s = 0; s < k; s++) {
      const c = w.touched[s]
      const gain = w.acc[s] - scale * av * refTotal[c]
      if (refExt[c] >= scale * refTotal[c] * (AS - refTotal[c]) && gain >= 0) {
        sum += expNonPositive((gain - maxGain) / theta)
      }
    }
    let r = rng.next() * sum
    let chosen = v, chosenSlot = -1
    if (r >= stay) {
      r -= stay
      for (let s = 0; s < k; s++) {
        const c = w.touched[s]
        const gain = w.acc[s] - scale * av * refTotal[c]
        if (!(refExt[c] >= scale * refTotal[c] * (AS - refTotal[c]) && gain >= 0)) continue
        const p = expNonPositive((gain - maxGain) / theta)
        chosen = c
        chosenSlot = s
        if (r < p) break
        r -= p
      }
    }
    if (chosen !== v) {
      const wvc = w.acc[chosenSlot]
      refExt[chosen] = refExt[chosen] + refExt[v] - 2 * wvc
      refTotal[chosen] += av
      refTotal[v] = 0
      ref[v] = chosen
      grown[chosen] = 1
    }
    clearSlots(w, k)
  }
  // cluster ids are founder nodes; number them 0 .. k-1 in order of first appearance
  return renumber(ref, ref, n, w.slot)
}

/** Renumbers labels (< n) to 0 .. k-1 by first appearance, src may equal dst; returns k. */
function renumber(src: Uint32Array, dst: Uint32Array, n: number, slot: Int32Array): number {
  let k = 0
  for (let v = 0; v < n; v++) {
    const c = src[v]
    if (slot[c] < 0) slot[c] = k++
    dst[v] = slot[c]
  }
  for (let v = 0; v < n; v++) {
    // clear by the new labels' origin: every used label c has slot[c] >= 0; reset them all
    if (slot[v] >= 0) slot[v] = -1
  }
  return k
}

/** The graph of refined clusters: node weights summed, parallel edges merged, internal edges dropped. */
function aggregate(
  g: LevelGraph,
  a: Float64Array,
  refined: Uint32Array,
  k: number,
  mem: Meter,
  w: Work,
): { graph: LevelGraph; weight: Float64Array } {
  const n = g.n
  // members of each cluster, ascending
  const start = mem.u32(k + 1)
  for (let v = 0; v < n; v++) start[refined[v] + 1]++
  for (let c = 0; c < k; c++) start[c + 1] += start[c]
  const members = mem.u32(n)
  const fill = w.queue
  for (let c = 0; c < k; c++) fill[c] = start[c]
  for (let v = 0; v < n; v++) members[fill[refined[v]]++] = v
  const weight = mem.f64(k)
  for (let v = 0; v < n; v++) weight[refined[v]] += a[v]
  // pass 1 counts each row's distinct neighbours, pass 2 writes them
  const offsets = mem.u32(k + 1)
  for (let pass = 0; pass < 2; pass++) {
    const targets = pass === 1 ? mem.u32(offsets[k]) : undefined
    const weights = pass === 1 ? mem.f64(offsets[k]) : undefined
    let at = 0
    for (let c = 0; c < k; c++) {
      let touched = 0
      for (let m = start[c]; m < start[c + 1]; m++) {
        const v = members[m]
        const row = g.nodes ? g.nodes[v] : v
        for (let x = g.offsets[row]; x < g.offsets[row + 1]; x++) {
          const t = g.targets[x]
          const u = g.local ? g.local[t] : t
          if (u < 0) continue
          const d = refined[u]
          if (d === c) continue
          let s = w.slot[d]
          if (s < 0) {
            s = w.slot[d] = touched
            w.touched[touched++] = d
            w.acc[s] = 0
          }
          w.acc[s] += g.weights[x]
        }
      }
      if (pass === 0) offsets[c + 1] = offsets[c] + touched
      else {
        for (let s = 0; s < touched; s++) {
          targets![at] = w.touched[s]
          weights![at++] = w.acc[s]
        }
      }
      clearSlots(w, touched)
    }
    if (pass === 1) {
      mem.free(start, members)
      return { graph: { n: k, offsets, targets: targets!, weights: weights! }, weight }
    }
  }
  throw new Error("unreachable")
}

/** True when labels a and b (< n) split the nodes the same way: a one-to-one map between labels. */
function samePartition(a: Uint32Array, b: Uint32Array, n: number, w: Work): boolean {
  const forward = w.slot, backward = w.touched
  backward.fill(0xffffffff, 0, n)
  let same = true
  for (let v = 0; v < n && same; v++) {
    const x = a[v], y = b[v]
    if (forward[x] < 0 && backward[y] === 0xffffffff) {
      forward[x] = y
      backward[y] = x
    } else if (forward[x] !== y || backward[y] !== x) same = false
  }
  forward.fill(-1, 0, n)
  return same
}

/**
 * Splits every community into its connected components, then numbers communities by size descending,
 * ties by smallest node.
 */
function finish(g: LevelGraph, m: Uint32Array, mem: Meter): { membership: Uint32Array; communities: number } {
  const n = g.n
  const comp = mem.i32(n).fill(-1)
  const stack = mem.u32(n)
  let k = 0
  for (let s = 0; s < n; s++) {
    if (comp[s] >= 0) continue
    comp[s] = k
    let top = 0
    stack[top++] = s
    while (top > 0) {
      const v = stack[--top]
      const row = g.nodes ? g.nodes[v] : v
      for (let x = g.offsets[row]; x < g.offsets[row + 1]; x++) {
        const t = g.targets[x]
        const u = g.local ? g.local[t] : t
        if (u < 0 || comp[u] >= 0 || m[u] !== m[v]) continue
        comp[u] = k
        stack[top++] = u
      }
    }
    k++
  }
  // components are numbered by smallest node already (s ascends); order by size descending, stable
  const size = mem.u32(k)
  for (let v = 0; v < n; v++) size[comp[v]]++
  const order = mem.u32(k)
  for (let c = 0; c < k; c++) order[c] = c
  order.sort((p, q) => size[q] - size[p] || p - q)
  const rank = stack.subarray(0, k)
  for (let r = 0; r < k; r++) rank[order[r]] = r
  const out = mem.u32(n)
  for (let v = 0; v < n; v++) out[v] = rank[comp[v]]
  mem.free(comp, stack, size, order)
  return { membership: out, communities: k }
}

/**
 * Modularity Q = sum_c [ in_c / 2m - gamma (K_c / 2m)^2 ] (self-loops count twice in in_c and K_c, as
 * igraph counts them), or the CPM quality sum_c [ e_c - gamma * n_c (n_c - 1) / 2 ].
 */
export function quality(
  g: LevelGraph | Csr,
  membership: Uint32Array,
  communities: number,
  objective: Objective = "modularity",
  gamma = 1,
): number {
  const n = g.n
  const within = new Float64Array(communities)
  const tot = new Float64Array(communities)
  let total = 0
  for (let v = 0; v < n; v++) {
    const row = "nodes" in g && g.nodes ? g.nodes[v] : v
    const local = "local" in g ? g.local : undefined
    const c = membership[v]
    for (let x = g.offsets[row]; x < g.offsets[row + 1]; x++) {
      const t = g.targets[x]
      const u = local ? local[t] : t
      if (u < 0) continue
      const wt = u === v ? 2 * g.weights[x] : g.weights[x]
      total += wt
      tot[c] += objective === "modularity" ? wt : 0
      if (membership[u] === c) within[c] += wt
    }
    if (objective === "cpm") tot[c] += 1
  }
  let q = 0
  if (objective === "modularity") {
    if (total === 0) return 0
    for (let c = 0; c < communities; c++) q += within[c] / total - gamma * (tot[c] / total) ** 2
    return q
  }
  for (let c = 0; c < communities; c++) q += within[c] / 2 - gamma * (tot[c] * (tot[c] - 1)) / 2
  return q
}
