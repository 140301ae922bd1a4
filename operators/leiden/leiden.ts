/**
 * Leiden (Traag, Waltman and van Eck 2019, "From Louvain to Leiden: guaranteeing well-connected
 * communities"), over typed arrays only.
 *
 * One iteration: fast local moving with a queue, the randomised refinement (merging singletons into
 * well-connected refined clusters of their community, drawn ~ exp(gain / theta); with theta 0 the best one), and
 * aggregation of the refined partition, with the unrefined partition as the aggregate's start; levels
 * repeat until local moving leaves every node alone. Iterations repeat from the last partition until one
 * gains less than a tolerance in quality (LEIDEN_TOLERANCE), or `iterations` are done, or (-1) one moves no node. Communities are then split into their connected components
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
  /**
   * Refinement randomness theta (default LEIDEN_RANDOMNESS, 0.01): theta > 0 draws the cluster a node joins with
   * probability ~ exp(gain / theta); 0 takes the one with the largest gain.
   */
  readonly randomness?: number
  /**
   * Iterations: N >= 1 runs N (fewer when one moves no node: the rest would change nothing); -1 repeats until an
   * iteration moves no node. Default: until an iteration gains less than `tolerance`.
   */
  readonly iterations?: number
  /**
   * The default stopping rule: iterations go on until `patience` of them in a row each raise the quality by less
   * than this, per unit of edge weight (for modularity that is the gain in Q itself; for CPM the gain in its sum
   * over the total edge weight). Default LEIDEN_TOLERANCE. Ignored when `iterations` is given.
   */
  readonly tolerance?: number
  /** Iterations in a row that must each gain less than `tolerance` before the run stops (default LEIDEN_PATIENCE). */
  readonly patience?: number
  readonly seed?: number
  /** Called before each allocation of algorithm state (bytes); throw to refuse it. */
  readonly reserve?: (bytes: number) => void
  /**
   * Working arrays to take instead of allocating them (recursive Leiden passes one pool to every sub-problem):
   * their bytes are counted by the pool, not by this run's `reserve`.
   */
  readonly pool?: LeidenPool
}

/**
 * Leiden's working arrays (Work), kept from one run to the next: recursive Leiden solves thousands of small
 * sub-problems, each of which would otherwise allocate and zero its own. A run of n nodes takes them when they
 * hold n nodes (the first, top-level run sizes them), else they are replaced. Their bytes are asked of `reserve`
 * as they grow and stay held until `free`.
 */
export class LeidenPool {
  private work: Work | undefined
  private readonly mem: Meter
  constructor(reserve?: (bytes: number) => void) {
    this.mem = new Meter(reserve)
  }
  /** Bytes the pool holds now, and at most. */
  get bytes(): number {
    return this.mem.now
  }
  get peak(): number {
    return this.mem.peak
  }
  /** @internal Work for a run of n nodes whose largest degree is `degree`. */
  take(n: number, degree: number): Work {
    if (this.work !== undefined && this.work.capacity >= n) {
      this.work.fit(degree + 1)
      return this.work
    }
    this.work?.free(this.mem)
    return (this.work = new Work(n, degree, this.mem))
  }
  free(): void {
    this.work?.free(this.mem)
    this.work = undefined
  }
}

/**
 * The graph Leiden runs on: a CSR, or the subgraph of a CSR induced by `nodes` (row of local v is the
 * parent's row nodes[v]; a neighbour t maps to local[t], skipped when -1).
 */
export interface LevelGraph {
  readonly n: number
  readonly offsets: Uint32Array
  readonly targets: Uint32Array
  /** Float32 at every level: one element type keeps the hot loops monomorphic. */
  readonly weights: Float32Array
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
  /**
   * The last iteration's gain in quality per unit of edge weight (modularity: the gain in Q), as the stopping
   * rule saw it; 0 when it moved no node.
   */
  readonly lastGain: number
  /** Typed-array bytes the run held at its peak (graph excluded). */
  readonly peakBytes: number
}

