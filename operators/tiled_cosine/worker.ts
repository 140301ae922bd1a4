/**
 * A tile worker: runs the cosine kernel on tiles of the shared packed store and writes the pairs that
 * pass into the task's result slot in the same shared memory (columns i, j, score); it posts back only
 * the task id and the pair count, so no per-task arrays are made on either side.
 */
import { collectGarbageNow } from "../../core/gc.ts"
import {
  CHUNK_PAIRS,
  instantiateKernel,
  type KernelExports,
  type KernelVariant,
  paddedDim,
  STATE_BYTES,
} from "./kernel.ts"

export interface WorkerInit {
  readonly type: "init"
  readonly memory: WebAssembly.Memory
  readonly variant: KernelVariant
  readonly bytes: Uint8Array<ArrayBuffer>
  readonly dim: number
  /** This worker's scratch: STATE_BYTES of kernel state, then (int8) the expanded A tile and its corrections. */
  readonly scratch: number
  /** (int8) Where in the scratch the A tile's chunk corrections go, after its expansion. */
  readonly corr: number
  readonly thrExact: number
}

/** One tile: addresses in the shared memory of its A and B rows (float, and int8 with metadata). */
export interface TileTask {
  readonly type: "tile"
  readonly id: number
  readonly thrScreen: number
  readonly a: number
  readonly a8: number
  readonly invA: number
  /** Bytes from a row's inverse scale to its residual, and from that to its norm + residual. */
  readonly tableA: number
  readonly aRow0: number
  readonly aRows: number
  readonly b: number
  readonly b8: number
  readonly invB: number
  readonly tableB: number
  readonly bRow0: number
  readonly bRows: number
  readonly diag: boolean
  /** The result slot: three columns of `cap` entries (i, j as u32, score as f32), room for every pair. */
  readonly out: number
  readonly cap: number
}

export interface TileResult {
  readonly id: number
  /** Pairs written to the task's slot. */
  readonly count: number
}

let kernel: KernelExports
let init: WorkerInit
let i32: Int32Array
/** The A tile whose expansion the scratch holds. */
const expanded = { row0: -1, rows: 0 }

// deno-lint-ignore no-explicit-any
const post = (msg: unknown, transfer?: Transferable[]) => (self as any).postMessage(msg, transfer)

self.onmessage = (e: MessageEvent<WorkerInit | TileTask | { type: "close" }>) => {
  const m = e.data
  if (m.type === "close") return self.close()
  if (m.type === "init") {
    init = m
    kernel = instantiateKernel(m.bytes, m.memory)
    i32 = new Int32Array(m.memory.buffer)
    post({ ready: true })
    return
  }
  try {
    post({ id: m.id, count: runTile(m) })
  } catch (err) {
    post({ id: m.id, error: String((err as Error)?.stack ?? err) })
  }
  // each worker has its own heap, which the main thread's collections do not reach
  collectGarbageNow()
}

function screen(t: TileTask, state: number): number {
  const { dim, thrExact, scratch } = init
  const diag = t.diag ? 1 : 0
  if (init.variant === "int8") {
    const a8 = scratch + STATE_BYTES
    return kernel.screen8(
      a8,
      t.a,
      t.invA,
      t.tableA,
      init.corr,
      t.aRow0,
      t.aRows,
      t.b8,
      t.b,
      t.invB,
      t.tableB,
      t.bRow0,
      t.bRows,
      dim,
      paddedDim(dim),
      CHUNK_PAIRS,
      t.thrScreen,
      thrExact,
      diag,
      t.out,
      t.cap,
      state,
    )
  }
  return kernel.screen(
    t.a,
    t.aRow0,
    t.aRows,
    t.b,
    t.bRow0,
    t.bRows,
    dim,
    t.thrScreen,
    thrExact,
    diag,
    t.out,
    t.cap,
    state,
  )
}

/** Runs one tile; returns the pairs written to its slot. */
function runTile(t: TileTask): number {
  const state = init.scratch
  i32[state >> 2] = 0
  i32[(state >> 2) + 1] = 0
  // consecutive tasks share their A tile (tiles run A-major): expand it only when it changes. Rows are
  // named by their global number, so a spill block read again to another address still matches.
  if (init.variant === "int8" && (t.aRow0 !== expanded.row0 || t.aRows !== expanded.rows)) {
    const a8 = init.scratch + STATE_BYTES
    kernel.expand_a(t.a8, t.aRows, a8, paddedDim(init.dim), init.corr, CHUNK_PAIRS)
    expanded.row0 = t.aRow0
    expanded.rows = t.aRows
  }
  const count = screen(t, state)
  // the slot has room for every pair of the tile plus one block, so the kernel never stops early
  if (i32[state >> 2] < Math.ceil(t.aRows / 4)) throw new Error(`tile ${t.id}: result slot full at ${count} pairs`)
  return count
}
