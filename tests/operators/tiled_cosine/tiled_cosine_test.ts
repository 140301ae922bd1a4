/**
 * tiledCosine against the scalar TypeScript reference: both kernel variants, in memory and through
 * the spill path, on random and adversarial inputs. Scores must be bit-identical to the reference.
 */
import { expect, test } from "bun:test"
import * as path from "node:path"
import {
  collect,
  leidenRecursive,
  pipe,
  readEmbeddings,
  run,
  type ScoredPairs,
  thresholdEdges,
  tiledCosine,
  writeEdges,
} from "../../../mod.ts"
import { f32Below, packedBytes, packNormalised, referencePairs } from "../../../operators/tiled_cosine/kernel.ts"
import { lines, randomValues, tempDir, writeNpy } from "../../helpers.ts"

const dir = tempDir()

function reference(values: Float32Array, n: number, dim: number, t: number) {
  const panels = new Float32Array(packedBytes(n, dim) / 4)
  packNormalised(values, n, dim, panels, 0)
  return referencePairs(panels, n, dim, t)
}

async function pairs(
  file: string,
  t: number,
  opts: { kernel?: "int8" | "relaxed" | "simd"; forceSpill?: boolean; threads?: number; memory?: string } = {},
) {
  const got = { batches: [] as ScoredPairs[] }
  await run(pipe(readEmbeddings(file), tiledCosine({ threshold: t, ...opts }), collect(got)), {
    memory: opts.memory ?? "256MB",
  })
  const i: number[] = [], j: number[] = [], s: number[] = []
  for (const b of got.batches) for (let x = 0; x < b.length; x++) i.push(b.i[x]), j.push(b.j[x]), s.push(b.score[x])
  // the reference lists pairs row by row; tiles emit them tile by tile
  const order = i.map((_, k) => k).sort((a, b) => i[a] - i[b] || j[a] - j[b])
  return { i: order.map((k) => i[k]), j: order.map((k) => j[k]), s: order.map((k) => s[k]) }
}

function adversarial(n: number, dim: number): Float32Array {
  const v = randomValues(n * dim, n * 31 + dim)
  for (let r = 3; r < n; r += 7) v.copyWithin(r * dim, (r - 3) * dim, (r - 2) * dim) // exact duplicates
  if (n > 2 && dim > 1) {
    v.fill(0, 0, 2 * dim) // rows 0 and 1: orthogonal unit axes
    v[0] = 1, v[dim + 1] = 1
  }
  return v
}

const cases: Array<[number, number, number]> = [
  // n, dim, threshold
  [0, 8, 0.5],
  [1, 8, 0.5],
  [2, 1, 0.5],
  [9, 1, -0.5],
  [37, 3, 0.3],
  [300, 17, 0.2],
  [700, 384, 0.05],
  [1030, 5, 0.9],
]

for (const variant of ["int8", "relaxed", "simd"] as const) {
  for (const spill of [false, true]) {
    for (const [n, dim, t] of cases) {
      if (spill && n < 300) continue
      test(`${variant}${spill ? " spill" : ""}: n=${n} d=${dim} t=${t} equals the scalar reference bit for bit`, async () => {
        const values = adversarial(n, dim)
        const file = path.join(dir, `adv-${n}-${dim}.npy`)
        writeNpy(file, n, dim, values)
        const got = await pairs(file, t, {
          kernel: variant,
          forceSpill: spill,
          threads: 2,
          memory: spill ? "20MB" : "256MB",
        })
        const ref = reference(values, n, dim, t)
        expect(got.i.length).toBe(ref.i.length)
        expect(got.i).toEqual(ref.i)
        expect(got.j).toEqual(ref.j)
        expect(got.s).toEqual(ref.s)
      })
    }
  }
}

/**
 * Rows around 30 centres, so that many pairs score near the threshold and the screen, not the
 * exact recompute, decides most of them; a few rows are spikes (one large value) or very long vectors.
 */
function clustered(n: number, dim: number): Float32Array {
  const centres = randomValues(30 * dim, 7 + dim)
  const v = randomValues(n * dim, 11 + n)
  for (let r = 0; r < n; r++) {
    const c = (r * 7919) % 30
    const noise = 0.2 + 0.06 * (r % 11) // in-cluster cosines from about 0.5 to 0.96
    for (let k = 0; k < dim; k++) v[r * dim + k] = centres[c * dim + k] + noise * v[r * dim + k]
  }
  for (let r = 5; r < n; r += 97) v[r * dim + (r % dim)] = 40 // spikes: the |q| <= 63 limit binds
  for (let r = 9; r < n; r += 89) for (let k = 0; k < dim; k++) v[r * dim + k] *= 1e4
  return v
}

