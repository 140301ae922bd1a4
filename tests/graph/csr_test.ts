/** The CSR's accessors on hand-built graphs: degrees, edge counts with self-loops, strengths, lookups, induced views. */
import { expect, test } from "bun:test"
import {
  type Csr,
  csrBytes,
  degree,
  edgeCount,
  edgeWeight,
  induce,
  neighbours,
  neighbourWeights,
  release,
  strength,
} from "../../graph/csr.ts"

/** The CSR of undirected weighted edges, rows sorted: the layout csr.ts describes, built by hand. */
function csr(n: number, edges: Array<[number, number, number]>): Csr {
  const rows: Array<Array<[number, number]>> = Array.from({ length: n }, () => [])
  for (const [u, v, w] of edges) {
    rows[u].push([v, w])
    if (u !== v) rows[v].push([u, w])
  }
  const offsets = new Uint32Array(n + 1), targets: number[] = [], weights: number[] = []
  rows.forEach((r, u) => {
    r.sort((a, b) => a[0] - b[0]).forEach(([v, w]) => (targets.push(v), weights.push(w)))
    offsets[u + 1] = targets.length
  })
  return { n, offsets, targets: Uint32Array.from(targets), weights: Float32Array.from(weights) }
}

// 0 - 1 (2), 0 - 3 (0.5), 1 - 3 (1), a self-loop on 3 (4); node 2 alone
const g = csr(4, [[0, 1, 2], [0, 3, 0.5], [1, 3, 1], [3, 3, 4]])

test("csrBytes: 4 B per offset (n + 1 of them) and 8 B per directed entry", () => {
  expect(csrBytes(0, 0)).toBe(4)
  expect(csrBytes(4, 7)).toBe(4 * 5 + 8 * 7)
  expect(csrBytes(4, g.targets.length)).toBe(g.offsets.byteLength + g.targets.byteLength + g.weights.byteLength)
})

test("degrees, neighbours and their weights are the rows, views without copies", () => {
  expect([0, 1, 2, 3].map((u) => degree(g, u))).toEqual([2, 2, 0, 3])
  expect(Array.from(neighbours(g, 3))).toEqual([0, 1, 3])
  expect(Array.from(neighbourWeights(g, 3))).toEqual([0.5, 1, 4])
  expect(neighbours(g, 2).length).toBe(0)
  expect(neighbours(g, 1).buffer).toBe(g.targets.buffer)
})

test("edgeCount counts a self-loop once", () => {
  expect(edgeCount(g)).toBe(4)
  expect(edgeCount(csr(0, []))).toBe(0)
  expect(edgeCount(csr(1, [[0, 0, 1]]))).toBe(1)
})

test("strength sums a node's weights, a self-loop twice", () => {
  expect(strength(g, 0)).toBe(2.5)
  expect(strength(g, 3)).toBe(0.5 + 1 + 8)
  expect(strength(g, 2)).toBe(0)
})

test("edgeWeight finds an edge either way by binary search, 0 when absent, at the row's ends too", () => {
  expect(edgeWeight(g, 0, 1)).toBe(2)
  expect(edgeWeight(g, 1, 0)).toBe(2)
  expect(edgeWeight(g, 3, 3)).toBe(4)
  expect(edgeWeight(g, 3, 0)).toBe(0.5)
  expect(edgeWeight(g, 0, 2)).toBe(0)
  expect(edgeWeight(g, 2, 0)).toBe(0)
  expect(edgeWeight(g, 1, 9)).toBe(0)
  const star = csr(40, Array.from({ length: 39 }, (_, k) => [0, k + 1, k + 1] as [number, number, number]))
  for (let v = 1; v < 40; v++) expect(edgeWeight(star, 0, v)).toBe(v)
})

test("induced views mark and clear their nodes", () => {
  const ring = csr(4, [[0, 1, 1], [1, 2, 1], [2, 3, 1], [3, 0, 1]])
  const local = new Int32Array(ring.n).fill(-1)
  const view = induce(ring, new Uint32Array([1, 2]), local)
  expect(view.parent).toBe(ring)
  expect(Array.from(local)).toEqual([-1, 0, 1, -1])
  release(view)
  expect(Array.from(local)).toEqual([-1, -1, -1, -1])
  // the same `local` serves the next view
  induce(ring, new Uint32Array([0, 3]), local)
  expect(Array.from(local)).toEqual([0, -1, -1, 1])
})
