/**
 * The data layout message (versions 3 and 4): compact data in the header, one contiguous extent, or chunks
 * found through an index (version 3: a v1 B-tree; version 4: single chunk, implicit, fixed array,
 * extensible array or v2 B-tree).
 */
import { type Cursor, UNDEF, unsupported } from "./io.ts"

export type ChunkIndex =
  | { readonly type: "btree1" }
  | { readonly type: "single"; readonly filteredSize?: number; readonly filterMask: number }
  | { readonly type: "implicit" }
  | { readonly type: "fixed-array" | "extensible-array" | "btree2" }

export type Layout =
  | { readonly class: "compact"; readonly data: Uint8Array }
  | { readonly class: "contiguous"; readonly address: number; readonly size: number }
  | {
    readonly class: "chunked"
    readonly address: number
    /** Chunk dimensions, without the element-size one. */
    readonly chunk: number[]
    readonly index: ChunkIndex
  }

export function readLayout(c: Cursor): Layout {
  const version = c.u8()
  if (version < 3 || version > 4) unsupported(c.src, `data layout message version ${version}`)
  const cls = c.u8()
  if (cls === 0) return { class: "compact", data: c.take(c.u16()).slice() }
  if (cls === 1) return { class: "contiguous", address: c.addr(), size: c.len() }
  if (cls !== 2) unsupported(c.src, `data layout class ${cls} (virtual datasets)`)
  if (version === 3) {
    const n = c.u8()
    if (n < 1 || n > 33) c.fail(`chunk dimensionality ${n}`)
    const address = c.addr()
    const dims = Array.from({ length: n }, () => c.u32())
    return { class: "chunked", address, chunk: dims.slice(0, -1), index: { type: "btree1" } }
  }
  const flags = c.u8()
  const n = c.u8()
  const width = c.u8()
  if (n < 1 || n > 33 || width < 1 || width > 8) c.fail(`chunk dimensionality ${n} of ${width}-byte sizes`)
  const dims = Array.from({ length: n }, () => c.uint(width))
  const type = c.u8()
  let index: ChunkIndex
  if (type === 1) {
    const filteredSize = flags & 2 ? c.len() : undefined
    index = { type: "single", filteredSize, filterMask: flags & 2 ? c.u32() : 0 }
  } else if (type === 2) index = { type: "implicit" }
  else if (type === 3) c.skip(1), index = { type: "fixed-array" }
  else if (type === 4) c.skip(5), index = { type: "extensible-array" }
  else if (type === 5) c.skip(6), index = { type: "btree2" }
  else return c.fail(`chunk index type ${type}`)
  const address = c.addr()
  if (dims.slice(0, -1).some((d) => d === 0 || d === UNDEF)) c.fail("a chunk dimension of 0")
  return { class: "chunked", address, chunk: dims.slice(0, -1), index }
}
