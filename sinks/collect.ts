/** A sink that keeps every batch it receives, for scripts and tests on small inputs. */
import * as Effect from "effect/Effect"
import { fixedShare, type Sink } from "../core/operator.ts"

export interface Collected<T> {
  readonly batches: T[]
}

/** Collects batches into `into.batches` (memory not budgeted: for small results only). */
export function collect<T>(into: Collected<T>): Sink<T> {
  return {
    kind: "sink",
    name: "collect",
    ...fixedShare(0),
    make: () => Effect.succeed(new WritableStream<T>({ write: (b) => void into.batches.push(b) })),
  }
}
