/** Leiden and recursive Leiden: exact small cases, connectivity, determinism, recursion, memory. */
import { describe, expect, test } from "bun:test"
import type { Csr } from "../../../graph/csr.ts"
import { CsrBuilder } from "../../../graph/csr_builder.ts"
import {
  leiden,
  LEIDEN_BYTES_PER_NODE,
  LEIDEN_PATIENCE,
  LEIDEN_RANDOMNESS,
  LEIDEN_TOLERANCE,
  quality,
} from "../../../operators/leiden/leiden.ts"
import { clusterRecursive } from "../../../operators/leiden/recursive.ts"
import { expNonPositive, Rng } from "../../../operators/leiden/random.ts"

const graph = (edges: number[][], n = 0): Csr => {
  const b = new CsrBuilder()
  b.add(
    Uint32Array.from(edges, (e) => e[0]),
    Uint32Array.from(edges, (e) => e[1]),
    Float32Array.from(edges, (e) => e[2] ?? 1),
  )
  return b.build(n)
}

const clique = (nodes: number[]) => nodes.flatMap((a, i) => nodes.slice(i + 1).map((b) => [a, b]))
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, k) => a + k)

/** Zachary's karate club (34 members, 78 ties), 0-based. */
// deno-fmt-ignore
const KARATE = [[0,1],[0,2],[0,3],[0,4],[0,5],[0,6],[0,7],[0,8],[0,10],[0,11],[0,12],[0,13],[0,17],[0,19],[0,21],[0,31],[1,2],[1,3],[1,7],[1,13],[1,17],[1,19],[1,21],[1,30],[2,3],[2,7],[2,8],[2,9],[2,13],[2,27],[2,28],[2,32],[3,7],[3,12],[3,13],[4,6],[4,10],[5,6],[5,10],[5,16],[6,16],[8,30],[8,32],[8,33],[9,33],[13,33],[14,32],[14,33],[15,32],[15,33],[18,32],[18,33],[19,33],[20,32],[20,33],[22,32],[22,33],[23,25],[23,27],[23,29],[23,32],[23,33],[24,25],[24,27],[24,31],[25,31],[26,29],[26,33],[27,33],[28,31],[28,33],[29,32],[29,33],[30,32],[30,33],[31,32],[31,33],[32,33]]

/** Every community induces a connected subgraph. */
function connected(g: Csr, m: Uint32Array, k: number): boolean {
  const seen = new Uint8Array(g.n)
  const starts = new Int32Array(k).fill(-1)
  for (let v = 0; v < g.n; v++) if (starts[m[v]] < 0) starts[m[v]] = v
  for (let c = 0; c < k; c++) {
    const stack = [starts[c]]
    seen[starts[c]] = 1
    while (stack.length) {
      const v = stack.pop()!
      for (let x = g.offsets[v]; x < g.offsets[v + 1]; x++) {
        const u = g.targets[x]
        if (!seen[u] && m[u] === c) (seen[u] = 1), stack.push(u)
      }
    }
  }
  return seen.every((s) => s === 1)
}

/** A planted-partition graph: `groups` groups of `size`, p_in inside, p_out across, seeded. */
function planted(groups: number, size: number, pIn: number, pOut: number, seed: number): Csr {
  const rng = new Rng(seed)
  const edges: number[][] = []
  const n = groups * size
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const same = Math.floor(a / size) === Math.floor(b / size)
      if (rng.next() < (same ? pIn : pOut)) edges.push([a, b, 1 + (rng.nextU32() % 4)])
    }
  }
  return graph(edges, n)
}

/** FNV-1a of a membership, to pin results across runs and runtimes. */
const digest = (m: Uint32Array) => {
  let h = 0x811c9dc5
  for (const x of m) h = Math.imul(h ^ x, 0x01000193) >>> 0
  return h.toString(16)
}

