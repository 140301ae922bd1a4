/**
 * Glue for the value kernels (values.wat): a WebAssembly memory that holds exodusChunks' read buffers, so
 * the byte swap runs as SIMD in place, and the min / max / sum fold exodusStats runs on those same bytes.
 * A runtime without SIMD128 (or a build without values.wasm) gets no kernel; the scalar TypeScript paths take over.
 */
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import type { NcType } from "../types.ts"

/** Bytes at the start of the memory for fold64's result (three float64). */
const RESULT_BYTES = 64
const PAGE = 65536

export interface ValueKernel {
  readonly memory: WebAssembly.Memory
  /** First byte of the memory free for buffers (8-aligned). */
  readonly base: number
  /** Reverses the byte order of `count` values of `type` at `byteOffset`, in place. */
  swap(type: NcType, byteOffset: number, count: number): void
  /** [min, max, sum] of `count` float64 at `byteOffset` (8-aligned). */
  fold64(byteOffset: number, count: number): Float64Array
}

interface Exports {
  swap64(p: number, n: number): void
  swap32(p: number, n: number): void
  swap16(p: number, n: number): void
  fold64(p: number, n: number, out: number): void
}

let module: WebAssembly.Module | null | undefined
const byBuffer = new WeakMap<ArrayBufferLike, ValueKernel>()

function compiled(): WebAssembly.Module | null {
  if (module !== undefined) return module
  let bytes: Uint8Array<ArrayBuffer>
  try {
    bytes = new Uint8Array(fs.readFileSync(fileURLToPath(new URL("./values.wasm", import.meta.url))))
  } catch {
    return module = null // a single-file build without the .wasm beside it: the scalar paths
  }
  return module = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null
}

/** Bytes a kernel memory with `bytes` of buffers occupies (whole pages). */
export const kernelMemoryBytes = (bytes: number): number => Math.ceil((bytes + RESULT_BYTES) / PAGE) * PAGE

/** A kernel whose memory has room for `bytes` of buffers after `base`, or undefined without SIMD. */
export function valueKernel(bytes: number): ValueKernel | undefined {
  const mod = compiled()
  if (!mod) return undefined
  const pages = kernelMemoryBytes(bytes) / PAGE
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages })
  const x = new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as Exports
  const result = new Float64Array(memory.buffer, 0, 3)
  const kernel: ValueKernel = {
    memory,
    base: RESULT_BYTES,
    swap(type, p, n) {
      if (type === "double" || type === "int64" || type === "uint64") x.swap64(p, n)
      else if (type === "int" || type === "uint" || type === "float") x.swap32(p, n)
      else if (type === "short" || type === "ushort") x.swap16(p, n)
    },
    fold64(p, n) {
      x.fold64(p, n, 0)
      return result
    },
  }
  byBuffer.set(memory.buffer, kernel)
  return kernel
}

/** The kernel whose memory `buffer` is, if any. */
export const kernelOf = (buffer: ArrayBufferLike): ValueKernel | undefined => byBuffer.get(buffer)
