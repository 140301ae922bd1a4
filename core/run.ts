/**
 * Plans every stage before any data moves, then builds the streams in one Scope and pumps data
 * from the source to the sink. Closing the scope (success, failure or cancellation) releases every
 * reservation, stops workers and removes temp files.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { type Ledger, makeBudget, MemoryBudget } from "./budget.ts"
import { batchBytes, type StreamInfo } from "./batches.ts"
import { VERSION } from "./version.ts"
import { type BrookError, BudgetExceeded, Cancelled, isBrookError } from "./errors.ts"
import { build, type Pipeline, type Plan } from "./operator.ts"
import { Progress, silentProgress } from "./progress.ts"
import { formatBytes, parseSize } from "./size.ts"

export interface RunOptions {
  /** The memory budget: bytes or a size such as "512MB". Default 1GiB. */
  readonly memory?: number | string
  readonly signal?: AbortSignal
  readonly progress?: Progress["Service"]
}

export interface StageReport {
  readonly name: string
  readonly plan: Plan
  readonly peakReserved: number
  /**
   * Timings in milliseconds on the clock of `timeline` (the ledger's). `started`: the source when data
   * began to move, any other stage when its first input arrived (or its input closed, if empty).
   * `firstOutput`: when its first output entered the queue downstream (none for the sink). `ended`: when
   * its output closed (the sink: when it finished writing).
   */
  readonly started?: number
  readonly firstOutput?: number
  readonly ended?: number
}

export interface RunReport {
  /** brook's version (every report names it). */
  readonly version: string
  readonly budget: number
  readonly peakReserved: number
  readonly stages: readonly StageReport[]
  /** Peak bytes per ledger owner (stages and the queues between them). */
  readonly owners: ReadonlyArray<{ owner: string; peak: number }>
  readonly timeline: Ledger["timeline"]
  readonly seconds: number
  readonly info: StreamInfo
  /**
   * When every stage had been planned, in ms on the clock of `timeline`: sources had opened their headers
   * and a pipe stage had read its upstream's schema (so this includes waiting for the upstream process).
   */
  readonly planned?: number
}

/** Bytes of the queue between two stages: a small slice of the budget, bounded both ways. */
export const queueBytes = (budget: number): number => Math.min(16 << 20, Math.max(64 << 10, Math.floor(budget / 64)))

export const DEFAULT_MEMORY = "1GiB"

/**
 * Bytes of the budget held back for the runtime itself: what the engines keep beyond the idle baseline
 * while data moves (collector headroom, worker heaps, JIT code, more of their own binary paged in).
 * Measured at 2-9 MiB on a 100k x 384 edges run at --memory 64MB (BENCHMARKS.md); 1/8 of the budget,
 * at least 4 MiB and at most 16 MiB. It appears in the ledger as the owner "runtime".
 */
export const runtimeBytes = (budget: number): number => Math.min(16 << 20, Math.max(4 << 20, Math.floor(budget / 8)))

/** The ledger owner of runtimeBytes. */
export const RUNTIME_OWNER = "runtime"

/** The ledger owner of the queue between two stages. */
export const queueOwner = (from: string, to: string): string => `queue ${from}→${to}`

/** Plans a pipeline without running it: infos, shares and plans, or BudgetExceeded. */
export const planPipeline = (pipeline: Pipeline, budget: number) =>
  Effect.gen(function* () {
    const infos: StreamInfo[] = []
    let info: StreamInfo = {}
    for (const stage of pipeline.stages) {
      infos.push(info)
      info = yield* stage.describe(info)
    }
    const q = queueBytes(budget)
    const queues = q * (pipeline.stages.length - 1)
    const runtime = runtimeBytes(budget)
    let left = budget - runtime - queues
    if (left < 0) {
      return yield* new BudgetExceeded({
        operator: "runtime reserve + queues",
        needed: runtime + queues,
        available: budget,
        detail: `the run holds back ${
          formatBytes(runtime)
        } for the runtime: budget/8, at least 4 MiB; try a larger --memory`,
      })
    }
    const minima = pipeline.stages.map((s, k) => s.minimum(infos[k]))
    for (let k = 0; k < minima.length; k++) {
      if (minima[k] > left) {
        return yield* new BudgetExceeded({
          operator: pipeline.stages[k].name,
          needed: minima[k],
          available: left,
          detail: "its smallest plan does not fit",
        })
      }
      left -= minima[k]
    }
    const weights = pipeline.stages.reduce((a, s) => a + s.weight, 0) || 1
    const plans: Plan[] = []
    for (let k = 0; k < pipeline.stages.length; k++) {
      const share = minima[k] + Math.floor((left * pipeline.stages[k].weight) / weights)
      plans.push(yield* pipeline.stages[k].plan(share, infos[k]))
    }
    return { infos, plans, queue: q, finalInfo: info }
  })

