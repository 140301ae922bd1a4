/** collect: keeps every batch it receives, in order, and holds no budget. */
import { expect, test } from "bun:test"
import * as Effect from "effect/Effect"
import type { Source } from "../../core/operator.ts"
import { collect, pipe, run } from "../../mod.ts"
import { batchSource } from "../helpers.ts"

const numbers = (batches: number[][], fail = false): Source<number[]> =>
  batchSource(batches, {}, { name: "numbers", fail: fail ? new Error("source broke") : undefined })

test("every batch, the same objects, in order", async () => {
  const a = [1, 2], b = [3], c: number[] = []
  const got = { batches: [] as number[][] }
  await run(pipe(numbers([a, b, c]), collect(got)))
  expect(got.batches).toHaveLength(3)
  expect(got.batches[0]).toBe(a)
  expect(got.batches[1]).toBe(b)
  expect(got.batches[2]).toBe(c)
})

test("an empty stream collects nothing; batches are appended to what is there", async () => {
  const got = { batches: [[0]] as number[][] }
  await run(pipe(numbers([]), collect(got)))
  expect(got.batches).toEqual([[0]])
  await run(pipe(numbers([[7]]), collect(got)))
  expect(got.batches).toEqual([[0], [7]])
})

test("collect is a sink named collect that reserves nothing", async () => {
  const sink = collect({ batches: [] })
  expect(sink.kind).toBe("sink")
  expect(sink.name).toBe("collect")
  expect(sink.weight).toBe(0)
  expect(sink.minimum({})).toBe(0)
  expect(await Effect.runPromise(sink.plan(1 << 20, {}))).toEqual({ bytes: 0 })
  const report = await run(pipe(numbers([[1]]), collect({ batches: [] })))
  expect(report.owners.find((o) => o.owner === "collect")?.peak ?? 0).toBe(0)
})

test("a failing source fails the run; what arrived before stays collected", async () => {
  const got = { batches: [] as number[][] }
  const e = await run(pipe(numbers([[1], [2]], true), collect(got))).then(() => undefined, (e: Error) => e)
  expect(e?.message).toContain("source broke")
  expect(got.batches.length).toBeLessThanOrEqual(2)
})