/**
 * Typed-array bytes Leiden holds for `n` nodes on top of the graph, at level 0: membership 4, refined
 * clusters 4 (kept as the map from level-0 nodes to aggregate nodes), community totals 8, community slots
 * 4, queue 4, empty stack and counts 8 (reused as refined totals, f64), queue flags 1 inside refined
 * external weights 4 (f32; local moving and refinement never overlap). Level-0 node weights are not stored:
 * a node's strength is summed from its row when needed (1 for CPM). Refinement's "leave alone" mark is the
 * top bit of the refined cluster id (ids stay below 2^31, as the Int32 slots already require). Scratch per
 * neighbouring community is 20 B per unit of the largest degree. Aggregate graphs come on top (8 B per CSR
 * entry, 20 B per node at most) and are reserved as they are built; they shrink level by level.
 */
export const LEIDEN_BYTES_PER_NODE = 36

/**
 * Default stopping rule (see LeidenOptions.tolerance): stop after LEIDEN_PATIENCE (3) iterations in a row each
 * gained less than 1e-4 in modularity (or in CPM quality per unit of edge weight), or one moved no node. An
 * iteration's gain is the sum of the gains of every move local moving made in it, at every level: exact
 * (aggregation keeps the quality) and free to keep. Gains come in bursts (the refinement is random: an iteration
 * after two quiet ones may cut a community differently and gain 0.002), hence three quiet ones, not one.
 */
export const LEIDEN_TOLERANCE = 1e-4
export const LEIDEN_PATIENCE = 3

/**
 * Default refinement randomness theta, 0.01 (the paper's and igraph's): a singleton joins a well-connected refined
 * cluster drawn ~exp(gain / theta). On gains in edge-weight units the draw is nearly uniform among the clusters a
 * node has equally many edges to, whatever their weight (on the #include graph 61 % of the draws of two iterations
 * took a cluster other than the best, of mean weight 148 against the best's 45: a hub's heavy cluster). `randomness:
 * 0` takes the best one instead (leidenalg 0.9's greedy merge, with the paper's tests kept): an iteration from a
 * coarse partition gains more (#include, iteration 1: +0.0007 in Q), but run to the default stopping rule it ends no
 * higher on real graphs and lower on LFR's NMI, so the draw stays the default (BENCHMARKS.md, issue 15).
 */
export const LEIDEN_RANDOMNESS = 0.01

export function leiden(g: LevelGraph | Csr, options: LeidenOptions = {}): LeidenResult {
  return drain(leidenSteps(g, options))
}

/**
 * leiden, paused after every iteration: a caller that drives it can give the event loop a turn there
 * (so that Ctrl-C or an AbortSignal is heard during a long run) or stop.
 */
export function* leidenSteps(g: LevelGraph | Csr, options: LeidenOptions = {}): Generator<void, LeidenResult> {
  const objective = options.objective ?? "modularity"
  const gamma = options.resolution ?? 1
  const theta = options.randomness ?? LEIDEN_RANDOMNESS
  const maxIterations = options.iterations
  const tolerance = options.tolerance ?? LEIDEN_TOLERANCE
  const patience = options.patience ?? LEIDEN_PATIENCE
  const rng = new Rng(options.seed ?? 0)
  const n = g.n
  const mem = new Meter(options.reserve)
  let total = 0
  for (let v = 0; v < n; v++) total += strengthOf(g, v)
  const scale = objective === "modularity" ? (total > 0 ? gamma / total : 0) : gamma
  const membership = mem.u32(n)
  for (let v = 0; v < n; v++) membership[v] = v
  let iterations = 0, lastGain = 0
  const pool = options.pool
  const work = n === 0 ? undefined : pool !== undefined ? pool.take(n, maxDegree(g)) : new Work(n, maxDegree(g), mem)
  if (work !== undefined && (objective === "cpm" || total > 0)) {
    // an iteration's gain in quality per unit of edge weight (total is twice the edge weight): see LEIDEN_TOLERANCE
    const perWeight = total > 0 ? 2 / total : 0
    let quiet = 0
    for (; maxIterations === undefined || maxIterations < 0 || iterations < maxIterations;) {
      iterations++
      work.gained = 0
      // an iteration in which no node moves, at any level, returns the partition it started from
      const moved = iteration(g, objective === "cpm", membership, scale, theta, rng, work)
      lastGain = moved ? work.gained * perWeight : 0
      quiet = lastGain < tolerance ? quiet + 1 : 0
      if (!moved || (maxIterations === undefined && quiet >= patience)) break
      yield
    }
  }
  const { membership: out, communities } = finish(g, membership, mem, work)
  if (work !== undefined && pool === undefined) work.free(mem)
  return {
    membership: out,
    communities,
    quality: quality(g, out, communities, objective, gamma),
    iterations,
    lastGain,
    peakBytes: mem.peak + (pool?.peak ?? 0),
  }
}

