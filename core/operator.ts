/**
 * The operator model: a stage is a value with a name, a plan computed from its share of the budget,
 * and an Effect that, in a Scope, reserves that plan and builds a WHATWG stream stage.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { MemoryBudget } from "./budget.ts"
import type { BrookError, BudgetExceeded } from "./errors.ts"
import type { Progress } from "./progress.ts"
import type { StreamInfo } from "./batches.ts"

export type Bytes = number

/** What a stage will hold while it runs; a stage with sizes of its own (block rows, tile sizes) extends it. */
export interface Plan {
  /** Everything the stage reserves, in bytes. */
  readonly bytes: Bytes
  readonly notes?: string
}

export type Services = MemoryBudget | Progress | Scope.Scope

interface StageBase<P extends Plan> {
  readonly name: string
  /** Facts passed downstream. Sources open headers here (no data is read). */
  readonly describe: (upstream: StreamInfo) => Effect.Effect<StreamInfo, BrookError>
  /** Smallest share this stage can run in, given what arrives. */
  readonly minimum: (info: StreamInfo) => Bytes
  /** Relative claim on the budget left after every minimum is met. */
  readonly weight: number
  /** Sizes from a share; pure. */
  readonly plan: (share: Bytes, info: StreamInfo) => Effect.Effect<P, BudgetExceeded>
}

/**
 * A stage's reservation of its plan, made by `build` before `make` runs. `release` hands it back to the
 * budget before the run ends (a stage whose data is all out); otherwise it goes back with the run.
 */
export interface Reservation {
  readonly release: () => void
}

// `make` is a method so that a stage typed with its own plan (Source<O, BatchPlan>) is still a Source<O>:
// the pipeline hands each stage back the plan it made, already reserved (see `build`). A stage that
// builds another inside it (a second source, a wrapped sink) calls that one's `make` with its own plan
// and reservation: the outer plan's bytes include the inner's.
export interface Source<O, P extends Plan = Plan> extends StageBase<P> {
  readonly kind: "source"
  make(plan: P, info: StreamInfo, reservation: Reservation): Effect.Effect<ReadableStream<O>, BrookError, Services>
}

export interface Transform<I, O, P extends Plan = Plan> extends StageBase<P> {
  readonly kind: "transform"
  make(plan: P, info: StreamInfo, reservation: Reservation): Effect.Effect<TransformStream<I, O>, BrookError, Services>
}

export interface Sink<I, P extends Plan = Plan> extends StageBase<P> {
  readonly kind: "sink"
  make(plan: P, info: StreamInfo, reservation: Reservation): Effect.Effect<WritableStream<I>, BrookError, Services>
}

// deno-lint-ignore no-explicit-any
export type AnyStage = Source<any, any> | Transform<any, any, any> | Sink<any, any>

/**
 * The planning of a stage that holds a fixed number of bytes whatever its share: no claim on the rest
 * of the budget, and the stream's facts passed on unchanged.
 */
export const fixedShare = (bytes: Bytes) => ({
  weight: 0,
  describe: (up: StreamInfo) => Effect.succeed(up),
  minimum: () => bytes,
  plan: () => Effect.succeed<Plan>({ bytes }),
})

/**
 * Reserves a stage's plan under its name, in a scope of its own inside the run's, then makes the stage:
 * the one place where a stage's bytes are taken from the budget.
 */
export const build = <S extends AnyStage>(stage: S, plan: Plan, info: StreamInfo) =>
  Effect.gen(function* () {
    const budget = yield* MemoryBudget
    const held = yield* Scope.fork(yield* Scope.Scope)
    yield* budget.reserve(stage.name, plan.bytes).pipe(Scope.provide(held))
    const reservation: Reservation = { release: () => Effect.runSync(Scope.close(held, Exit.void)) }
    return (yield* (stage as AnyStage).make(plan, info, reservation)) as ReturnType<S["make"]> extends
      Effect.Effect<infer A, infer _E, infer _R> ? A : never
  })

/** A complete pipeline: one source, transforms, one sink. */
export interface Pipeline {
  readonly stages: readonly AnyStage[]
}
