/**
 * A tile worker: runs the cosine kernel on tiles of the shared packed store and posts back only the
 * pairs that pass, as transferred typed arrays (i, j, score).
 */
import { instantiateKernel, type KernelExports } from "./kernel.ts"

export interface WorkerInit {
  readonly type: "init"
  readonly memory: WebAssembly.Memory
  readonly bytes: Uint8Array
  readonly dim: number
  /** This worker's scratch: 144 bytes of state, then three columns of `cap` entries. */
  readonly scratch: number
  readonly cap: number
  readonly thrScreen: number
  readonly thrExact: number
}

export interface TileTask {
  readonly type: "tile"
  readonly id: number
  readonly a: number
  readonly aRow0: number
  readonly aRows: number
  readonly b: number
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

/** Bytes of kernel state before the output columns. */
export const STATE_BYTES = 144

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

function runTile(t: TileTask): [TileResult, Transferable[]] {
  const { scratch, cap, dim } = init
  const state = scratch
  const out = scratch + STATE_BYTES
  i32[state >> 2] = 0
  i32[(state >> 2) + 1] = 0
  const groups = Math.ceil(t.aRows / 4)
  const parts: Array<[Uint32Array, Uint32Array, Float32Array]> = []
  let total = 0
  do {
    const c = kernel.screen(
      t.a,
      t.aRow0,
      t.aRows,
      t.b,
      t.bRow0,
      t.bRows,
      dim,
      init.thrScreen,
      init.thrExact,
      t.diag ? 1 : 0,
      out,
      cap,
      state,
    )
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
  const i = parts.length === 1 ? parts[0][0] : new Uint32Array(total)
  const j = parts.length === 1 ? parts[0][1] : new Uint32Array(total)
  const score = parts.length === 1 ? parts[0][2] : new Float32Array(total)
  if (parts.length !== 1) {
    let at = 0
    for (const [pi, pj, ps] of parts) {
      i.set(pi, at), j.set(pj, at), score.set(ps, at)
      at += pi.length
    }
  }
  return [{ id: t.id, i, j, score }, [i.buffer, j.buffer, score.buffer]]
}
