/**
 * A tile worker: runs the cosine kernel on tiles of the shared packed store and posts back only the
 * pairs that pass, as transferred typed arrays (i, j, score).
 */
import { instantiateKernel, type KernelExports, type KernelVariant, paddedDim } from "./kernel.ts"

export interface WorkerInit {
  readonly type: "init"
  readonly memory: WebAssembly.Memory
  readonly variant: KernelVariant
  readonly bytes: Uint8Array<ArrayBuffer>
  readonly dim: number
  /** This worker's scratch: STATE_BYTES of state, three columns of `cap` entries, then (int8) the expanded A tile. */
  readonly scratch: number
  readonly cap: number
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
  readonly aRow0: number
  readonly aRows: number
  readonly b: number
  readonly b8: number
  readonly invB: number
  readonly sumB: number
  readonly bRow0: number
  readonly bRows: number
  readonly diag: boolean
}

export interface TileResult {
  readonly id: number
  readonly i: Uint32Array
  readonly j: Uint32Array
  readonly score: Float32Array
}

/** Bytes of kernel state before the output columns: resume point, then one block's 64 scores. */
export const STATE_BYTES = 16 + 64 * 4

let kernel: KernelExports
let init: WorkerInit
let i32: Int32Array
let f32: Float32Array

// deno-lint-ignore no-explicit-any
const post = (msg: unknown, transfer?: Transferable[]) => (self as any).postMessage(msg, transfer)

self.onmessage = (e: MessageEvent<WorkerInit | TileTask | { type: "close" }>) => {
  const m = e.data
  if (m.type === "close") return self.close()
  if (m.type === "init") {
    init = m
    kernel = instantiateKernel(m.bytes, m.memory)
    i32 = new Int32Array(m.memory.buffer)
    f32 = new Float32Array(m.memory.buffer)
    post({ ready: true })
    return
  }
  try {
    post(...runTile(m))
  } catch (err) {
    post({ id: m.id, error: String((err as Error)?.stack ?? err) })
  }
}

function screen(t: TileTask, out: number, state: number): number {
  const { cap, dim, thrExact } = init
  const diag = t.diag ? 1 : 0
  if (init.variant === "int8") {
    const tile = out + cap * 12
    return kernel.screen8(
      tile,
      t.a,
      t.invA,
      t.aRow0,
      t.aRows,
      t.b8,
      t.b,
      t.invB,
      t.sumB,
      t.bRow0,
      t.bRows,
      dim,
      paddedDim(dim),
      t.thrScreen,
      thrExact,
      diag,
      out,
      cap,
      state,
    )
  }
  return kernel.screen(t.a, t.aRow0, t.aRows, t.b, t.bRow0, t.bRows, dim, t.thrScreen, thrExact, diag, out, cap, state)
}

function runTile(t: TileTask): [TileResult, Transferable[]] {
  const { scratch, cap } = init
  const state = scratch
  const out = scratch + STATE_BYTES
  i32[state >> 2] = 0
  i32[(state >> 2) + 1] = 0
  const groups = Math.ceil(t.aRows / 4)
  if (init.variant === "int8") kernel.expand_a(t.a8, t.aRows, out + cap * 12, paddedDim(init.dim))
  const parts: Array<[Uint32Array, Uint32Array, Float32Array]> = []
  let total = 0
  do {
    const c = screen(t, out, state)
    if (c > 0) {
      const base = out >> 2
      parts.push([
        new Uint32Array(i32.subarray(base, base + c)),
        new Uint32Array(i32.subarray(base + cap, base + cap + c)),
        f32.slice(base + 2 * cap, base + 2 * cap + c),
      ])
      total += c
    }
  } while (i32[state >> 2] < groups)
  if (parts.length === 1) {
    const [i, j, score] = parts[0]
    return [{ id: t.id, i, j, score }, [i.buffer, j.buffer, score.buffer] as ArrayBuffer[]]
  }
  const i = new Uint32Array(total), j = new Uint32Array(total), score = new Float32Array(total)
  let at = 0
  for (const [pi, pj, ps] of parts) {
    i.set(pi, at), j.set(pj, at), score.set(ps, at)
    at += pi.length
  }
  return [{ id: t.id, i, j, score }, [i.buffer, j.buffer, score.buffer] as ArrayBuffer[]]
}