/** Runs steps to the end and returns their result. */
export function drain<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next()
    if (r.done) return r.value
  }
}

/** Counts typed-array bytes, for the memory figures (and the operator's checks). */
class Meter {
  now = 0
  peak = 0
  constructor(private readonly reserve?: (bytes: number) => void) {}
  take(bytes: number): void {
    // the caller's budget is asked only for growth beyond the peak: freed state is reused
    if (this.reserve && this.now + bytes > this.peak) this.reserve(this.now + bytes - this.peak)
    this.now += bytes
    if (this.now > this.peak) this.peak = this.now
  }
  free(...arrays: ArrayBufferView[]): void {
    for (const a of arrays) this.now -= a.byteLength
  }
  private make<T extends ArrayBufferView>(C: new (n: number) => T, n: number, bytesEach: number): T {
    this.take(bytesEach * n)
    return new C(n)
  }
  u32 = (n: number): Uint32Array => this.make(Uint32Array, n, 4)
  i32 = (n: number): Int32Array => this.make(Int32Array, n, 4)
  f32 = (n: number): Float32Array => this.make(Float32Array, n, 4)
  f64 = (n: number): Float64Array => this.make(Float64Array, n, 8)
  u8 = (n: number): Uint8Array => this.make(Uint8Array, n, 1)
}