/** Runs a pipeline as an Effect. */
export const runEffect = (pipeline: Pipeline, options: { memory?: number | string } = {}) =>
  Effect.gen(function* () {
    const total = parseSize(options.memory ?? DEFAULT_MEMORY)
    const budget = makeBudget(total)
    const t0 = performance.now()
    const { infos, plans, queue, finalInfo } = yield* planPipeline(pipeline, total)
    const planned = budget.ledger.elapsed()
    const progress = yield* Progress
    const marks: QueueMarks[] = []
    yield* Effect.scoped(
      Effect.gen(function* () {
        const stages = pipeline.stages
        yield* budget.reserve(RUNTIME_OWNER, runtimeBytes(total))
        for (let k = 0; k < stages.length - 1; k++) {
          yield* budget.reserve(queueOwner(stages[k].name, stages[k + 1].name), queue)
        }
        // deno-lint-ignore no-explicit-any
        const built: any[] = []
        for (let k = 0; k < stages.length; k++) {
          built.push(yield* build(stages[k], plans[k], infos[k]))
        }
        yield* Effect.tryPromise({
          try: (signal) => pump(built, queue, signal, marks, () => budget.ledger.elapsed()),
          catch: (e) => toBrookError(e),
        })
      }).pipe(Effect.provideService(MemoryBudget, budget), Effect.provideService(Progress, progress)),
    )
    progress.finish()
    const owners = [...budget.ledger.owners.values()].map((o) => ({ owner: o.owner, peak: o.peak }))
    const report: RunReport = {
      budget: total,
      peakReserved: budget.ledger.peak,
      stages: pipeline.stages.map((s, k) => ({
        name: s.name,
        plan: plans[k],
        peakReserved: budget.ledger.owners.get(s.name)?.peak ?? 0,
        started: k === 0 ? marks[0]?.opened : marks[k - 1]?.first ?? marks[k - 1]?.closed,
        firstOutput: marks[k]?.first,
        ended: k === pipeline.stages.length - 1 ? marks[k - 1]?.done : marks[k]?.closed,
      })),
      owners,
      timeline: budget.ledger.timeline,
      seconds: (performance.now() - t0) / 1000,
      version: VERSION,
      info: finalInfo,
      planned,
    }
    return report
  })

/** When data began to move, when the first chunk entered a queue, when it closed, when the sink finished. */
interface QueueMarks {
  opened: number
  first?: number
  closed?: number
  done?: number
}

async function pump(
  // deno-lint-ignore no-explicit-any
  built: any[],
  queue: number,
  signal: AbortSignal,
  marks: QueueMarks[],
  clock: () => number,
): Promise<void> {
  const queueAfter = (k: number) => byteQueue(queue, marks[k] = { opened: clock() }, clock)
  let stream: ReadableStream = built[0]
  for (let k = 1; k < built.length - 1; k++) {
    stream = stream.pipeThrough(queueAfter(k - 1), { signal }).pipeThrough(built[k], { signal })
  }
  const last = queueAfter(built.length - 2)
  await stream.pipeThrough(last, { signal }).pipeTo(built[built.length - 1], { signal })
  marks[built.length - 2].done = clock()
}

/**
 * An identity stage whose buffer is bounded in bytes: a slow consumer holds the producer back. It notes
 * when the first chunk passed and when the stream closed (the chunks themselves pass untouched).
 */
function byteQueue(bytes: number, marks: QueueMarks, clock: () => number): TransformStream {
  return new TransformStream(
    {
      transform(chunk, controller) {
        marks.first ??= clock()
        controller.enqueue(chunk)
      },
      flush() {
        marks.closed = clock()
      },
    },
    { highWaterMark: bytes, size: batchBytes },
    { highWaterMark: 0 },
  )
}

function toBrookError(e: unknown): BrookError {
  if (isBrookError(e)) return e
  if (e instanceof DOMException && e.name === "AbortError") return new Cancelled({ reason: "aborted" })
  throw e
}

/** Runs a pipeline; resolves with the report or rejects with the tagged error. */
export async function run(pipeline: Pipeline, options: RunOptions = {}): Promise<RunReport> {
  const exit = await Effect.runPromiseExit(
    runEffect(pipeline, options).pipe(Effect.provideService(Progress, options.progress ?? silentProgress)),
    { signal: options.signal },
  )
  if (Exit.isSuccess(exit)) return exit.value
  if (options.signal?.aborted || Cause.hasInterruptsOnly(exit.cause)) {
    throw new Cancelled({ reason: String(options.signal?.reason ?? "interrupted") })
  }
  throw Cause.squash(exit.cause)
}
