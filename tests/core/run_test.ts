/** planPipeline: what is known before any input is opened is checked before any source reads. */
import { expect, test } from "bun:test"
import * as Effect from "effect/Effect"
import { fixedShare, type Sink, type Source } from "../../core/operator.ts"
import { pipe } from "../../core/pipe.ts"
import { planPipeline } from "../../core/run.ts"

/** A source that counts the times it was asked to describe its input (opening and reading it, for a real one). */
function countingSource(): Source<number> & { described: number } {
  const source = {
    kind: "source" as const,
    name: "counting",
    weight: 0,
    described: 0,
    describe: () => Effect.sync(() => (source.described++, {})),
    minimum: () => 1 << 20,
    plan: () => Effect.succeed({ bytes: 1 << 20 }),
    make: () => Effect.succeed(new ReadableStream<number>()),
  }
  return source
}
const sink = (bytes: number): Sink<number> => ({
  kind: "sink",
  name: "bigSink",
  ...fixedShare(bytes),
  make: () => Effect.succeed(new WritableStream<number>()),
})

test("a sink's fixed bytes that cannot fit are refused before the source describes (reads) its input", async () => {
  const source = countingSource()
  const err = await Effect.runPromise(Effect.flip(planPipeline(pipe(source, sink(40 << 20)), 32 << 20)))
  expect(err._tag).toBe("BudgetExceeded")
  expect((err as { operator: string }).operator).toBe("bigSink")
  expect(source.described).toBe(0)
})

test("when they fit, the source describes its input once and the plan holds both stages", async () => {
  const source = countingSource()
  const planned = await Effect.runPromise(planPipeline(pipe(source, sink(8 << 20)), 32 << 20))
  expect(source.described).toBe(1)
  expect(planned.plans.map((p) => p.bytes)).toEqual([1 << 20, 8 << 20])
})
