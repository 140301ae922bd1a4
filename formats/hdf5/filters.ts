/**
 * Undoing a chunk's filter pipeline, last filter first: fletcher32 (checked, then stripped), deflate
 * (zlib, into a buffer of the chunk's size: inflate.ts), shuffle. Any other filter is a FormatUnsupported
 * naming it; a filter the chunk's mask says was skipped is skipped.
 */
import type { ByteSource } from "../../core/byte_source.ts"
import { fletcher32 } from "./checksum.ts"
import type { Filter } from "./filter_pipeline.ts"
import { Inflater } from "./inflate.ts"
import { invalid, unsupported } from "./io.ts"

/** The filters brook undoes; a dataset using any other is refused when opened. */
export const READABLE_FILTERS = new Set([1, 2, 3])

export function checkFilters(src: ByteSource, name: string, filters: readonly Filter[]): void {
  const bad = filters.find((f) => !READABLE_FILTERS.has(f.id))
  if (bad) unsupported(src, `${name} uses the ${bad.name} filter (id ${bad.id}); brook reads deflate, shuffle, fletcher32`)
}

/** A chunk with its filters undone: `bytes`, still shuffled in planes of `shuffled`-byte elements when not 0. */
export interface Unfiltered {
  readonly bytes: Uint8Array
  readonly shuffled: number
}

/** Where unfilter writes: buffers of a size (reused ones), and the zlib stream. */
export interface UnfilterBuffers {
  readonly buffer: (size: number) => Uint8Array
  readonly inflater: Inflater
}

const fresh: UnfilterBuffers = { buffer: (size) => new Uint8Array(size), inflater: new Inflater() }

/**
 * The chunk's bytes as written before filtering: `expected` bytes (the buffer may be longer). With
 * `keepShuffled`, a shuffle that is the first filter written is left for the reader to undo as it copies
 * values out (unshuffleInto), which saves a pass over the chunk.
 */
export function unfilter(
  src: ByteSource,
  at: number,
  data: Uint8Array,
  filters: readonly Filter[],
  mask: number,
  expected: number,
  elementSize: number,
  buffers: UnfilterBuffers = fresh,
  keepShuffled = false,
): Unfiltered {
  let d = data
  let shuffled = 0
  for (let k = filters.length - 1; k >= 0; k--) {
    if (mask & (1 << k)) continue
    const f = filters[k]
    if (f.id === 3) {
      if (d.length < 4) invalid(src, at, "chunk too short for its fletcher32 checksum")
      const body = d.subarray(0, d.length - 4)
      const sum = fletcher32(body)
      const t = d.subarray(d.length - 4)
      const le = (t[0] | (t[1] << 8) | (t[2] << 16) | (t[3] << 24)) >>> 0
      const be = ((t[0] << 24) | (t[1] << 16) | (t[2] << 8) | t[3]) >>> 0
      if (sum !== le && sum !== be) invalid(src, at, "chunk fails its fletcher32 checksum")
      d = body
    } else if (f.id === 1) {
      // into a buffer of the chunk's size (and the 4 bytes of each fletcher32 sum still to check): a chunk that
      // inflates to more is an error, not an allocation
      let sums = 0
      for (let j = 0; j < k; j++) if (filters[j].id === 3 && !(mask & (1 << j))) sums += 4
      const out = buffers.buffer(expected + sums)
      try {
        d = out.subarray(0, buffers.inflater.inflate(d, out))
      } catch (e) {
        invalid(src, at, `chunk does not inflate: ${e instanceof Error ? e.message : e}`)
      }
    } else if (f.id === 2) {
      const size = f.values[0] ?? elementSize
      if (k === 0 && keepShuffled && size > 1) shuffled = size
      else d = unshuffle(d, size, buffers.buffer(d.length))
    } else unsupported(src, `the ${f.name} filter (id ${f.id})`)
  }
  if (d.length < expected) invalid(src, at, `chunk holds ${d.length} bytes after its filters, ${expected} expected`)
  return { bytes: d, shuffled }
}

/**
 * Elements [from, from + count) of a shuffled chunk `d` of `n` elements of `size` bytes (byte k of element i
 * at k * n + i), unshuffled into `out` from byte `at`.
 */
export function unshuffleInto(d: Uint8Array, size: number, n: number, from: number, count: number, out: Uint8Array, at: number): void {
  if ((size === 4 || size === 8) && (out.byteOffset + at) % 4 === 0) {
    // whole 32-bit words at a time: 4 planes' bytes make one word of the output
    const words = new Uint32Array(out.buffer, out.byteOffset + at, (count * size) >> 2)
    const step = size >> 2
    for (let half = 0; half < size; half += 4) {
      const p0 = d.subarray(half * n + from), p1 = d.subarray((half + 1) * n + from)
      const p2 = d.subarray((half + 2) * n + from), p3 = d.subarray((half + 3) * n + from)
      for (let i = 0, w = half >> 2; i < count; i++, w += step) {
        words[w] = p0[i] | (p1[i] << 8) | (p2[i] << 16) | (p3[i] << 24)
      }
    }
    return
  }
  for (let b = 0; b < size; b++) {
    const plane = d.subarray(b * n + from, b * n + from + count)
    for (let i = 0, o = at + b; i < count; i++, o += size) out[o] = plane[i]
  }
}

/** The shuffle filter undone: byte k of every element was stored in the k-th plane; leftover bytes kept. */
export function unshuffle(d: Uint8Array, size: number, out: Uint8Array = new Uint8Array(d.length)): Uint8Array {
  if (size <= 1) return d
  const n = Math.floor(d.length / size)
  unshuffleInto(d, size, n, 0, n, out, 0)
  out.set(d.subarray(n * size), n * size)
  return out.subarray(0, d.length)
}