for (const variant of ["int8", "relaxed", "simd"] as const) {
  for (const [n, dim, t] of [[1200, 384, 0.8], [400, 1536, 0.7], [333, 100, 0.85]] as const) {
    test(`${variant}: clustered n=${n} d=${dim} t=${t} (pairs near the threshold) equals the reference`, async () => {
      const values = clustered(n, dim)
      const file = path.join(dir, `clustered-${n}-${dim}.npy`)
      writeNpy(file, n, dim, values)
      const got = await pairs(file, t, { kernel: variant, threads: 2 })
      const ref = reference(values, n, dim, t)
      expect(ref.i.length).toBeGreaterThan(n)
      expect(ref.s.filter((x) => x < t + 0.02).length).toBeGreaterThan(n / 10)
      expect(got.i).toEqual(ref.i)
      expect(got.j).toEqual(ref.j)
      expect(got.s).toEqual(ref.s)
    })
  }
}

test("duplicates score 1 and orthogonal rows are not paired", async () => {
  const dim = 4
  const v = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 0, 0, 3, 3])
  const file = path.join(dir, "small.npy")
  writeNpy(file, 4, dim, v)
  const got = await pairs(file, 0)
  expect(got.i).toEqual([0])
  expect(got.j).toEqual([2])
  expect(got.s).toEqual([1])
})

test("the threshold is strict and compared in float64: s == t is not an edge", async () => {
  const file = path.join(dir, "strict.npy")
  writeNpy(file, 3, 2, [1, 0, 1, 0, 0.6, 0.8])
  const cos = Math.fround(0.6) / Math.hypot(Math.fround(0.6), Math.fround(0.8))
  const atT = await pairs(file, Math.fround(Math.fround(cos)))
  expect(atT.i).toEqual([0])
  expect(f32Below(0.8) <= 0.8).toBe(true)
  expect(Math.fround(f32Below(0.8)) === f32Below(0.8)).toBe(true)
})

test("threads and spill do not change the edge file", async () => {
  const n = 1200, dim = 24
  const file = path.join(dir, "same.npy")
  writeNpy(file, n, dim, adversarial(n, dim))
  const outs: string[] = []
  for (const [threads, forceSpill] of [[1, false], [2, false], [2, true]] as const) {
    const out = path.join(dir, `same-${threads}-${forceSpill}.tsv`)
    await run(
      pipe(
        readEmbeddings(file),
        tiledCosine({ threshold: 0.3, threads, forceSpill }),
        thresholdEdges(),
        writeEdges(out),
      ),
      { memory: "24MB" },
    )
    outs.push(lines(out).join("\n"))
  }
  expect(outs[0].length).toBeGreaterThan(0)
  expect(outs[1]).toBe(outs[0])
  expect(outs[2]).toBe(outs[0])
})

test("A x B mode pairs every row of A with every row of B", async () => {
  const a = path.join(dir, "a.npy"), b = path.join(dir, "b.npy")
  writeNpy(a, 2, 2, [1, 0, 0, 1])
  writeNpy(b, 3, 2, [1, 0.001, 0, 1, -1, 0])
  const got = { batches: [] as ScoredPairs[] }
  await run(pipe(readEmbeddings(a), tiledCosine({ threshold: 0.9, against: readEmbeddings(b) }), collect(got)))
  const flat = got.batches.flatMap((p) => [...p.i].map((i, x) => `${i}-${p.j[x]}`)).sort()
  expect(flat).toEqual(["0-0", "1-1"])
})

test("tiledCosine gives its reservation back once its last pair is out, before the run ends", async () => {
  const npy = path.join(dir, "e.npy")
  writeNpy(npy, 600, 16, randomValues(600 * 16, 3))
  const report = await run(
    pipe(
      readEmbeddings(npy),
      tiledCosine({ threshold: 0.5 }),
      thresholdEdges(),
      leidenRecursive(),
      collect({ batches: [] }),
    ),
    { memory: "64MB" },
  )
  const tiles = report.timeline.filter((e) => e.owner === "tiledCosine")
  expect(tiles[0].now).toBeGreaterThan(0)
  const back = tiles.find((e) => e.now === 0)!
  expect(back).toBeDefined()
  // Leiden reserves its graph after that: the bytes were free for it
  const leiden = report.timeline.filter((e) => e.owner === "leidenRecursive" && e.t >= back.t)
  expect(leiden.length).toBeGreaterThan(0)
})
