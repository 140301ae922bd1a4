/**
 * The pack codec: zstd through node:zlib, which Bun 1.4.5 and Deno 2.9.6 both implement natively
 * (libzstd; Node gained it in 22.15, so Node 20 cannot run segmentPack). Against the WebAssembly
 * build @bokuweb/zstd-wasm 0.0.27 on the 416 packs of bench/genomes.sh's archive: the same bytes
 * (same levels), and native is faster: delta packs at level 19 in 454 vs 589 ms on Bun, 429 vs
 * 647 ms on Deno; reference packs at level 3 in 13 vs 23 ms and 12 vs 34 ms. It also adds no
 * dependency. The format is plain zstd frames, readable by `zstd -d`.
 */
import * as zlib from "node:zlib"
import { packRef } from "./ref_codec.ts"

interface ZstdZlib {
  zstdCompressSync(b: Uint8Array, o: { params: Record<number, number>; pledgedSrcSize?: number }): Uint8Array
  zstdDecompressSync(b: Uint8Array): Uint8Array
  constants: Record<string, number>
}
const z = zlib as unknown as ZstdZlib

/** Whether this runtime has zstd (Node 20 does not). */
export const hasZstd = typeof z.zstdCompressSync === "function"

/**
 * Levels: delta packs are small (kilobytes) and repetitive, so a high level costs little time;
 * references are 2-bit packed first, leaving zstd little to find (bench/genomes.sh measured both).
 */
export const DELTA_LEVEL = 19
export const REF_LEVEL = 3

export function compress(b: Uint8Array, level: number): Uint8Array {
  // the size up front lets zstd size its window and tables to the input: without it Deno's zstd
  // spends 47 ms (mostly the kernel zeroing pages) on each 30 KB pack at level 15, with it 0.1 ms
  const out = z.zstdCompressSync(b, {
    params: { [z.constants.ZSTD_c_compressionLevel]: level },
    pledgedSrcSize: b.length,
  })
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

export function decompress(b: Uint8Array): Uint8Array {
  const out = z.zstdDecompressSync(b)
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

/** A pack's stored bytes: a reference segment 2-bit packed then compressed, or a delta pack's body compressed. */
export const packBytes = (job: PackJob): Uint8Array => compress(job.ref ? packRef(job.bytes) : job.bytes, job.level)

/** What a pack is made from, on the main thread or in a pack worker. */
export interface PackJob {
  readonly ref: boolean
  readonly level: number
  readonly bytes: Uint8Array<ArrayBuffer>
}
