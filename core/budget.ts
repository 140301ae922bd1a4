/**
 * The memory budget: one ledger per run. Stages reserve bytes in a Scope before they allocate;
 * closing the scope releases them. The ledger keeps the peak per owner and a timeline for reports.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import { BudgetExceeded } from "./errors.ts"

export interface OwnerUsage {
  readonly owner: string
  now: number
  peak: number
}

/** Plain bookkeeping, usable outside Effect (workers, stream callbacks). */
export class Ledger {
  used = 0
  peak = 0
  readonly owners = new Map<string, OwnerUsage>()
  readonly timeline: Array<{ t: number; owner: string; now: number }> = []
  private readonly t0 = performance.now()
  constructor(readonly total: number) {}

  /** Milliseconds since the ledger was made: the clock of `timeline` and of the run's stage timings. */
  elapsed(): number {
    return performance.now() - this.t0
  }

  get available(): number {
    return this.total - this.used
  }

  tryReserve(owner: string, bytes: number): BudgetExceeded | undefined {
    if (!(bytes >= 0)) throw new RangeError(`reservation of ${bytes} bytes`)
    if (this.used + bytes > this.total) {
      return new BudgetExceeded({ operator: owner, needed: bytes, available: this.available })
    }
    this.used += bytes
    this.peak = Math.max(this.peak, this.used)
    const o = this.owner(owner)
    o.now += bytes
    o.peak = Math.max(o.peak, o.now)
    this.timeline.push({ t: this.elapsed(), owner, now: o.now })
    return undefined
  }

  release(owner: string, bytes: number): void {
    const o = this.owner(owner)
    const b = Math.min(bytes, o.now)
    o.now -= b
    this.used -= b
    this.timeline.push({ t: this.elapsed(), owner, now: o.now })
  }

  private owner(name: string): OwnerUsage {
    let o = this.owners.get(name)
    if (!o) this.owners.set(name, o = { owner: name, now: 0, peak: 0 })
    return o
  }
}

/** The MemoryBudget service. */
export class MemoryBudget extends Context.Service<MemoryBudget, {
  readonly ledger: Ledger
  /** Reserves `bytes` for `owner` until the enclosing Scope closes. */
  readonly reserve: (owner: string, bytes: number) => Effect.Effect<void, BudgetExceeded, Scope.Scope>
}>()("brook/MemoryBudget") {}

/** A budget of `total` bytes. */
export const makeBudget = (total: number) => {
  const ledger = new Ledger(total)
  return MemoryBudget.of({
    ledger,
    reserve: (owner, bytes) =>
      Effect.acquireRelease(
        Effect.suspend(() => {
          const err = ledger.tryReserve(owner, bytes)
          return err ? Effect.fail(err) : Effect.void
        }),
        () => Effect.sync(() => ledger.release(owner, bytes)),
      ),
  })
}

/** Allocations an owner makes as data arrives (see `allowance`). */
export interface Allowance {
  /** Accounts for `bytes` about to be allocated; throws BudgetExceeded (with `detail`) when they do not fit. */
  take(bytes: number, detail: string): void
  /** Accounts for `bytes` freed. */
  give(bytes: number): void
}

/**
 * An allowance for allocations `owner` makes as it goes: drawn from `planned` bytes it has reserved up
 * front, then from what the budget has left. What it draws beyond the plan stays reserved until the
 * enclosing Scope closes (freed bytes are reused first).
 */
export const allowance = (
  owner: string,
  planned: number,
): Effect.Effect<Allowance, never, MemoryBudget | Scope.Scope> =>
  Effect.gen(function* () {
    const { ledger } = yield* MemoryBudget
    let used = 0, extra = 0
    yield* Effect.addFinalizer(() => Effect.sync(() => ledger.release(owner, extra)))
    return {
      take(bytes, detail) {
        if (used + bytes > planned + extra) {
          const more = used + bytes - planned - extra
          const err = ledger.tryReserve(owner, more)
          if (err) throw new BudgetExceeded({ operator: owner, needed: more, available: err.available, detail })
          extra += more
        }
        used += bytes
      },
      give(bytes) {
        used -= bytes
      },
    }
  })

/**
 * The reserve/release hooks of something made while planning, before the run's budget exists (a source's
 * id table): what it allocates meanwhile is tallied, and taken from the Allowance it is bound to in the
 * stage's `make`; from then on every allocation draws on that Allowance, refused naming `what`.
 */
export class PendingAllowance {
  private early = 0
  private target: Allowance | undefined
  constructor(private readonly what: string) {}
  readonly reserve = (bytes: number): void => {
    if (this.target) this.target.take(bytes, this.what)
    else this.early += bytes
  }
  readonly release = (bytes: number): void => {
    if (this.target) this.target.give(bytes)
    else this.early -= bytes
  }
  bind(allowance: Allowance): void {
    allowance.take(this.early, this.what)
    this.early = 0
    this.target = allowance
  }
}
