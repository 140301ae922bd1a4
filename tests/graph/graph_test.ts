/** The graph store: CSR build (merging, self-loops, sorted rows, memory accounting) and the node table. */
import { describe, expect, test } from "bun:test"
import {
  degree,
  edgeCount,
  edgeWeight,
  induce,
  neighbours,
  neighbourWeights,
  release,
  strength,
} from "../../graph/csr.ts"
import { CHUNK_EDGES, CsrBuilder } from "../../graph/csr_builder.ts"
import { NodeTable } from "../../graph/node_table.ts"

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

  test("induced views mark and clear their nodes", () => {
    const g = build([[0, 1], [1, 2], [2, 3], [3, 0]])
    const local = new Int32Array(g.n).fill(-1)
    const view = induce(g, new Uint32Array([1, 2]), local)
    expect(Array.from(local)).toEqual([-1, 0, 1, -1])
    release(view)
    expect(Array.from(local)).toEqual([-1, -1, -1, -1])
  })
})

describe("NodeTable", () => {
  test("string ids intern in order of first appearance and come back", () => {
    const t = new NodeTable("string")
    expect(Array.from(t.internAll(["b", "a", "b", "ü", "日本", "a"]))).toEqual([0, 1, 0, 2, 3, 1])
    expect(t.size).toBe(4)
    expect([0, 1, 2, 3].map((u) => t.id(u))).toEqual(["b", "a", "ü", "日本"])
    expect(t.lookup("日本")).toBe(3)
    expect(t.lookup("c")).toBe(-1)
  })

  test("many ids survive rehashing, integers included", () => {
    const s = new NodeTable("string"), i = new NodeTable("integer")
    for (let k = 0; k < 50_000; k++) {
      expect(s.intern(`node_${k}`)).toBe(k)
      expect(i.intern(k * 1_000_003)).toBe(k)
    }
    for (let k = 0; k < 50_000; k += 997) {
      expect(s.lookup(`node_${k}`)).toBe(k)
      expect(s.id(k)).toBe(`node_${k}`)
      expect(i.lookup(k * 1_000_003)).toBe(k)
      expect(i.id(k)).toBe(k * 1_000_003)
    }
    expect(i.lookup(5)).toBe(-1)
    s.trim()
    i.trim()
    expect(s.intern("node_49999")).toBe(49_999)
    expect(s.intern("fresh")).toBe(50_000)
    expect(s.id(50_000)).toBe("fresh")
    expect(i.intern(-3)).toBe(50_000)
  })

  test("batches agree with a Map: duplicates within and across batches, growth, a wide id mid-batch", () => {
    const t = new NodeTable("string")
    const want = new Map<string, number>()
    let x = 12345
    const next = () => (x ^= x << 13, x ^= x >>> 17, x ^= x << 5, (x >>> 0) % 1_000_000)
    // ~400k distinct ids: 12-bit fingerprints, so probes meet equal fingerprints of other ids often
    for (let batch = 0; batch < 45; batch++) {
      const ids: Array<string | number> = []
      for (let k = 0; k < 10_000; k++) {
        const r = next()
        ids.push(r % 7 === 0 ? r : `id-${r}`) // numbers in a string table are interned as their text
      }
      if (batch === 5) ids.splice(4_000, 0, "ßeta-Ω", "ßeta-Ω")
      const got = t.internAll(ids)
      ids.forEach((id, k) => {
        const key = String(id)
        if (!want.has(key)) want.set(key, want.size)
        if (got[k] !== want.get(key)) expect(`${key} -> ${got[k]}`).toBe(`${key} -> ${want.get(key)}`)
      })
    }
    expect(t.size).toBe(want.size)
    for (const [key, u] of want) {
      if (t.lookup(key) !== u || t.id(u) !== key) expect(`${key}: ${t.lookup(key)} ${t.id(u)}`).toBe(`${key}: ${u}`)
    }
    expect(t.lookup("id-1000001")).toBe(-1)
  })

  test("columnar attributes: float64, int32, bool, dictionary strings, in batches", () => {
    const t = new NodeTable("string")
    t.internAll(["x", "y", "z"])
    t.addAttribute("score", "float64")
    t.addAttribute("rank", "int32")
    t.addAttribute("seen", "bool")
    t.addAttribute("kind", "string")
    t.setAttributes("score", [0, 2], [0.5, 2.25])
    t.setAttributes("rank", [1], [-7])
    t.setAttributes("seen", [2], [true])
    t.setAttributes("kind", [0, 1, 2], ["a", "b", "a"])
    t.intern("w") // columns grow with the table
    expect(t.getAttribute("score", 2)).toBe(2.25)
    expect(t.getAttribute("rank", 1)).toBe(-7)
    expect(t.getAttribute("seen", 2)).toBe(true)
    expect(t.getAttribute("seen", 3)).toBe(false)
    expect(t.getAttribute("kind", 2)).toBe("a")
    const kind = t.attributeColumn("kind")
    expect(Array.from(kind.values)).toEqual([1, 2, 1, 0])
    expect(kind.dictionary).toEqual(["", "a", "b"])
    expect(() => t.getAttribute("nope", 0)).toThrow("no attribute")
  })
})

describe("NodeTable memory", () => {
  test("every allocation is told before it is made and every dropped array after: the count ends at its bytes", () => {
    let held = 0
    const memory = { reserve: (b: number) => void (held += b), release: (b: number) => void (held -= b) }
    const scratch = 4096 * 4 + 4097 * 4 // internStrings' window of hashes and starts
    for (const expected of [0, 1000]) {
      held = 0
      const t = new NodeTable("string", expected, memory)
      t.addAttribute("score", "float64")
      for (let b = 0; b < 20; b++) t.internAll(Array.from({ length: 5000 }, (_, k) => `n-${b * 5000 + k}`))
      t.intern("wide-日本") // the arena moves to 2 B per character
      t.addAttribute("tag", "string")
      t.trim()
      expect(held).toBe(t.bytes + scratch)
    }
    const ints = new NodeTable("integer", 0, memory)
    held = 0
    for (let k = 0; k < 30_000; k++) ints.intern(k * 7)
    expect(held).toBe(ints.bytes - 16 * 4 - 16 * 8) // the arrays made before the first count
  })

  test("a refusal stops the table from growing", () => {
    const t = new NodeTable("string", 0, {
      reserve: (b) => {
        if (b > 1 << 16) throw new RangeError(`refused ${b}`)
      },
      release: () => {},
    })
    expect(() => t.internAll(Array.from({ length: 100_000 }, (_, k) => `id-${k}`))).toThrow("refused")
  })
})