/** Scratch reused by every level (sized for level 0; aggregates are smaller). */
class Work {
  /** Nodes the per-node arrays hold. */
  readonly capacity: number
  readonly slot: Int32Array
  /** Scratch per neighbouring community, at least the largest degree of the level being worked on. */
  touched: Uint32Array
  acc: Float64Array
  /** Set when local moving moves a node. */
  moved = false
  /** Sum of the gains of the moves local moving made (in the units of w(v, C) - g a_v A_C). */
  gained = 0
  readonly queue: Uint32Array
  readonly stack: Uint32Array
  readonly count: Uint32Array
  /** The buffer of stack and count, seen as float64: refined cluster totals during refinement. */
  readonly refTotal: Float64Array
  /** Refined clusters' external weights; f32 keeps Leiden within 36 B per node (see LEIDEN_BYTES_PER_NODE). */
  readonly refExt: Float32Array
  /** Local moving's queue flags, over refExt's buffer. */
  readonly flag: Uint8Array
  readonly total: Float64Array
  /** Node strength summed by the last `gather` (the level-0 node weight for modularity). */
  strength = 0
  /**
   * Per-level arrays, kept for the whole run (levels and iterations) instead of allocated per level: the map from
   * level-0 nodes to aggregate nodes, refinement's output above level 0, and two sides (the level being read, the
   * aggregate being built) of offsets, node weights, targets, edge weights and community labels. They only grow.
   */
  map = EMPTY_U32
  refinedUp = EMPTY_U32
  readonly offsets = [EMPTY_U32, EMPTY_U32]
  readonly weight = [EMPTY_F64, EMPTY_F64]
  readonly targets = [EMPTY_U32, EMPTY_U32]
  readonly weights = [EMPTY_F32, EMPTY_F32]
  readonly comm = [EMPTY_U32, EMPTY_U32]
  /** Refinement's candidate gains, one per touched community (sized with touched). */
  gain: Float64Array
  constructor(n: number, degree: number, private readonly mem: Meter) {
    this.capacity = n
    this.slot = mem.i32(n).fill(-1)
    this.touched = mem.u32(degree + 1)
    this.acc = mem.f64(degree + 1)
    this.queue = mem.u32(n)
    this.refTotal = mem.f64(n)
    this.stack = new Uint32Array(this.refTotal.buffer, 0, n)
    this.count = new Uint32Array(this.refTotal.buffer, 4 * n, n)
    this.refExt = mem.f32(n)
    this.flag = new Uint8Array(this.refExt.buffer, 0, n)
    this.total = mem.f64(n)
    this.gain = mem.f64(degree + 1)
  }
  /** Grows the per-community scratch to hold k entries (keeping what it holds). */
  fit(k: number): void {
    if (k <= this.touched.length) return
    const cap = Math.max(k, 2 * this.touched.length)
    const t = this.mem.u32(cap), a = this.mem.f64(cap), gain = this.mem.f64(cap)
    t.set(this.touched)
    a.set(this.acc)
    this.mem.free(this.touched, this.acc, this.gain)
    this.touched = t
    this.acc = a
    this.gain = gain
  }
  /** Grows pooled array `a` to hold n (copying its first `keep` entries); returns it whole. */
  grow<T extends Uint32Array | Float32Array | Float64Array>(a: T, n: number, keep = 0): T {
    if (n <= a.length) return a
    const cap = Math.max(n, Math.ceil(1.5 * a.length))
    const b = (a instanceof Float64Array ? this.mem.f64(cap) : a instanceof Float32Array ? this.mem.f32(cap) : this.mem.u32(cap)) as T
    if (keep > 0) b.set(a.subarray(0, keep))
    this.mem.free(a)
    return b
  }
  free(mem: Meter): void {
    mem.free(
      this.map,
      this.refinedUp,
      ...this.offsets,
      ...this.weight,
      ...this.targets,
      ...this.weights,
      ...this.comm,
      this.slot,
      this.touched,
      this.acc,
      this.queue,
      this.refTotal,
      this.refExt,
      this.total,
      this.gain,
    )
  }
}

/** Sum of v's edge weights, self-loops twice. */
function strengthOf(g: LevelGraph, v: number): number {
  const targets = g.targets, weights = g.weights, local = g.local
  const row = g.nodes === undefined ? v : g.nodes[v]
  const end = g.offsets[row + 1]
  let s = 0
  for (let x = g.offsets[row]; x < end; x++) {
    const t = targets[x]
    const u = local === undefined ? t : local[t]
    if (u < 0) continue
    s += u === v ? 2 * weights[x] : weights[x]
  }
  return s
}

/**
 * Level 0's node weights are not stored: this empty array stands for them. An array, not undefined: with
 * `Float64Array | undefined` Bun's JIT kept the hot loops slow for several runs (median of 5 seeds on the
 * 100k threshold graph ~550 ms instead of ~290).
 */
const LEVEL0 = new Float64Array(0)
const EMPTY_U32 = new Uint32Array(0)
const EMPTY_F32 = new Float32Array(0)
const EMPTY_F64 = new Float64Array(0)

/** Node weight a_v: stored for aggregates; at level 0 (`a` is LEVEL0) 1 for CPM, else v's strength. */
function weightOf(g: LevelGraph, a: Float64Array, unit: boolean, v: number): number {
  return a !== LEVEL0 ? a[v] : unit ? 1 : strengthOf(g, v)
}

/**
 * Sums v's edge weights per neighbouring community into work.acc (slots listed in work.touched, in
 * order of first touch); returns how many communities were touched. Self-loops are skipped there; v's
 * strength (self-loops twice, summed in strengthOf's order) goes to work.strength.
 */
