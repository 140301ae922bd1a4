/**
 * Builds a Csr from edges that arrive in batches, in bounded memory.
 *
 * Edges are held in fixed-size chunks of typed arrays (12 B per edge, no doubling copies), reserved
 * from the caller's budget one chunk at a time. `build` then makes, chunk by chunk (each freed once
 * read), a half CSR keyed by min(u, v) (8 B per edge), sorts and merges its rows (parallel edges
 * summed, self-loops dropped unless kept), and mirrors it into the full CSR (16 B per edge). Peak:
 * 24 B per edge plus 8 B per node, at the mirroring step; 16 B per edge plus 4 B per node afterwards.
 *
 * Why in memory rather than spilled: Leiden needs the whole CSR in memory for random access anyway,
 * and the build's peak equals the 24 B per edge the clustering is allowed, so a spill file would not
 * lower the operator's peak, only add I/O.
 */
import type { Csr } from "./csr.ts"

/** Edges per chunk: 64 Ki edges, 768 KiB. */
export const CHUNK_EDGES = 1 << 16
const CHUNK_BYTES = CHUNK_EDGES * 12
/** Largest number of directed entries a Uint32 offset can address. */
const MAX_ENTRIES = 0xffff_ffff

export interface CsrBuilderOptions {
  /** Keep edges (u, u). Default false: they are dropped. */
  readonly keepSelfLoops?: boolean
  /** Called before every allocation with its size in bytes; throw to refuse it. */
  readonly reserve?: (bytes: number, what: string) => void
  /** Called when an allocation is freed. */
  readonly release?: (bytes: number) => void
}

interface Chunk {
  src: Uint32Array
  dst: Uint32Array
  weight: Float32Array
  length: number
}

export class CsrBuilder {
  private readonly chunks: Chunk[] = []
  private maxId = -1
  private added = 0
  private readonly reserve: (bytes: number, what: string) => void
  private readonly releaseBytes: (bytes: number) => void

  constructor(private readonly options: CsrBuilderOptions = {}) {
    this.reserve = options.reserve ?? (() => {})
    this.releaseBytes = options.release ?? (() => {})
  }

  /** Edges added so far (before merging). */
  get edges(): number {
    return this.added
  }

  /** Highest node id seen so far, -1 before any edge. */
  get highestNode(): number {
    return this.maxId
  }

  /**
   * Adds `length` edges (src[x], dst[x], weight[x]); weight defaults to 1. Throws RangeError naming the
   * edge (0-based, over everything added) when a weight is negative or not finite.
   */
  add(src: Uint32Array, dst: Uint32Array, weight?: Float32Array, length = src.length): void {
    for (let x = 0; x < length;) {
      let c = this.chunks[this.chunks.length - 1]
      if (!c || c.length === CHUNK_EDGES) {
        this.reserve(CHUNK_BYTES, "edge chunks")
        c = {
          src: new Uint32Array(CHUNK_EDGES),
          dst: new Uint32Array(CHUNK_EDGES),
          weight: new Float32Array(CHUNK_EDGES),
          length: 0,
        }
        this.chunks.push(c)
      }
      const take = Math.min(CHUNK_EDGES - c.length, length - x)
      this.maxId = copyIn(c, src, dst, weight, x, take, this.maxId, this.added)
      c.length += take
      this.added += take
      x += take
    }
  }

  /** The CSR over nodes 0 .. max(n, highest id + 1) - 1. The builder is empty afterwards. */
  build(n = 0): Csr {
    n = Math.max(n, this.maxId + 1)
    const keepLoops = this.options.keepSelfLoops ?? false
    // half CSR: row min(u, v) holds max(u, v); offsets filled as row ends, then decremented to starts
    this.reserve(4 * (n + 1), "half CSR offsets")
    const hoff = new Uint32Array(n + 1)
    for (const c of this.chunks) countHalf(c.src, c.dst, c.length, keepLoops, hoff)
    const total = rowEnds(hoff, n)
    this.reserve(8 * total, "half CSR")
    const ht = new Uint32Array(total)
    const hw = new Float32Array(total)
    // fill backwards so that, within a row, edges keep the order they arrived in
    for (let ci = this.chunks.length - 1; ci >= 0; ci--) {
      const c = this.chunks[ci]
      fillHalf(c.src, c.dst, c.weight, c.length, keepLoops, hoff, ht, hw)
      this.chunks.pop()
      this.releaseBytes(CHUNK_BYTES)
    }
    this.added = 0
    this.maxId = -1
    // full CSR: row lengths counted while merging, then filled from the row ends walking u downwards,
    // so every row comes out sorted
    this.reserve(4 * (n + 1), "CSR offsets")
    const end = new Uint32Array(n + 1)
    const entries = sortAndMerge(n, hoff, ht, hw, end)
    if (2 * entries > MAX_ENTRIES) {
      throw new RangeError(`${entries} distinct edges: more than a u32-offset CSR holds (${MAX_ENTRIES / 2})`)
    }
    const full = rowEnds(end, n)
    this.reserve(8 * full, "CSR")
    const targets = new Uint32Array(full)
    const weights = new Float32Array(full)
    mirror(n, hoff, ht, hw, end, targets, weights)
    this.releaseBytes(4 * (n + 1) + 8 * total)
    return { n, offsets: end, targets, weights }
  }
}

