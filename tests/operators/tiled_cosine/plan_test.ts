/** tiledCosine's plan: every row in memory when it fits, else two row blocks from a spill file, else BudgetExceeded. */
import { expect, test } from "bun:test"
import * as Effect from "effect/Effect"
import { packed8Bytes, packedBytes, rowBytes, STATE_BYTES, storeBytes } from "../../../operators/tiled_cosine/kernel.ts"
import {
  fixedBytes,
  metaBytes,
  metaInvAt,
  metaTable,
  minimumBytes,
  type PlanInput,
  planTiles,
  resultWindow,
  scratchPerWorker,
  SLOT_BYTES,
  SLOT_PAIRS,
  STAGING_ROWS,
  TASK_A_ROWS,
  TASK_B_ROWS,
  type TilePlan,
} from "../../../operators/tiled_cosine/plan.ts"

const plan = (share: number, p: PlanInput) => Effect.runPromise(planTiles(share, p))
const refusal = (share: number, p: PlanInput) =>
  Effect.runPromise(Effect.flip(planTiles(share, p))) as Promise<
    { _tag: string; operator: string; needed: number; available: number; detail?: string }
  >

const self: PlanInput = { rowsA: 10_000, rowsB: 10_000, dim: 16, threads: 1, cross: false, variant: "simd" }

test("the sizes the plan is made of", () => {
  expect(SLOT_PAIRS).toBe(256 * 512 + 64)
  expect(SLOT_BYTES).toBe(SLOT_PAIRS * 12)
  expect(metaTable(0)).toBe(0)
  expect(metaTable(1)).toBe(64) // padded to 16 rows of 4 B
  expect(metaTable(17)).toBe(128)
  expect(metaBytes(17)).toBe(384)
  expect(metaInvAt(1000, 3)).toBe(1012)
  expect(resultWindow(1)).toBe(3)
  expect(resultWindow(4)).toBe(9)
  expect(scratchPerWorker("simd", 384)).toBe(320) // STATE_BYTES (272) rounded up to 64
  expect(STATE_BYTES).toBe(272)
  expect(scratchPerWorker("int8", 384) % 64).toBe(0)
  expect(scratchPerWorker("int8", 384)).toBeGreaterThan(scratchPerWorker("simd", 384))
  expect(fixedBytes(2, "simd", 384)).toBe(2 * 320 + 5 * SLOT_BYTES)
})

test("every row in memory when the share holds them: the plan is the fixed bytes, the metadata and the store", async () => {
  const p = await plan(1 << 30, self)
  const bytes = 320 + 3 * SLOT_BYTES + metaBytes(10_000) + packedBytes(10_000, 16)
  expect(bytes).toBe(5_481_216)
  expect(p).toEqual({
    bytes,
    mode: "memory",
    threads: 1,
    blockRowsA: 10_000,
    blockRowsB: 10_000,
    scratchBytes: 320 + 3 * SLOT_BYTES,
    notes: "all 10000 rows in memory",
  } as TilePlan)
  // exactly at the bytes it needs, still in memory; one byte less and it spills (the store is larger than two blocks)
  expect((await plan(bytes, self)).mode).toBe("memory")
  expect((await plan(bytes - 1, self)).mode).toBe("spill")
})

test("A x B holds both inputs' rows and metadata; int8 adds its panels", async () => {
  const cross: PlanInput = { rowsA: 100, rowsB: 300, dim: 10, threads: 2, cross: true, variant: "int8" }
  const p = await plan(1 << 30, cross)
  expect(p.mode).toBe("memory")
  expect(p.notes).toBe("all 400 rows in memory")
  expect(p.bytes).toBe(
    fixedBytes(2, "int8", 10) + metaBytes(100) + metaBytes(300) + storeBytes("int8", 100, 10) +
      storeBytes("int8", 300, 10),
  )
  expect(storeBytes("int8", 300, 10)).toBe(packedBytes(300, 10) + packed8Bytes(300, 10))
})

test("spill: equal A and B blocks, multiples of the B tile, no larger than the input rounded up to one", async () => {
  const big = await plan(1 << 30, { ...self, forceSpill: true })
  expect(big.mode).toBe("spill")
  expect(big.blockRowsA).toBe(10_240)
  expect(big.blockRowsB).toBe(10_240)
  const fixed = fixedBytes(1, "simd", 16) + metaBytes(10_000)
  const staging = storeBytes("simd", STAGING_ROWS, 16)
  expect(big.bytes).toBe(fixed + staging + 20_480 * rowBytes("simd", 16))
  expect(big.notes).toBe("spill: blocks of 10240 x 10240 rows from a temp file")
  // a share for exactly one B tile each way
  const tight = fixed + staging + 2 * TASK_B_ROWS * rowBytes("simd", 16)
  const one = await plan(tight, self)
  expect([one.mode, one.blockRowsA, one.blockRowsB]).toEqual(["spill", 512, 512])
  expect(one.bytes).toBe(tight)
  // a few bytes under three tiles' worth is still one
  expect((await plan(tight + 2 * TASK_B_ROWS * rowBytes("simd", 16) - 1, self)).blockRowsA).toBe(512)
  expect((await plan(tight + 2 * TASK_B_ROWS * rowBytes("simd", 16), self)).blockRowsA).toBe(1024)
  expect(TASK_A_ROWS * 2).toBe(TASK_B_ROWS)
})

test("spill A x B: each block capped by its own input", async () => {
  const p = await plan(1 << 30, {
    rowsA: 100,
    rowsB: 5000,
    dim: 8,
    threads: 1,
    cross: true,
    variant: "simd",
    forceSpill: true,
  })
  expect(p.blockRowsA).toBe(512)
  expect(p.blockRowsB).toBe(5120)
})

test("too small a share is BudgetExceeded before any data moves, needing the minimum", async () => {
  const cross: PlanInput = { rowsA: 2000, rowsB: 3000, dim: 32, threads: 2, cross: true, variant: "simd" }
  const min = minimumBytes(cross)
  // for A x B the minimum is exactly the smallest share the spill plan accepts
  expect((await plan(min, cross)).blockRowsA).toBe(512)
  const e = await refusal(min - 1, cross)
  expect(e._tag).toBe("BudgetExceeded")
  expect(e.operator).toBe("tiledCosine")
  expect(e.needed).toBe(min)
  expect(e.available).toBe(min - 1)
  expect(e.detail).toBe("two row blocks and the tile buffers")
  // so for a self join, which holds one input's metadata, not two
  expect((await plan(minimumBytes(self), self)).mode).toBe("spill")
  expect((await refusal(minimumBytes(self) - 1, self)).needed).toBe(minimumBytes(self))
  expect(minimumBytes({ ...self, cross: true })).toBe(minimumBytes(self) + metaBytes(self.rowsB))
  expect((await refusal(0, self))._tag).toBe("BudgetExceeded")
})

test("an empty input fits any share that holds the fixed bytes", async () => {
  const empty: PlanInput = { rowsA: 0, rowsB: 0, dim: 4, threads: 1, cross: false, variant: "simd" }
  const p = await plan(fixedBytes(1, "simd", 4), empty)
  expect(p.mode).toBe("memory")
  expect(p.bytes).toBe(fixedBytes(1, "simd", 4))
})