function gather(g: LevelGraph, v: number, comm: Uint32Array, w: Work): number {
  const targets = g.targets, weights = g.weights, local = g.local
  const slot = w.slot, touched = w.touched, acc = w.acc
  const row = g.nodes === undefined ? v : g.nodes[v]
  const end = g.offsets[row + 1]
  let k = 0, strength = 0
  for (let x = g.offsets[row]; x < end; x++) {
    const t = targets[x]
    const u = local === undefined ? t : local[t]
    if (u < 0) continue
    if (u === v) {
      strength += 2 * weights[x]
      continue
    }
    strength += weights[x]
    const c = comm[u]
    const s = slot[c]
    if (s < 0) {
      slot[c] = k
      touched[k] = c
      acc[k++] = weights[x]
    } else acc[s] += weights[x]
  }
  w.strength = strength
  return k
}

/** exp(-37) < 2^-53: a choice whose gain is this many theta below the best one's is never drawn. */
const NEGLIGIBLE = 37

/** Refinement marks a node it leaves alone by this bit of its refined cluster id. */
const DONE = 0x80000000

/**
 * `gather` over the neighbours u with within[u] === only (refinement: the node's own community), by their
 * refined cluster ids without the DONE bit.
 */
function gatherWithin(g: LevelGraph, v: number, comm: Uint32Array, w: Work, within: Uint32Array, only: number): number {
  const targets = g.targets, weights = g.weights, local = g.local
  const slot = w.slot, touched = w.touched, acc = w.acc
  const row = g.nodes === undefined ? v : g.nodes[v]
  const end = g.offsets[row + 1]
  let k = 0
  for (let x = g.offsets[row]; x < end; x++) {
    const t = targets[x]
    const u = local === undefined ? t : local[t]
    if (u < 0 || u === v || within[u] !== only) continue
    const c = (comm[u] & ~DONE) >>> 0
    const s = slot[c]
    if (s < 0) {
      slot[c] = k
      touched[k] = c
      acc[k++] = weights[x]
    } else acc[s] += weights[x]
  }
  return k
}

function clearSlots(w: Work, k: number): void {
  for (let s = 0; s < k; s++) w.slot[w.touched[s]] = -1
}

/**
 * One Leiden iteration from `membership` (community per node of g), which it overwrites. Returns whether
 * any node moved.
 */
function iteration(
  g0: LevelGraph,
  unit: boolean,
  membership: Uint32Array,
  scale: number,
  theta: number,
  rng: Rng,
  w: Work,
): boolean {
  const n0 = g0.n
  let g: LevelGraph = g0
  // node weights of aggregates; level 0's are computed from the graph (weightOf)
  let a: Float64Array = LEVEL0
  let comm = membership
  let moved = false
  // the side of the pooled buffers the next aggregate is written to (the current level is on the other)
  let side = 0
  renumber(comm, comm, n0, w.slot)
  for (;;) {
    const n = g.n
    w.moved = false
    if (g !== g0) w.fit(maxDegree(g) + 1)
    const k = moveNodes(g, a, unit, comm, scale, rng, w)
    moved ||= w.moved
    if (k === n) break
    // level-0 node -> node of the current level: the first refinement itself, then composed with the next
    let refined: Uint32Array
    if (g === g0) refined = (w.map = w.grow(w.map, n0))
    else refined = (w.refinedUp = w.grow(w.refinedUp, n))
    let kr = refine(g, a, unit, comm, scale, theta, rng, w, refined)
    if (kr === n) {
      // refinement merged nothing: aggregate by the communities themselves (as igraph does)
      kr = renumber(comm, refined, n, w.slot)
    }
    const next = aggregate(g, a, unit, refined, kr, w, side)
    const nextComm = (w.comm[side] = w.grow(w.comm[side], kr))
    for (let v = 0; v < n; v++) nextComm[refined[v]] = comm[v]
    if (g !== g0) {
      const map = w.map
      for (let v = 0; v < n0; v++) map[v] = refined[map[v]]
    }
    g = next.graph
    a = next.weight
    comm = nextComm.subarray(0, kr)
    renumber(comm, comm, kr, w.slot)
    side ^= 1
  }
  if (g !== g0) {
    const map = w.map
    for (let v = 0; v < n0; v++) membership[v] = comm[map[v]]
  }
  return moved
}