// The build's passes, each a function of its own over local typed arrays: an engine compiles a small
// function sooner and better than one long one, which matters for loops that run once per build.

/** add's copy into chunk c at c.length: take edges from x on; returns the new highest node id. */
function copyIn(
  c: Chunk,
  src: Uint32Array,
  dst: Uint32Array,
  weight: Float32Array | undefined,
  x: number,
  take: number,
  max: number,
  added: number,
): number {
  const cs = c.src, cd = c.dst, cw = c.weight, at = c.length
  for (let k = 0; k < take; k++) {
    const u = src[x + k], v = dst[x + k]
    const w = weight ? weight[x + k] : 1
    if (!(w >= 0) || w === Infinity) {
      throw new RangeError(`edge ${added + k}: weight ${w} is not a finite number >= 0`)
    }
    cs[at + k] = u
    cd[at + k] = v
    cw[at + k] = w
    if (u > max) max = u
    if (v > max) max = v
  }
  return max
}

/** Counts each edge in row min(u, v) of the half CSR. */
function countHalf(src: Uint32Array, dst: Uint32Array, len: number, keepLoops: boolean, hoff: Uint32Array): void {
  for (let k = 0; k < len; k++) {
    const u = src[k], v = dst[k]
    if (u !== v || keepLoops) hoff[u < v ? u : v]++
  }
}

/** Row counts to running row ends (off[n] the total); returns the total. */
function rowEnds(off: Uint32Array, n: number): number {
  let total = 0
  for (let u = 0; u < n; u++) off[u] = total += off[u]
  off[n] = total
  return total
}

/** Places one chunk's edges, last first, at the ends of their half rows (moving those ends down). */
function fillHalf(
  src: Uint32Array,
  dst: Uint32Array,
  weight: Float32Array,
  len: number,
  keepLoops: boolean,
  hoff: Uint32Array,
  ht: Uint32Array,
  hw: Float32Array,
): void {
  for (let k = len - 1; k >= 0; k--) {
    const u = src[k], v = dst[k]
    if (u === v && !keepLoops) continue
    const at = --hoff[u < v ? u : v]
    ht[at] = u < v ? v : u
    hw[at] = weight[k]
  }
}

/** Writes the full CSR from the half one, rows from their ends, u downwards: rows come out sorted. */
function mirror(
  n: number,
  hoff: Uint32Array,
  ht: Uint32Array,
  hw: Float32Array,
  end: Uint32Array,
  targets: Uint32Array,
  weights: Float32Array,
): void {
  for (let u = n - 1; u >= 0; u--) {
    const a = hoff[u]
    for (let x = hoff[u + 1] - 1; x >= a; x--) {
      const v = ht[x], w = hw[x]
      let at = --end[u]
      targets[at] = v
      weights[at] = w
      if (v !== u) {
        at = --end[v]
        targets[at] = u
        weights[at] = w
      }
    }
  }
}

/**
 * Sorts every half row by target (stable: equal targets keep their arrival order, so merged sums are
 * deterministic), sums parallel edges in float64 and rounds once, and compacts rows in place.
 * Returns the number of distinct entries; `off` holds the new row starts. Counts the full CSR's row
 * lengths into `full` on the way: each distinct entry in its row and, unless a self-loop, its target's.
 */
function sortAndMerge(n: number, off: Uint32Array, t: Uint32Array, w: Float32Array, full: Uint32Array): number {
  let write = 0
  let order: Uint32Array | undefined
  for (let u = 0; u < n; u++) {
    const a = off[u], b = off[u + 1]
    off[u] = write
    const len = b - a
    if (len <= 1) {
      // most rows of a sparse graph: nothing to sort or merge
      if (len === 1) {
        const v = t[a]
        t[write] = v
        w[write++] = w[a]
        full[u]++
        if (v !== u) full[v]++
      }
      continue
    }
    if (len <= 32) {
      for (let x = a + 1; x < b; x++) {
        const tx = t[x], wx = w[x]
        let y = x - 1
        while (y >= a && t[y] > tx) {
          t[y + 1] = t[y]
          w[y + 1] = w[y]
          y--
        }
        t[y + 1] = tx
        w[y + 1] = wx
      }
    } else {
      if (!order || order.length < len) order = new Uint32Array(Math.max(len, 1024))
      const o = order.subarray(0, len)
      for (let k = 0; k < len; k++) o[k] = a + k
      o.sort((p, q) => t[p] - t[q] || p - q)
      const ts = Uint32Array.from(o, (p) => t[p])
      const ws = Float32Array.from(o, (p) => w[p])
      t.set(ts, a)
      w.set(ws, a)
    }
    for (let x = a; x < b;) {
      const target = t[x]
      let sum = w[x]
      let y = x + 1
      while (y < b && t[y] === target) sum += w[y++]
      t[write] = target
      w[write] = sum
      write++
      x = y
      if (target !== u) full[target]++
    }
    full[u] += write - off[u]
  }
  off[n] = write
  return write
}
