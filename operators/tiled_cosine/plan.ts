/**
 * How tiledCosine uses its share of the budget: the whole packed store in memory when it fits,
 * otherwise a block nested loop over a temp file with an A block and a B block in memory.
 */
import * as Effect from "effect/Effect"
import { BudgetExceeded } from "../../core/errors.ts"
import type { Plan } from "../../core/operator.ts"
import { correctionBytes, expandedABytes, type KernelVariant, rowBytes, STATE_BYTES, storeBytes } from "./kernel.ts"

/** Rows of A per task: 64 register groups of 4, a tile that stays in L1/L2 while B streams by. */
export const TASK_A_ROWS = 256
/** Rows of B per task: 512 rows x 384 dims x 4 B = 768 KiB, about one core's L2. */
export const TASK_B_ROWS = 512
/** Pairs a task's result slot holds: every pair of a tile, plus one register block of slack. */
export const SLOT_PAIRS = TASK_A_ROWS * TASK_B_ROWS + 64
/** Bytes of a result slot: columns i, j (u32) and score (f32). */
export const SLOT_BYTES = SLOT_PAIRS * 12
/** Rows packed before a spill write (64 panels of 8). */
export const STAGING_ROWS = 512
/** Tasks queued per worker, so a worker never waits for the main thread. */
export const TASKS_PER_WORKER = 2
/** Largest shared WebAssembly memory (32-bit addresses), less headroom. */
const MAX_WASM_BYTES = 3.5 * 2 ** 30

export interface TilePlan extends Plan {
  readonly mode: "memory" | "spill"
  readonly threads: number
  /** Rows of A and B held at once in spill mode (multiples of the task tile). */
  readonly blockRowsA: number
  readonly blockRowsB: number
  readonly scratchBytes: number
}

export interface PlanInput {
  readonly rowsA: number
  readonly rowsB: number
  readonly dim: number
  readonly threads: number
  readonly cross: boolean
  readonly variant: KernelVariant
  readonly forceSpill?: boolean
}

/**
 * Per-row metadata kept resident for every row, three float32 tables of `rows` rows padded to 16 (the
 * screen reads a B panel's 16 at once): the int8 inverse scales, the residual norms, and norm + residual
 * (quantiseRows). 12 bytes a row.
 */
export const metaBytes = (rows: number): number => metaTable(rows) * 3
/** Bytes of one of the three tables: the distance from a row's inverse scale to its residual, and on. */
export const metaTable = (rows: number): number => Math.ceil(rows / 16) * 16 * 4
/** Address of row `row`'s inverse scale in the tables at `meta`. */
export const metaInvAt = (meta: number, row: number): number => meta + row * 4

/** A worker's scratch: kernel state and (int8) its expanded copy of the A tile with its corrections. */
export const scratchPerWorker = (variant: KernelVariant, dim: number): number =>
  align64(
    STATE_BYTES +
      (variant === "int8" ? expandedABytes(TASK_A_ROWS, dim) + correctionBytes(TASK_A_ROWS, dim) : 0),
  )
const align64 = (n: number) => Math.ceil(n / 64) * 64
/** Tasks dispatched and not yet emitted, at most: one result slot each (task id modulo this). */
export const resultWindow = (threads: number): number => TASKS_PER_WORKER * threads + 1
/**
 * Fixed bytes: worker scratch, and the result slots of the tasks in flight or waiting to be emitted
 * in order (shared memory: a slot's pages are touched only as far as its tile's pairs reach).
 */
export const fixedBytes = (threads: number, variant: KernelVariant, dim: number): number =>
  threads * scratchPerWorker(variant, dim) + resultWindow(threads) * SLOT_BYTES

/** The smallest share a spill plan runs in: planTiles' fixed bytes and staging, and one B tile of rows each way. */
export const minimumBytes = (p: PlanInput): number =>
  fixedBytes(p.threads, p.variant, p.dim) + storeBytes(p.variant, STAGING_ROWS, p.dim) + metaBytes(p.rowsA) +
  (p.cross ? metaBytes(p.rowsB) : 0) + // a self join keeps one input's metadata, as planTiles counts it
  2 * TASK_B_ROWS * rowBytes(p.variant, p.dim)

export function planTiles(share: number, p: PlanInput): Effect.Effect<TilePlan, BudgetExceeded> {
  const meta = metaBytes(p.rowsA) + (p.cross ? metaBytes(p.rowsB) : 0)
  const fixed = fixedBytes(p.threads, p.variant, p.dim) + meta
  const scratchBytes = p.threads * scratchPerWorker(p.variant, p.dim) + resultWindow(p.threads) * SLOT_BYTES
  const store = storeBytes(p.variant, p.rowsA, p.dim) + (p.cross ? storeBytes(p.variant, p.rowsB, p.dim) : 0)
  if (!p.forceSpill && fixed + store <= share && store + scratchBytes <= MAX_WASM_BYTES) {
    return Effect.succeed({
      bytes: fixed + store,
      mode: "memory",
      threads: p.threads,
      blockRowsA: p.rowsA,
      blockRowsB: p.rowsB,
      scratchBytes,
      notes: `all ${p.rowsA + (p.cross ? p.rowsB : 0)} rows in memory`,
    })
  }
  const staging = storeBytes(p.variant, STAGING_ROWS, p.dim)
  const perRow = rowBytes(p.variant, p.dim)
  const room = Math.min(share, MAX_WASM_BYTES) - fixed - staging
  // A and B blocks of equal size: each B block is read once per A block, so I/O ~ n^2 / block
  const block = Math.floor(room / (2 * perRow) / TASK_B_ROWS) * TASK_B_ROWS
  if (block < TASK_B_ROWS) {
    const needed = minimumBytes(p)
    return Effect.fail(
      new BudgetExceeded({
        operator: "tiledCosine",
        needed,
        available: share,
        detail: "two row blocks and the tile buffers",
      }),
    )
  }
  const blockRowsA = Math.min(block, Math.ceil(p.rowsA / TASK_B_ROWS) * TASK_B_ROWS)
  const blockRowsB = Math.min(block, Math.ceil((p.cross ? p.rowsB : p.rowsA) / TASK_B_ROWS) * TASK_B_ROWS)
  return Effect.succeed({
    bytes: fixed + staging + (blockRowsA + blockRowsB) * perRow,
    mode: "spill",
    threads: p.threads,
    blockRowsA,
    blockRowsB,
    scratchBytes,
    notes: `spill: blocks of ${blockRowsA} x ${blockRowsB} rows from a temp file`,
  })
}
