/** pipe: one source first, one sink last, only transforms between. */
import { expect, test } from "bun:test"
import * as Effect from "effect/Effect"
import { fixedShare, type Sink, type Source, type Transform } from "../../core/operator.ts"
import { pipe } from "../../core/pipe.ts"

const source: Source<number> = {
  kind: "source",
  name: "src",
  ...fixedShare(0),
  make: () => Effect.succeed(new ReadableStream<number>()),
}
const double: Transform<number, number> = {
  kind: "transform",
  name: "double",
  ...fixedShare(0),
  make: () => Effect.succeed(new TransformStream<number, number>()),
}
const sink: Sink<number> = {
  kind: "sink",
  name: "sink",
  ...fixedShare(0),
  make: () => Effect.succeed(new WritableStream<number>()),
}

test("the stages come back in order", () => {
  expect(pipe(source, sink).stages).toEqual([source, sink])
  expect(pipe(source, double, double, sink).stages.map((s) => s.name)).toEqual(["src", "double", "double", "sink"])
})

// deno-lint-ignore no-explicit-any
const untyped = pipe as (...s: any[]) => unknown

test("a pipeline that does not start with a source, end with a sink, or has them inside is a TypeError", () => {
  const cases: Array<[unknown[], string]> = [
    [[], "the first stage must be a source"],
    [[double, sink], "the first stage must be a source"],
    [[source], "the last stage must be a sink"],
    [[source, double], "the last stage must be a sink"],
    [[source, source, sink], "stages between the source and the sink must be transforms"],
    [[source, sink, sink], "stages between the source and the sink must be transforms"],
  ]
  for (const [stages, message] of cases) {
    let err: unknown
    try {
      untyped(...stages)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(TypeError)
    expect((err as Error).message).toBe(`pipe: ${message}`)
  }
})