/** Largest degree of a level (for an induced view, of the parent rows: an upper bound). */
function maxDegree(g: LevelGraph): number {
  let d = 0
  for (let v = 0; v < g.n; v++) {
    const row = g.nodes ? g.nodes[v] : v
    const r = g.offsets[row + 1] - g.offsets[row]
    if (r > d) d = r
  }
  return d
}

/**
 * Fast local moving: nodes visited from a queue (initially every node, shuffled); a node moves to the
 * neighbouring (or an empty) community with the largest gain when that beats staying; the neighbours it
 * leaves outside its new community are queued again. Returns the number of non-empty communities.
 */
function moveNodes(
  g: LevelGraph,
  a: Float64Array,
  unit: boolean,
  comm: Uint32Array,
  scale: number,
  rng: Rng,
  w: Work,
): number {
  const n = g.n
  const total = w.total, count = w.count, queue = w.queue, inQueue = w.flag, empty = w.stack
  const slot = w.slot, acc = w.acc, touched = w.touched
  const offsets = g.offsets, targets = g.targets, local = g.local, nodes = g.nodes
  total.fill(0, 0, n)
  count.fill(0, 0, n)
  for (let v = 0; v < n; v++) {
    total[comm[v]] += weightOf(g, a, unit, v)
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
    const old = comm[v]
    const k = gather(g, v, comm, w)
    if (k === 0) continue
    const av = a !== LEVEL0 ? a[v] : unit ? 1 : w.strength
    total[old] -= av
    count[old]--
    const so = slot[old]
    let best = old
    const stay = (so >= 0 ? acc[so] : 0) - scale * av * total[old]
    let bestGain = stay
    for (let s = 0; s < k; s++) {
      const c = touched[s]
      const gain = acc[s] - scale * av * total[c]
      if (gain > bestGain) {
        bestGain = gain
        best = c
      }
    }
    if (bestGain < 0 && count[old] > 0 && emptyTop > 0) {
      best = empty[emptyTop - 1]
      bestGain = 0
    }
    clearSlots(w, k)
    if (best !== old && count[best] === 0) emptyTop--
    total[best] += av
    count[best]++
    comm[v] = best
    if (best === old) continue
    w.moved = true
    w.gained += bestGain - stay
    if (count[old] === 0) empty[emptyTop++] = old
    const row = nodes === undefined ? v : nodes[v]
    const end = offsets[row + 1]
    for (let x = offsets[row]; x < end; x++) {
      const t = targets[x]
      const u = local === undefined ? t : local[t]
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
 * with gain >= 0: with theta 0 the one with the largest gain, else one drawn with probability
 * ~ exp(gain / theta) (staying alone has gain 0). Writes refined
 * cluster ids 0 .. k-1 into `out` and returns k.
 */
function refine(
  g: LevelGraph,
  a: Float64Array,
  unit: boolean,
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
  // the DONE bit marks nodes refinement leaves alone: alone in their community (from moveNodes' counts,
  // read before refTotal reuses their buffer), or the founder of a grown refined cluster
  for (let v = 0; v < n; v++) ref[v] = w.count[comm[v]] === 1 ? (v | DONE) >>> 0 : v
  // E(v, S - v) and the weight a_v of every v refinement may move (the others are never read)
  const targets = g.targets, weights = g.weights, local = g.local
  for (let v = 0; v < n; v++) {
    if (ref[v] !== v) continue
    const row = g.nodes === undefined ? v : g.nodes[v]
    const end = g.offsets[row + 1], S = comm[v]
    let e = 0, strength = 0
    for (let x = g.offsets[row]; x < end; x++) {
      const t = targets[x]
      const u = local === undefined ? t : local[t]
      if (u < 0) continue
      if (u === v) {
        strength += 2 * weights[x]
        continue
      }
      strength += weights[x]
      if (comm[u] === S) e += weights[x]
    }
    refExt[v] = e
    refTotal[v] = a !== LEVEL0 ? a[v] : unit ? 1 : strength
  }
  const order = w.queue
  for (let v = 0; v < n; v++) order[v] = v
  rng.shuffle(order, n)
  for (let o = 0; o < n; o++) {
    const v = order[o]
    // joined a cluster, or DONE
    if (ref[v] !== v) continue
    // v is still a singleton: refTotal[v] is its weight
    const S = comm[v], av = refTotal[v], AS = commTotal[S]
    if (refExt[v] < scale * av * (AS - av)) continue
    const k = gatherWithin(g, v, ref, w, comm, S)
    // candidates: well-connected refined clusters with gain >= 0 (their gains kept in w.gain), and v alone
    const gain = w.gain, touched = w.touched, acc = w.acc
    let maxGain = 0, eligible = 0, only = -1
    for (let s = 0; s < k; s++) {
      const c = touched[s]
      const rc = refTotal[c]
      const d = acc[s] - scale * av * rc
      const ok = d >= 0 && refExt[c] >= scale * rc * (AS - rc)
      gain[s] = ok ? d : -1
      if (!ok) continue
      eligible++
      only = s
      if (d > maxGain) maxGain = d
    }
    let chosen = v, chosenSlot = -1
    if (eligible === 0) {
      // staying alone is the only choice: no draw
      clearSlots(w, k)
      continue
    }
    if (theta === 0) {
      // the best eligible cluster (ties: the last touched), joined even at gain 0, no draw (see LEIDEN_RANDOMNESS)
      for (let s = 0; s < k; s++) if (gain[s] >= 0 && (chosenSlot < 0 || gain[s] >= gain[chosenSlot])) chosenSlot = s
      chosen = touched[chosenSlot]
    } else {
      // probabilities ~ exp((gain - max) / theta), v alone first, then clusters in touch order. A choice more than
      // NEGLIGIBLE theta below the best has a probability under 2^-53 of the best's: it is left out, and when only
      // one choice is left there is no draw (a draw could not pick the others: r has 53 bits)
      const floor = maxGain - NEGLIGIBLE * theta
      let contenders = maxGain <= NEGLIGIBLE * theta ? 1 : 0
      for (let s = 0; s < k; s++) {
        if (gain[s] < floor) gain[s] = -1
        else if (gain[s] >= 0) (contenders++), (only = s)
      }
      if (contenders === 1 && maxGain > NEGLIGIBLE * theta) {
        chosen = touched[only]
        chosenSlot = only
      } else if (contenders > 1) {
        const stay = maxGain <= NEGLIGIBLE * theta ? expNonPositive(-maxGain / theta) : 0
        let sum = stay
        for (let s = 0; s < k; s++) {
          const p = gain[s] >= 0 ? expNonPositive((gain[s] - maxGain) / theta) : 0
          gain[s] = p
          sum += p
        }
        let r = rng.next() * sum
        if (r >= stay) {
          r -= stay
          for (let s = 0; s < k; s++) {
            if (gain[s] === 0) continue
            chosen = touched[s]
            chosenSlot = s
            if (r < gain[s]) break
            r -= gain[s]
          }
        }
      }
    }
    if (chosen !== v) {
      const wvc = acc[chosenSlot]
      refExt[chosen] = refExt[chosen] + refExt[v] - 2 * wvc
      refTotal[chosen] += av
      refTotal[v] = 0
      ref[v] = chosen
      ref[chosen] = (chosen | DONE) >>> 0
    }
    clearSlots(w, k)
  }
  for (let v = 0; v < n; v++) ref[v] = (ref[v] & ~DONE) >>> 0
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

/**
 * The graph of refined clusters: node weights summed, parallel edges merged, internal edges dropped. Written into
 * `side` of the work's pooled buffers (views of them are returned).
 */
function aggregate(
  g: LevelGraph,
  a: Float64Array,
  unit: boolean,
  refined: Uint32Array,
  k: number,
  w: Work,
  side: number,
): { graph: LevelGraph; weight: Float64Array } {
  const n = g.n
  // members of each cluster, ascending; refinement's totals are dead now, so their buffer (stack and count)
  // holds the members and the cluster starts (k < n: local moving left fewer communities than nodes)
  const start = w.count.subarray(0, k + 1).fill(0)
  for (let v = 0; v < n; v++) start[refined[v] + 1]++
  for (let c = 0; c < k; c++) start[c + 1] += start[c]
  const members = w.stack
  const fill = w.queue
  for (let c = 0; c < k; c++) fill[c] = start[c]
  for (let v = 0; v < n; v++) members[fill[refined[v]]++] = v
  const weight = (w.weight[side] = w.grow(w.weight[side], k)).subarray(0, k).fill(0)
  // one pass over the level's edges into the pooled arrays (they grow by half when needed, and stay)
  const offsets = (w.offsets[side] = w.grow(w.offsets[side], k + 1)).subarray(0, k + 1)
  offsets[0] = 0
  let targets = (w.targets[side] = w.grow(w.targets[side], Math.max(1024, k)))
  let weights = (w.weights[side] = w.grow(w.weights[side], targets.length))
  const gt = g.targets, gw = g.weights, go = g.offsets, local = g.local, nodes = g.nodes
  const slot = w.slot
  let touched = w.touched, acc = w.acc
  let at = 0
  for (let c = 0; c < k; c++) {
    let kc = 0
    for (let m = start[c]; m < start[c + 1]; m++) {
      const v = members[m]
      const row = nodes === undefined ? v : nodes[v]
      const end = go[row + 1]
      // v's strength, summed as strengthOf sums it (members ascend, so weight[c] adds them in node order)
      let strength = 0
      for (let x = go[row]; x < end; x++) {
        const t = gt[x]
        const u = local === undefined ? t : local[t]
        if (u < 0) continue
        strength += u === v ? 2 * gw[x] : gw[x]
        const d = refined[u]
        if (d === c) continue
        let s = slot[d]
        if (s < 0) {
          if (kc === touched.length) {
            w.fit(kc + 1)
            touched = w.touched
            acc = w.acc
          }
          s = slot[d] = kc
          touched[kc++] = d
          acc[s] = gw[x]
        } else acc[s] += gw[x]
      }
      weight[c] += a !== LEVEL0 ? a[v] : unit ? 1 : strength
    }
    if (at + kc > targets.length) {
      targets = w.targets[side] = w.grow(targets, at + kc, at)
      weights = w.weights[side] = w.grow(weights, targets.length, at)
    }
    for (let s = 0; s < kc; s++) {
      targets[at] = touched[s]
      weights[at++] = acc[s]
      slot[touched[s]] = -1
    }
    offsets[c + 1] = at
  }
  return { graph: { n: k, offsets, targets: targets.subarray(0, at), weights: weights.subarray(0, at) }, weight }
}

/**
 * Splits every community into its connected components, then numbers communities by size descending,
 * ties by smallest node.
 */
function finish(
  g: LevelGraph,
  m: Uint32Array,
  mem: Meter,
  w: Work | undefined,
): { membership: Uint32Array; communities: number } {
  const n = g.n
  // the work's arrays are free now: refined external weights hold the components, the queue the stack
  const comp = (w !== undefined ? new Int32Array(w.refExt.buffer, 0, n) : mem.i32(n)).fill(-1)
  const stack = w !== undefined ? w.queue : mem.u32(n)
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
  const size = w !== undefined ? w.count.subarray(0, k).fill(0) : mem.u32(k)
  for (let v = 0; v < n; v++) size[comp[v]]++
  const order = w !== undefined ? w.stack.subarray(0, k) : mem.u32(k)
  for (let c = 0; c < k; c++) order[c] = c
  order.sort((p, q) => size[q] - size[p] || p - q)
  const rank = stack.subarray(0, k)
  for (let r = 0; r < k; r++) rank[order[r]] = r
  const out = mem.u32(n)
  for (let v = 0; v < n; v++) out[v] = rank[comp[v]]
  if (w === undefined) mem.free(comp, stack, size, order)
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
