import { expect, test } from "bun:test"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { allowance, makeBudget, MemoryBudget, PendingAllowance } from "../../core/budget.ts"
import { parseSize } from "../../core/size.ts"

test("sizes parse in decimal and binary units", () => {
  expect(parseSize("512MB")).toBe(512_000_000)
  expect(parseSize("2GiB")).toBe(2 * 1024 ** 3)
  expect(parseSize("64m")).toBe(64 * 1024 ** 2)
  expect(parseSize("1048576")).toBe(1048576)
  expect(() => parseSize("lots")).toThrow()
})

test("reservations are released when their scope closes, and peaks are kept per owner", async () => {
  const budget = makeBudget(1000)
  await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
    yield* budget.reserve("a", 600)
    yield* budget.reserve("b", 300)
    expect(budget.ledger.used).toBe(900)
  })))
  expect(budget.ledger.used).toBe(0)
  expect(budget.ledger.owners.get("a")!.peak).toBe(600)
  expect(budget.ledger.peak).toBe(900)
})

test("a reservation past the budget fails with BudgetExceeded naming the owner", async () => {
  const budget = makeBudget(1000)
  const exit = await Effect.runPromiseExit(Effect.scoped(Effect.gen(function* () {
    yield* budget.reserve("a", 800)
    yield* budget.reserve("tiledCosine", 300)
  })))
  expect(Exit.isFailure(exit)).toBe(true)
  const err = Exit.isFailure(exit)
    ? (exit.cause as unknown as {
      reasons: Array<{ error: { _tag: string; operator: string; needed: number; available: number } }>
    }).reasons?.[0]?.error
    : undefined
  expect(err?._tag).toBe("BudgetExceeded")
  expect(err?.operator).toBe("tiledCosine")
  expect(err?.needed).toBe(300)
  expect(err?.available).toBe(200)
  expect(budget.ledger.used).toBe(0)
})

test("an allowance draws on its plan, then on what is left, reuses what is given back, and refuses", async () => {
  const budget = makeBudget(1000)
  await Effect.runPromise(Effect.scoped(
    Effect.gen(function* () {
      yield* budget.reserve("stage", 300) // its plan
      const a = yield* allowance("stage", 300)
      a.take(250, "state")
      expect(budget.ledger.used).toBe(300) // within the plan
      a.take(150, "state")
      expect(budget.ledger.used).toBe(400) // 100 past it, from what the budget has left
      a.give(200)
      a.take(200, "state")
      expect(budget.ledger.used).toBe(400) // freed bytes are reused first
      let error: { _tag?: string; message?: string } = {}
      try {
        a.take(700, "the input's ids")
      } catch (e) {
        error = e as typeof error
      }
      expect(error._tag).toBe("BudgetExceeded")
      expect(error.message).toContain("the input's ids")
    }).pipe(Effect.provideService(MemoryBudget, budget)),
  ))
  expect(budget.ledger.used).toBe(0) // the plan and the extra are released with the scope
})

test("a pending allowance tallies what is allocated before its stage is made, and takes it when bound", async () => {
  const budget = makeBudget(1000)
  const pending = new PendingAllowance("the node table")
  pending.reserve(300) // while planning: no budget yet
  pending.release(100)
  await Effect.runPromise(Effect.scoped(
    Effect.gen(function* () {
      pending.bind(yield* allowance("readEdges", 0))
      expect(budget.ledger.used).toBe(200)
      pending.reserve(300)
      expect(budget.ledger.used).toBe(500)
      expect(() => pending.reserve(600)).toThrow("the node table")
    }).pipe(Effect.provideService(MemoryBudget, budget)),
  ))
  expect(budget.ledger.used).toBe(0)
})