describe("leiden: exact small cases", () => {
  test("two cliques joined by one edge are two communities", () => {
    const g = graph([...clique(range(0, 5)), ...clique(range(5, 10)), [4, 5]])
    const r = leiden(g)
    expect(r.communities).toBe(2)
    expect(Array.from(r.membership)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
  })

  test("a ring of cliques puts each clique in its own community", () => {
    const edges: number[][] = []
    for (let c = 0; c < 8; c++) {
      edges.push(...clique(range(5 * c, 5 * c + 5)))
      edges.push([5 * c + 4, (5 * c + 5) % 40])
    }
    const r = leiden(graph(edges))
    expect(r.communities).toBe(8)
    for (let v = 0; v < 40; v++) expect(r.membership[v]).toBe(Math.floor(v / 5))
  })

  test("an empty graph, isolated nodes and one node", () => {
    expect(leiden(graph([])).communities).toBe(0)
    const iso = leiden(graph([], 4))
    expect(Array.from(iso.membership)).toEqual([0, 1, 2, 3])
    expect(iso.quality).toBe(0)
    const one = leiden(graph([], 1))
    expect(Array.from(one.membership)).toEqual([0])
    const mixed = leiden(graph([[1, 2]], 4))
    expect(Array.from(mixed.membership)).toEqual([1, 0, 0, 2])
  })

  test("Zachary's karate club reaches modularity >= 0.4197", () => {
    const g = graph(KARATE)
    for (let seed = 0; seed < 5; seed++) {
      const r = leiden(g, { seed })
      expect(r.quality).toBeGreaterThanOrEqual(0.4197)
      expect(Math.abs(quality(g, r.membership, r.communities) - r.quality)).toBeLessThan(1e-12)
      expect(connected(g, r.membership, r.communities)).toBe(true)
    }
  })

  test("CPM with resolution 0.5 on two cliques of 5 joined by one edge", () => {
    const g = graph([...clique(range(0, 5)), ...clique(range(5, 10)), [4, 5]])
    const r = leiden(g, { objective: "cpm", resolution: 0.5 })
    expect(r.communities).toBe(2)
    // per clique: 10 edges - 0.5 * 5 * 4 / 2
    expect(r.quality).toBe(2 * (10 - 5))
    // a resolution above every density splits everything
    expect(leiden(g, { objective: "cpm", resolution: 2 }).communities).toBe(10)
  })

  test("numbering: by size descending, then smallest node", () => {
    const g = graph([...clique([5, 6, 7, 8]), ...clique([0, 1, 2]), ...clique([3, 4, 9])])
    const r = leiden(g)
    expect(Array.from(r.membership)).toEqual([1, 1, 1, 2, 2, 0, 0, 0, 0, 2])
  })
})

describe("leiden: properties", () => {
  test("every community is connected on planted-partition graphs, weighted", () => {
    for (let seed = 1; seed <= 4; seed++) {
      const g = planted(6, 40, 0.3, 0.04, seed)
      for (const objective of ["modularity", "cpm"] as const) {
        const r = leiden(g, { seed, objective, resolution: objective === "cpm" ? 0.5 : 1 })
        expect(connected(g, r.membership, r.communities)).toBe(true)
      }
    }
  })

  test("every community is connected on a graph with hubs (preferential attachment), at every stopping rule", () => {
    // node v links to 3 earlier nodes, two of them picked by degree: hubs of degree ~100 among 1500 nodes
    const rng = new Rng(5), edges: number[][] = [], ends: number[] = [0]
    for (let v = 1; v < 1500; v++) {
      for (let e = 0; e < 3; e++) {
        const u = e < 2 ? ends[rng.below(ends.length)] : Math.max(0, v - 1 - rng.below(20))
        if (u === v) continue
        edges.push([u, v])
        ends.push(u, v)
      }
    }
    const g = graph(edges, 1500)
    for (const iterations of [undefined, 1, 2, -1]) {
      const r = leiden(g, { seed: 3, iterations })
      expect(connected(g, r.membership, r.communities)).toBe(true)
      expect(r.quality).toBeGreaterThan(0.3)
    }
  })

  test("refinement on a graph with hubs: randomness 0 joins the best cluster, and an early iteration gains more", () => {
    // a dependency network: package v depends on Geometric(1/4) earlier ones, 70 % picked by in-degree (hubs of
    // degree ~300 among 2000), the others among the 40 before it
    const rng = new Rng(1), edges: number[][] = [], targets: number[] = []
    for (let v = 1; v < 2000; v++) {
      let k = 1
      while (rng.next() < 0.75) k++
      for (let j = 0; j < Math.min(v, k); j++) {
        const u = targets.length && rng.next() < 0.7 ? targets[rng.below(targets.length)] : Math.max(0, v - 40) + rng.below(Math.min(v, 40))
        if (u !== v) targets.push(u), edges.push([v, u])
      }
    }
    const g = graph(edges, 2000)
    // modularity from the edge list, written here (a repeated dependency counts as often as it is listed)
    const modularity = (m: Uint32Array) => {
      const inside = new Map<number, number>(), total = new Map<number, number>()
      for (const [a, b] of edges) {
        if (m[a] === m[b]) inside.set(m[a], (inside.get(m[a]) ?? 0) + 1)
        for (const x of [a, b]) total.set(m[x], (total.get(m[x]) ?? 0) + 1)
      }
      let q = 0
      for (const [c, t] of total) q += (inside.get(c) ?? 0) / edges.length - (t / (2 * edges.length)) ** 2
      return q
    }
    expect(LEIDEN_RANDOMNESS).toBe(0.01)
    for (const iterations of [1, 2]) {
      // the paper's draw (theta 0.01, the default) is near-uniform among clusters linked by as many edges, hubs' heavy
      // ones too; the best cluster gains more from the same seeds: summed over 20 seeds, by ~3 standard errors
      let best = 0, drawn = 0
      for (let seed = 0; seed < 20; seed++) {
        const r = leiden(g, { seed, iterations }), greedy = leiden(g, { seed, iterations, randomness: 0 })
        expect(Array.from(r.membership)).toEqual(Array.from(leiden(g, { seed, iterations, randomness: LEIDEN_RANDOMNESS }).membership))
        expect(Math.abs(modularity(greedy.membership) - greedy.quality)).toBeLessThan(1e-9)
        best += modularity(greedy.membership)
        drawn += modularity(r.membership)
      }
      expect(best / 20).toBeGreaterThan(drawn / 20 + 0.0003)
    }
    const r = leiden(g, { seed: 0, iterations: -1, randomness: 0 })
    expect(connected(g, r.membership, r.communities)).toBe(true)
  })

  test("recovers a clear planted partition", () => {
    const g = planted(5, 50, 0.4, 0.01, 3)
    const r = leiden(g, { seed: 3 })
    expect(r.communities).toBe(5)
    for (let v = 0; v < g.n; v++) expect(r.membership[v]).toBe(r.membership[Math.floor(v / 50) * 50])
  })

  test("deterministic for a seed, identical on every runtime (pinned digest)", () => {
    const g = planted(8, 60, 0.15, 0.02, 11)
    const a = leiden(g, { seed: 42 }), b = leiden(g, { seed: 42 })
    expect(Array.from(a.membership)).toEqual(Array.from(b.membership))
    // the same digest under Bun and Deno: nothing depends on the engine's exp, Math.random or hash order
    expect(`${digest(a.membership)} ${a.communities} ${a.quality.toFixed(12)}`).toBe(PINNED)
  })

  test("stopping rule: iterations go on until LEIDEN_PATIENCE in a row gain < LEIDEN_TOLERANCE; -1 while a node moves", () => {
    // a graph where one more iteration still gains: the default stops, -1 goes on and ends higher
    const g = planted(40, 25, 0.12, 0.02, 7)
    // the first seed whose run would gain more after the default stops (3 of the first 20)
    const seed = range(1, 21).find((s) => leiden(g, { seed: s, iterations: -1 }).quality > leiden(g, { seed: s }).quality)!
    expect(seed).toBeDefined()
    const r = leiden(g, { seed })
    expect(r.iterations).toBeGreaterThan(LEIDEN_PATIENCE)
    let previous = quality(g, Uint32Array.from(range(0, g.n)), g.n), quiet = 0
    for (let i = 1; i <= r.iterations; i++) {
      const ri = leiden(g, { seed, iterations: i })
      // the gain the rule sees is the gain in modularity (the same seed runs the same first i iterations)
      expect(Math.abs(ri.lastGain - (ri.quality - previous))).toBeLessThan(1e-9)
      quiet = ri.lastGain < LEIDEN_TOLERANCE ? quiet + 1 : 0
      // it goes on until the patience runs out, and no longer
      expect(quiet >= LEIDEN_PATIENCE).toBe(i === r.iterations)
      previous = ri.quality
      if (i === r.iterations) expect(Array.from(ri.membership)).toEqual(Array.from(r.membership))
    }
    expect(r.lastGain).toBeLessThan(LEIDEN_TOLERANCE)
    const all = leiden(g, { seed, iterations: -1 })
    expect(all.iterations).toBeGreaterThan(r.iterations)
    expect(all.quality).toBeGreaterThan(r.quality)
    expect(all.lastGain).toBe(0)
    // a rule of one's own: a looser one stops sooner
    expect(leiden(g, { seed, tolerance: 1, patience: 1 }).iterations).toBe(1)
    expect(leiden(g, { seed, tolerance: 1 }).iterations).toBe(LEIDEN_PATIENCE)
  })

  test("stopping rule: where another iteration gains nothing, the default ends as -1 does", () => {
    const g = graph([...clique(range(0, 6)), ...clique(range(6, 12)), [0, 6]])
    const r = leiden(g, { seed: 2 }), all = leiden(g, { seed: 2, iterations: -1 })
    expect(r.iterations).toBe(2)
    expect(r.lastGain).toBe(0)
    expect(all.iterations).toBe(2)
    expect(Array.from(r.membership)).toEqual(Array.from(all.membership))
  })

  test("a given iteration count stops early", () => {
    const g = planted(8, 60, 0.15, 0.02, 11)
    expect(leiden(g, { seed: 1, iterations: 1 }).iterations).toBe(1)
  })

  test("state stays within the documented bytes per node, and a refusal stops the run", () => {
    const g = planted(10, 100, 0.05, 0.005, 5)
    const r = leiden(g, { seed: 1 })
    // level-0 state, plus aggregate graphs (at most 20 B per node and 12 B per CSR entry each; a level and
    // the one built from it coexist)
    const m = g.targets.length / 2
    expect(r.peakBytes).toBeGreaterThanOrEqual(LEIDEN_BYTES_PER_NODE * g.n)
    expect(r.peakBytes).toBeLessThanOrEqual(LEIDEN_BYTES_PER_NODE * g.n + 2 * (20 * g.n + 24 * m))
    let asked = 0
    const limit = (LEIDEN_BYTES_PER_NODE * g.n) / 2
    expect(() =>
      leiden(g, {
        reserve: (b) => {
          asked += b
          if (asked > limit) throw new RangeError("over budget")
        },
      })
    ).toThrow("over budget")
  })

  test("expNonPositive matches Math.exp to about an ulp", () => {
    for (const x of [0, -1e-12, -0.3, -1, -2.5, -10, -50.5, -300, -699]) {
      expect(Math.abs(expNonPositive(x) - Math.exp(x)) / Math.exp(x)).toBeLessThan(4e-16)
    }
    expect(expNonPositive(-800)).toBe(0)
  })
})

describe("clusterRecursive", () => {
  test("paths and levels: big clusters split again, small ones stay", () => {
    // two groups of 3 cliques of 6; the groups are dense inside, so the top level may see 2 clusters
    const edges: number[][] = []
    for (let grp = 0; grp < 2; grp++) {
      for (let c = 0; c < 3; c++) edges.push(...clique(range(18 * grp + 6 * c, 18 * grp + 6 * c + 6)))
      for (let c = 0; c < 3; c++) {
        for (let d = c + 1; d < 3; d++) {
          edges.push([18 * grp + 6 * c, 18 * grp + 6 * d], [18 * grp + 6 * c + 1, 18 * grp + 6 * d + 1])
        }
      }
    }
    edges.push([0, 18])
    const g = graph(edges)
    const flat = clusterRecursive(g, { seed: 1 })
    const deep = clusterRecursive(g, { seed: 1, maxSize: 4 })
    // without recursion every path is one number; with maxSize 4 every cluster of > 4 nodes was tried again
    expect(flat.table.paths.every((p) => !p.includes("."))).toBe(true)
    expect(flat.depth).toBe(0)
    for (let c = 0; c < deep.table.paths.length; c++) {
      const path = deep.table.paths[c]
      expect(deep.table.level[c]).toBe(path.split(".").length - 1)
    }
    const sizes = new Map<string, number>()
    for (let v = 0; v < g.n; v++) {
      const p = deep.table.paths[deep.leaf[v]]
      sizes.set(p, (sizes.get(p) ?? 0) + 1)
    }
    for (let c = 0; c < deep.table.paths.length; c++) expect(sizes.get(deep.table.paths[c])).toBe(deep.table.size[c])
    // every node's leaf path extends its top-level cluster's number
    for (let v = 0; v < g.n; v++) {
      const top = flat.table.paths[flat.leaf[v]]
      if (flat.table.size[flat.leaf[v]] > 4) {
        expect(deep.table.paths[deep.leaf[v]].startsWith(`${top}.`) || deep.table.paths[deep.leaf[v]] === top).toBe(
          true,
        )
      } else expect(deep.table.paths[deep.leaf[v]]).toBe(top)
    }
  })

  test("recursion splits a planted hierarchy into its subgroups, numbered by size", () => {
    // 2 super-groups, each 3 groups of 30 (dense inside, medium within a super-group, sparse across)
    const rng = new Rng(9)
    const edges: number[][] = []
    const n = 180
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) {
        const p = Math.floor(a / 30) === Math.floor(b / 30)
          ? 0.5
          : Math.floor(a / 90) === Math.floor(b / 90)
          ? 0.08
          : 0.002
        if (rng.next() < p) edges.push([a, b])
      }
    }
    const g = graph(edges, n)
    const r = clusterRecursive(g, { seed: 2, maxSize: 40 })
    // every leaf is one planted group
    for (let v = 0; v < n; v++) expect(r.leaf[v]).toBe(r.leaf[Math.floor(v / 30) * 30])
    expect(r.table.paths.length).toBe(6)
    for (const p of r.table.paths) expect(p.split(".").length).toBeGreaterThanOrEqual(1)
    const again = clusterRecursive(g, { seed: 2, maxSize: 40 })
    expect(again.table.paths).toEqual(r.table.paths)
    expect(Array.from(again.leaf)).toEqual(Array.from(r.leaf))
  })

  test("a cluster that does not split is final", () => {
    const g = graph(clique(range(0, 10)))
    const r = clusterRecursive(g, { maxSize: 3 })
    expect(r.table.paths).toEqual(["0"])
    expect(r.runs).toBe(2)
  })
})

const PINNED = "302a6526 8 0.401683866753"
