/**
 * Undoing a chunk's filter pipeline, last filter first: fletcher32 (checked, then stripped), deflate
 * (node:zlib, its output capped at the chunk's size), shuffle. Any other filter is a FormatUnsupported
 * naming it; a filter the chunk's mask says was skipped is skipped.
 */
import { inflateSync } from "node:zlib"
import type { ByteSource } from "../../core/byte_source.ts"
import { fletcher32 } from "./checksum.ts"
import type { Filter } from "./filter_pipeline.ts"
import { invalid, unsupported } from "./io.ts"

/** The filters brook undoes; a dataset using any other is refused when opened. */
export const READABLE_FILTERS = new Set([1, 2, 3])

export function checkFilters(src: ByteSource, name: string, filters: readonly Filter[]): void {
  const bad = filters.find((f) => !READABLE_FILTERS.has(f.id))
  if (bad) unsupported(src, `${name} uses the ${bad.name} filter (id ${bad.id}); brook reads deflate, shuffle, fletcher32`)
}

/** The chunk's bytes as written before filtering: `expected` bytes. */
export function unfilter(
  src: ByteSource,
  at: number,
  data: Uint8Array,
  filters: readonly Filter[],
  mask: number,
  expected: number,
  elementSize: number,
  buffer: (size: number) => Uint8Array = (size) => new Uint8Array(size),
): Uint8Array {
  let d = data
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
      try {
        // capped just past the chunk's size: a chunk that inflates to more is an error, not an allocation
        const out = inflateSync(d, { maxOutputLength: expected + 1024 })
        d = new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
      } catch (e) {
        invalid(src, at, `chunk does not inflate: ${e instanceof Error ? e.message : e}`)
      }
    } else if (f.id === 2) {
      d = unshuffle(d, f.values[0] ?? elementSize, buffer(d.length))
    } else unsupported(src, `the ${f.name} filter (id ${f.id})`)
  }
  if (d.length < expected) invalid(src, at, `chunk holds ${d.length} bytes after its filters, ${expected} expected`)
  return d
}

/** The shuffle filter undone: byte k of every element was stored in the k-th plane. */
export function unshuffle(d: Uint8Array, size: number, out: Uint8Array = new Uint8Array(d.length)): Uint8Array {
  if (size <= 1) return d
  const n = Math.floor(d.length / size)
  if (size === 4 || size === 8) {
    // whole 32-bit words at a time: 4 planes' bytes make one word of the output
    const words = new Uint32Array(out.buffer, 0, (n * size) >> 2)
    for (let half = 0; half < size; half += 4) {
      const p0 = d.subarray(half * n), p1 = d.subarray((half + 1) * n)
      const p2 = d.subarray((half + 2) * n), p3 = d.subarray((half + 3) * n)
      const step = size >> 2
      for (let i = 0, w = half >> 2; i < n; i++, w += step) {
        words[w] = p0[i] | (p1[i] << 8) | (p2[i] << 16) | (p3[i] << 24)
      }
    }
    out.set(d.subarray(n * size), n * size)
    return out
  }
  for (let b = 0; b < size; b++) {
    const plane = d.subarray(b * n, (b + 1) * n)
    for (let i = 0, o = b; i < n; i++, o += size) out[o] = plane[i]
  }
  out.set(d.subarray(n * size), n * size)
  return out
}
