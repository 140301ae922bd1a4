/** CsrBuilder: merging, self-loops, sorted rows, chunks, bad weights and memory accounting. */
import { describe, expect, test } from "bun:test"
import { degree, edgeCount, edgeWeight, neighbours, neighbourWeights, strength } from "../../graph/csr.ts"
import { CHUNK_EDGES, CsrBuilder } from "../../graph/csr_builder.ts"

const build = (edges: number[][], options = {}, n = 0) => {
  const b = new CsrBuilder(options)
  b.add(
    Uint32Array.from(edges, (e) => e[0]),
    Uint32Array.from(edges, (e) => e[1]),
    Float32Array.from(edges, (e) => e[2] ?? 1),
  )
  return b.build(n)
}

describe("CsrBuilder", () => {
  test("rows are sorted, both directions present, parallel edges summed, self-loops dropped", () => {
    const g = build([[2, 0, 1], [0, 1, 2], [1, 0, 3], [3, 3, 5], [0, 2, 0.5], [1, 3, 1]])
    expect(g.n).toBe(4)
    expect(Array.from(neighbours(g, 0))).toEqual([1, 2])
    expect(Array.from(neighbourWeights(g, 0))).toEqual([5, 1.5])
    expect(Array.from(neighbours(g, 1))).toEqual([0, 3])
    expect(Array.from(neighbours(g, 2))).toEqual([0])
    expect(Array.from(neighbours(g, 3))).toEqual([1])
    expect(edgeCount(g)).toBe(3)
    expect(edgeWeight(g, 1, 0)).toBe(5)
    expect(edgeWeight(g, 2, 3)).toBe(0)
    expect(strength(g, 0)).toBe(6.5)
  })

  test("self-loops kept on request appear once and count twice in strength", () => {
    const g = build([[0, 0, 2], [0, 1, 1]], { keepSelfLoops: true })
    expect(Array.from(neighbours(g, 0))).toEqual([0, 1])
    expect(strength(g, 0)).toBe(5)
    expect(edgeCount(g)).toBe(2)
  })

  test("isolated nodes up to n, empty graph", () => {
    const g = build([[1, 2]], {}, 5)
    expect(g.n).toBe(5)
    expect(degree(g, 0)).toBe(0)
    expect(degree(g, 4)).toBe(0)
    const e = new CsrBuilder().build()
    expect(e.n).toBe(0)
    expect(e.targets.length).toBe(0)
  })

  test("agrees with a naive adjacency map on a random multigraph spanning many chunks", () => {
    const m = CHUNK_EDGES * 2 + 123, n = 5000
    let s = 7
    const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % n
    const src = new Uint32Array(m), dst = new Uint32Array(m), w = new Float32Array(m)
    const naive = new Map<number, number>()
    for (let k = 0; k < m; k++) {
      src[k] = rnd(), dst[k] = rnd(), w[k] = (k % 7) + 0.25
      if (src[k] === dst[k]) continue
      const key = Math.min(src[k], dst[k]) * n + Math.max(src[k], dst[k])
      naive.set(key, (naive.get(key) ?? 0) + w[k])
    }
    const b = new CsrBuilder()
    b.add(src.subarray(0, 1000), dst.subarray(0, 1000), w.subarray(0, 1000))
    b.add(src.subarray(1000), dst.subarray(1000), w.subarray(1000))
    const g = b.build()
    expect(edgeCount(g)).toBe(naive.size)
    for (const [key, weight] of naive) {
      const u = Math.floor(key / n), v = key % n
      expect(edgeWeight(g, u, v)).toBe(Math.fround(weight))
      expect(edgeWeight(g, v, u)).toBe(Math.fround(weight))
    }
    for (let u = 0; u < g.n; u++) {
      const row = neighbours(g, u)
      for (let x = 1; x < row.length; x++) expect(row[x] > row[x - 1]).toBe(true)
    }
  })

  test("every allocation is asked for first, and a refusal stops the build", () => {
    let held = 0, peak = 0
    const b = new CsrBuilder({
      reserve: (bytes) => {
        held += bytes
        peak = Math.max(peak, held)
      },
      release: (bytes) => void (held -= bytes),
    })
    const m = 200_000, n = 10_000
    const src = Uint32Array.from({ length: m }, (_, k) => k % n)
    const dst = Uint32Array.from({ length: m }, (_, k) => (k * 7 + 1) % n)
    b.add(src, dst)
    const g = b.build()
    // the CSR (and nothing else) is still held; the peak is within 24 B per edge + 8 B per node + a chunk
    expect(held).toBe(g.offsets.byteLength + g.targets.byteLength + g.weights.byteLength)
    expect(peak).toBeLessThanOrEqual(24 * m + 8 * (n + 1) + 12 * CHUNK_EDGES)
    const refusing = new CsrBuilder({
      reserve: (bytes, what) => {
        if (what === "CSR") throw new RangeError(`no room for ${bytes}`)
      },
    })
    refusing.add(src, dst)
    expect(() => refusing.build()).toThrow("no room")
  })

  test("bad weights name the edge", () => {
    const b = new CsrBuilder()
    b.add(new Uint32Array([0, 1]), new Uint32Array([1, 2]), new Float32Array([1, 2]))
    expect(() => b.add(new Uint32Array([0]), new Uint32Array([2]), new Float32Array([NaN]))).toThrow("edge 2")
    expect(() => b.add(new Uint32Array([0]), new Uint32Array([2]), new Float32Array([-1]))).toThrow("edge 2")
  })

  test("counts edges and the highest node as they arrive; weights default to 1; length limits what is read", () => {
    const b = new CsrBuilder()
    expect(b.edges).toBe(0)
    expect(b.highestNode).toBe(-1)
    b.add(new Uint32Array([0, 7, 3]), new Uint32Array([2, 1, 9]), undefined, 2)
    expect(b.edges).toBe(2)
    expect(b.highestNode).toBe(7) // the third edge (3, 9) was past `length`
    const g = b.build()
    expect(g.n).toBe(8)
    expect(Array.from(g.offsets)).toEqual([0, 1, 2, 3, 3, 3, 3, 3, 4])
    expect(Array.from(neighbourWeights(g, 0))).toEqual([1])
    expect(Array.from(neighbours(g, 7))).toEqual([1])
  })

  test("build empties the builder: the next build starts from nothing", () => {
    const b = new CsrBuilder()
    b.add(new Uint32Array([0, 1]), new Uint32Array([1, 2]))
    expect(edgeCount(b.build())).toBe(2)
    expect(b.edges).toBe(0)
    expect(b.highestNode).toBe(-1)
    const again = b.build()
    expect(again.n).toBe(0)
    expect(Array.from(again.offsets)).toEqual([0])
    b.add(new Uint32Array([4]), new Uint32Array([5]), new Float32Array([2]))
    const third = b.build()
    expect(third.n).toBe(6)
    expect(edgeCount(third)).toBe(1)
    expect(edgeWeight(third, 5, 4)).toBe(2)
  })

  test("a row longer than 32 entries (the sorting path for long rows) comes out sorted and merged", () => {
    const edges: number[][] = []
    for (let v = 60; v >= 1; v--) edges.push([0, v, v]) // arrives in descending order
    for (let v = 1; v <= 60; v += 3) edges.push([v, 0, 0.5]) // parallel edges, other direction
    const g = build(edges)
    const row = Array.from(neighbours(g, 0))
    expect(row).toEqual(Array.from({ length: 60 }, (_, k) => k + 1))
    expect(edgeWeight(g, 0, 1)).toBe(1.5)
    expect(edgeWeight(g, 0, 2)).toBe(2)
    expect(edgeWeight(g, 4, 0)).toBe(4.5)
    expect(degree(g, 0)).toBe(60)
    expect(edgeCount(g)).toBe(60)
  })

  test("a zero weight is kept as an edge; Infinity is refused", () => {
    const g = build([[0, 1, 0]])
    expect(edgeCount(g)).toBe(1)
    expect(edgeWeight(g, 0, 1)).toBe(0)
    expect(degree(g, 1)).toBe(1)
    const b = new CsrBuilder()
    expect(() => b.add(new Uint32Array([0]), new Uint32Array([1]), new Float32Array([Infinity])))
      .toThrow("edge 0: weight Infinity")
  })

  test("edges past one chunk reserve one more chunk, and every chunk is released by build", () => {
    const asked: string[] = []
    let held = 0
    const b = new CsrBuilder({
      reserve: (bytes, what) => (held += bytes, void asked.push(what)),
      release: (bytes) => void (held -= bytes),
    })
    const m = CHUNK_EDGES + 1
    b.add(new Uint32Array(m), Uint32Array.from({ length: m }, (_, k) => 1 + (k % 3)))
    expect(asked).toEqual(["edge chunks", "edge chunks"])
    expect(held).toBe(2 * CHUNK_EDGES * 12)
    const g = b.build()
    expect(asked.slice(2)).toEqual(["half CSR offsets", "half CSR", "CSR offsets", "CSR"])
    expect(held).toBe(g.offsets.byteLength + g.targets.byteLength + g.weights.byteLength)
    expect(edgeWeight(g, 0, 1)).toBe(21846)
  })
})
