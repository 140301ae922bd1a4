/**
 * build(): a stage's plan is reserved under its name before make runs, in a scope of its own inside the run's;
 * reservation.release() hands it back early, and the run's scope then releases nothing twice.
 */
import { expect, test } from "bun:test"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { makeBudget, MemoryBudget } from "../../core/budget.ts"
import type { StreamInfo } from "../../core/batches.ts"
import { InvalidInput } from "../../core/errors.ts"
import { build, fixedShare, type Reservation, type Transform } from "../../core/operator.ts"
import { Progress, silentProgress } from "../../core/progress.ts"

type Budget = ReturnType<typeof makeBudget>

/** A transform whose make records what the ledger held for it and keeps its reservation. */
function probe(name: string, budget: Budget, seen: { during?: number; reservation?: Reservation; made: number }) {
  const stage: Transform<number, number> = {
    kind: "transform",
    name,
    ...fixedShare(0),
    make: (_plan, _info, reservation) =>
      Effect.sync(() => {
        seen.made++
        seen.during = budget.ledger.owners.get(name)?.now
        seen.reservation = reservation
        return new TransformStream<number, number>()
      }),
  }
  return stage
}

const runScoped = <A, E>(
  budget: Budget,
  body: Effect.Effect<A, E, MemoryBudget | Progress | import("effect/Scope").Scope>,
) =>
  Effect.runPromiseExit(
    Effect.scoped(body).pipe(
      Effect.provideService(MemoryBudget, budget),
      Effect.provideService(Progress, silentProgress),
    ),
  )

/** The ledger's timeline for one owner: its bytes held after each change. */
const history = (budget: Budget, owner: string) =>
  budget.ledger.timeline.filter((e) => e.owner === owner).map((e) => e.now)

test("build reserves the plan under the stage's name before make, and the run's scope releases it", async () => {
  const budget = makeBudget(1000)
  const seen = { made: 0 } as { during?: number; reservation?: Reservation; made: number }
  const exit = await runScoped(
    budget,
    Effect.gen(function* () {
      const stream = yield* build(probe("tiles", budget, seen), { bytes: 300 }, {})
      expect(stream).toBeInstanceOf(TransformStream)
      expect(budget.ledger.used).toBe(300)
    }),
  )
  expect(Exit.isSuccess(exit)).toBe(true)
  expect(seen.made).toBe(1)
  expect(seen.during).toBe(300)
  expect(budget.ledger.used).toBe(0)
  expect(budget.ledger.owners.get("tiles")!.peak).toBe(300)
  expect(history(budget, "tiles")).toEqual([300, 0])
})

test("reservation.release hands the plan back at once, and the run's end does not release it again", async () => {
  const budget = makeBudget(1000)
  const seen = { made: 0 } as { during?: number; reservation?: Reservation; made: number }
  await runScoped(
    budget,
    Effect.gen(function* () {
      yield* build(probe("tiles", budget, seen), { bytes: 400 }, {})
      seen.reservation!.release()
      expect(budget.ledger.used).toBe(0)
      // the bytes are free for a stage made later in the same run
      yield* budget.reserve("leiden", 900)
      seen.reservation!.release() // a second release is a no-op
      expect(budget.ledger.used).toBe(900)
      // bytes the stage takes later under its name go back with the run, once
      budget.ledger.tryReserve("tiles", 100)
      yield* Effect.addFinalizer(() => Effect.sync(() => budget.ledger.release("tiles", 100)))
    }),
  )
  expect(budget.ledger.used).toBe(0)
  // the plan reserved once and released once: a second release would add an entry at the run's end
  expect(history(budget, "tiles")).toEqual([400, 0, 100, 0])
  expect(history(budget, "leiden")).toEqual([900, 0])
})

test("a plan that does not fit fails with BudgetExceeded naming the stage, and make is never called", async () => {
  const budget = makeBudget(1000)
  const seen = { made: 0 } as { during?: number; reservation?: Reservation; made: number }
  const exit = await runScoped(
    budget,
    Effect.gen(function* () {
      yield* budget.reserve("before", 700)
      return yield* build(probe("tiles", budget, seen), { bytes: 301 }, {})
    }),
  )
  expect(Exit.isFailure(exit)).toBe(true)
  const err = Exit.isFailure(exit)
    ? (exit.cause as unknown as {
      reasons: Array<{ error: { _tag: string; operator: string; needed: number; available: number } }>
    })
      .reasons[0].error
    : undefined
  expect(err?._tag).toBe("BudgetExceeded")
  expect(err?.operator).toBe("tiles")
  expect(err?.needed).toBe(301)
  expect(err?.available).toBe(300)
  expect(seen.made).toBe(0)
  expect(budget.ledger.used).toBe(0)
})

test("a make that fails still gives the plan back when the run's scope closes", async () => {
  const budget = makeBudget(1000)
  const failing: Transform<number, number> = {
    kind: "transform",
    name: "broken",
    ...fixedShare(0),
    make: () => Effect.fail(new InvalidInput({ file: "in", reason: "make failed" })),
  }
  const exit = await runScoped(budget, build(failing, { bytes: 250 }, {}))
  expect(Exit.isFailure(exit)).toBe(true)
  expect(budget.ledger.used).toBe(0)
  expect(history(budget, "broken")).toEqual([250, 0])
})

test("two stages of one run hold their plans side by side, each released once", async () => {
  const budget = makeBudget(1000)
  const a = { made: 0 } as { during?: number; reservation?: Reservation; made: number }
  const b = { made: 0 } as { during?: number; reservation?: Reservation; made: number }
  await runScoped(
    budget,
    Effect.gen(function* () {
      yield* build(probe("a", budget, a), { bytes: 600 }, {})
      yield* build(probe("b", budget, b), { bytes: 400 }, {})
      expect(budget.ledger.used).toBe(1000)
      a.reservation!.release()
      expect(budget.ledger.used).toBe(400)
    }),
  )
  expect(budget.ledger.peak).toBe(1000)
  expect(history(budget, "a")).toEqual([600, 0])
  expect(history(budget, "b")).toEqual([400, 0])
})

test("fixedShare: no claim on the rest, its bytes as minimum and plan, the stream's facts unchanged", async () => {
  const share = fixedShare(4096)
  const info: StreamInfo = { dim: 3, rows: 10, file: "x" }
  expect(share.weight).toBe(0)
  expect(share.minimum()).toBe(4096)
  expect(await Effect.runPromise(share.plan())).toEqual({ bytes: 4096 })
  expect(await Effect.runPromise(share.describe(info))).toBe(info)
})
