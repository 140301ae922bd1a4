/** thresholdEdges: the strict threshold, the default and user weights, and the options checked before data moves. */
import { expect, test } from "bun:test"
import * as Effect from "effect/Effect"
import { makeBudget, MemoryBudget } from "../../core/budget.ts"
import { DEFAULT_BATCH_PAIRS, type EdgeBatch, type ScoredPairs, type StreamInfo } from "../../core/batches.ts"
import { Progress, silentProgress } from "../../core/progress.ts"
import {
  compileWeight,
  DEFAULT_EPS,
  thresholdEdges,
  type ThresholdEdgesOptions,
} from "../../operators/threshold_edges.ts"

const pairs = (i: number[], j: number[], score: number[]): ScoredPairs => ({
  i: Uint32Array.from(i),
  j: Uint32Array.from(j),
  score: Float32Array.from(score),
  length: i.length,
})

/** Describes the stage against `up`, makes it, pushes `batches` through and returns what comes out. */
async function through(options: ThresholdEdgesOptions, up: StreamInfo, batches: ScoredPairs[]) {
  const stage = thresholdEdges(options)
  const info = await Effect.runPromise(stage.describe(up))
  const plan = await Effect.runPromise(stage.plan(0, info))
  const ts = await Effect.runPromise(
    Effect.scoped(stage.make(plan, info, { release: () => {} })).pipe(
      Effect.provideService(MemoryBudget, makeBudget(1 << 30)),
      Effect.provideService(Progress, silentProgress),
    ),
  )
  const out: EdgeBatch[] = []
  const done = ts.readable.pipeTo(new WritableStream({ write: (b) => void out.push(b) }))
  const w = ts.writable.getWriter()
  for (const b of batches) await w.write(b)
  await w.close()
  await done
  return { info, out }
}

/** The error an Effect fails with. */
async function failure(e: Effect.Effect<unknown, unknown>): Promise<{ _tag: string; option: string; message: string }> {
  const r = await Effect.runPromise(Effect.flip(e))
  return r as { _tag: string; option: string; message: string }
}

test("keeps s > threshold only (strict) and weighs 1 / (1 - s + eps) in float32", async () => {
  const { info, out } = await through({}, { threshold: 0.5 }, [
    pairs([0, 0, 1, 2], [1, 2, 3, 3], [0.5, 0.75, 0.4, 1]),
  ])
  expect(info.threshold).toBe(0.5)
  expect(out).toHaveLength(1)
  const e = out[0]
  expect(e.length).toBe(2)
  expect(Array.from(e.src)).toEqual([0, 2])
  expect(Array.from(e.dst)).toEqual([2, 3])
  expect(Array.from(e.similarity!)).toEqual([0.75, 1])
  expect(Array.from(e.weight)).toEqual([Math.fround(1 / (1 - 0.75 + DEFAULT_EPS)), Math.fround(1 / DEFAULT_EPS)])
})

test("a score above 1 (rounding) weighs as 1; eps is the user's", async () => {
  const { out } = await through({ eps: 0.5 }, { threshold: 0 }, [pairs([0, 1], [1, 2], [1.0000001, 0.5])])
  expect(Array.from(out[0].weight)).toEqual([2, 1])
})

test("a batch kept whole passes its columns on; a batch with nothing kept emits nothing", async () => {
  const all = pairs([4, 5], [6, 7], [0.9, 0.95])
  const none = pairs([1], [2], [0.1])
  const empty = pairs([], [], [])
  const { out } = await through({ threshold: 0.8 }, { threshold: 0.8 }, [none, all, empty])
  expect(out).toHaveLength(1)
  expect(out[0].src).toBe(all.i)
  expect(out[0].dst).toBe(all.j)
  expect(out[0].similarity).toBe(all.score)
  expect(out[0].weight.length).toBe(2)
})

test("a user expression in s replaces the default weight", async () => {
  const { out } = await through({ weight: "2 * s" }, { threshold: 0.5 }, [pairs([0, 1], [1, 2], [0.6, 0.25])])
  expect(Array.from(out[0].weight)).toEqual([Math.fround(1.2)])
})

test("the threshold: the option over upstream's; missing, or below upstream's, is an InvalidOption", async () => {
  const higher = await Effect.runPromise(thresholdEdges({ threshold: 0.9 }).describe({ threshold: 0.8, dim: 3 }))
  expect(higher).toEqual({ threshold: 0.9, dim: 3 })
  const none = await failure(thresholdEdges().describe({}))
  expect(none._tag).toBe("InvalidOption")
  expect(none.option).toBe("threshold")
  expect(none.message).toBe("--threshold: no threshold given and none upstream")
  const nan = await failure(thresholdEdges({ threshold: NaN }).describe({}))
  expect(nan.option).toBe("threshold")
  const below = await failure(thresholdEdges({ threshold: 0.7 }).describe({ threshold: 0.8 }))
  expect(below.message).toContain("0.7 is below the upstream threshold 0.8")
  // at upstream's own threshold is allowed
  expect((await Effect.runPromise(thresholdEdges({ threshold: 0.8 }).describe({ threshold: 0.8 }))).threshold).toBe(0.8)
})

test("eps must be > 0", async () => {
  for (const eps of [0, -1, NaN]) {
    const e = await failure(thresholdEdges({ eps }).describe({ threshold: 0.5 }))
    expect(e.option).toBe("eps")
  }
})

test("the plan holds one batch of weights and similarities: 8 B per pair of the largest batch upstream", async () => {
  const stage = thresholdEdges()
  expect(stage.minimum({})).toBe(DEFAULT_BATCH_PAIRS * 8)
  expect(stage.minimum({ batchPairs: 1000 })).toBe(8000)
  expect(await Effect.runPromise(stage.plan(1 << 30, { batchPairs: 10 }))).toEqual({ bytes: 80 })
  expect(stage.weight).toBe(0)
})

test("compileWeight: a good expression evaluates; bad syntax, a failure or a value not finite and > 0 on (t, 1] are refused", async () => {
  const f = await Effect.runPromise(compileWeight("exp(10 * (s - 1))", 0.5))
  expect(f(1)).toBe(1)
  expect(Math.abs(f(0.9) - Math.exp(-1)) < 1e-12).toBe(true)
  const syntax = await failure(compileWeight("s +* 2", 0.5))
  expect(syntax.option).toBe("weight")
  expect(syntax.message).toContain('cannot parse "s +* 2"')
  const infinite = await failure(compileWeight("1 / (1 - s)", 0.5)) // infinite at s = 1
  expect(infinite.message).toContain("is Infinity at s = 1")
  expect(infinite.message).toContain("finite and > 0 on (0.5, 1]")
  const negative = await failure(compileWeight("s - 0.7", 0.5)) // <= 0 just above the threshold
  expect(negative.message).toMatch(/is -0\.19\d* at s = 0\.5/)
  const unknown = await failure(compileWeight("x * s", 0.5))
  expect(unknown.message).toContain('"x * s" fails at s =')
  // cosines are never below -1: a threshold under it is checked from -1 on, where sqrt(1 + s) is real
  expect((await Effect.runPromise(compileWeight("sqrt(1 + s)", -5)))(0)).toBe(1)
})
