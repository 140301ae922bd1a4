/**
 * tiledCosine's shard option: k parts of the tile grid are disjoint and their union is the unsharded
 * output, in memory and spill plans, for a self join and A x B; bad shards are usage errors.
 */
import { expect, test } from "bun:test"
import * as path from "node:path"
import { collect, pipe, readEmbeddings, run, type ScoredPairs, type StreamInfo, tiledCosine } from "../../../mod.ts"
import { randomValues, SLOW_TEST, tempDir, writeNpy } from "../../helpers.ts"

const dir = tempDir()
const a = path.join(dir, "a.npy")
const b = path.join(dir, "b.npy")
writeNpy(a, 1300, 12, randomValues(1300 * 12, 31)) // 1300 rows: several 256 x 512 tiles each way
writeNpy(b, 700, 12, randomValues(700 * 12, 32))

async function pairs(opts: { shard?: { index: number; count: number }; forceSpill?: boolean; against?: string }) {
  const got = { batches: [] as ScoredPairs[] }
  const report = await run(
    pipe(
      readEmbeddings(a),
      tiledCosine({
        threshold: 0.35,
        threads: 2,
        shard: opts.shard,
        forceSpill: opts.forceSpill,
        against: opts.against ? readEmbeddings(opts.against) : undefined,
      }),
      collect(got),
    ),
    { memory: opts.forceSpill ? "40MB" : "128MB" },
  )
  const keys: string[] = []
  for (const p of got.batches) for (let x = 0; x < p.length; x++) keys.push(`${p.i[x]} ${p.j[x]} ${p.score[x]}`)
  return { keys, info: report.info as StreamInfo }
}

for (
  const [label, opts] of [
    ["memory plan", {}],
    ["spill plan", { forceSpill: true }],
    ["A x B", { against: b }],
  ] as const
) {
  test(`${label}: the union of k shards is the unsharded output, and the shards are disjoint`, async () => {
    const whole = (await pairs(opts)).keys
    expect(whole.length).toBeGreaterThan(1000)
    for (const k of [2, 3, 5]) {
      const parts = []
      for (let i = 0; i < k; i++) {
        const part = await pairs({ ...opts, shard: { index: i, count: k } })
        expect(part.info.shard).toBe(`${i}/${k}`)
        parts.push(part.keys)
      }
      const union = parts.flat()
      expect(union.length).toBe(whole.length)
      expect(new Set(union).size).toBe(union.length)
      expect([...union].sort()).toEqual([...whole].sort())
      // every part has work: tiles are dealt out round robin
      expect(parts.every((p) => p.length > 0)).toBe(true)
    }
  }, SLOW_TEST)
}

test("a shard outside 0 <= i < k is refused before any data moves", async () => {
  for (const shard of [{ index: 3, count: 3 }, { index: -1, count: 2 }, { index: 0, count: 0 }]) {
    let tag = ""
    try {
      await pairs({ shard })
    } catch (e) {
      tag = (e as { _tag: string })._tag
    }
    expect(tag).toBe("InvalidOption")
  }
})
