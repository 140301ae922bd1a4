/**
 * Read planning for exodusChunks: the arrays wanted from one record (or from the non-record part) are
 * sorted by file offset and merged into positioned reads of at most `chunkBytes`, one read per
 * contiguous byte range (one step of all record variables is contiguous on disk). Each read fills a
 * buffer whose values are byte-swapped in place: the chunks handed downstream are views of it.
 */
import { InvalidInput } from "../../core/errors.ts"
import type { ByteSource } from "../../core/byte_source.ts"
import { type NcHeader, type NcVar, valueOffset } from "./classic_header.ts"
import { arrayOf, decodeInPlace, type NcArray, TYPE_SIZE } from "./types.ts"
import { type ValueKernel, valueKernel } from "./kernel/values.ts"

/** Bytes of unwanted data a read may span to join two wanted ranges instead of issuing a second read. */
const MAX_GAP = 4096

/** One wanted run of values: `count` values from value `offset` of `ncVar`'s slab in record `record`. */
export interface Want<M> {
  readonly ncVar: NcVar
  readonly record: number
  readonly offset: number
  readonly count: number
  /** What the caller attaches to the chunk (kind, name, block, step); `start` is added per piece. */
  readonly meta: M
  /** Value index the run's first value has in the caller's numbering (e.g. element 0 of a block). */
  readonly start: number
}

export interface Piece<M> {
  readonly want: Want<M>
  /** First value of this piece within the want (pieces split wants longer than chunkBytes). */
  readonly skip: number
  readonly count: number
  readonly fileOffset: number
}

export interface Read<M> {
  readonly offset: number
  readonly bytes: number
  readonly pieces: Piece<M>[]
}

/** Splits and merges wants into reads of at most chunkBytes each. */
export function planReads<M>(h: NcHeader, wants: readonly Want<M>[], chunkBytes: number): Read<M>[] {
  const pieces: Piece<M>[] = []
  for (const w of wants) {
    const size = TYPE_SIZE[w.ncVar.type]
    const per = Math.max(1, Math.floor(chunkBytes / size))
    const at = valueOffset(h, w.ncVar, w.record, w.offset)
    for (let skip = 0; skip < w.count; skip += per) {
      pieces.push({ want: w, skip, count: Math.min(per, w.count - skip), fileOffset: at + skip * size })
    }
  }
  pieces.sort((a, b) => a.fileOffset - b.fileOffset)
  const reads: Read<M>[] = []
  let cur: { offset: number; end: number; pieces: Piece<M>[] } | undefined
  for (const p of pieces) {
    const end = p.fileOffset + p.count * TYPE_SIZE[p.want.ncVar.type]
    if (cur && p.fileOffset >= cur.end && p.fileOffset - cur.end <= MAX_GAP && end - cur.offset <= chunkBytes) {
      cur.pieces.push(p)
      cur.end = end
      continue
    }
    if (cur) reads.push({ offset: cur.offset, bytes: cur.end - cur.offset, pieces: cur.pieces })
    cur = { offset: p.fileOffset, end, pieces: [p] }
  }
  if (cur) reads.push({ offset: cur.offset, bytes: cur.end - cur.offset, pieces: cur.pieces })
  return reads
}

/** One read per piece of at most chunkBytes, for containers that read by variable (NetCDF-4), not by offset. */
export function planSlices<M>(wants: readonly Want<M>[], chunkBytes: number): Read<M>[] {
  return wants.flatMap((w) => {
    const per = Math.max(1, Math.floor(chunkBytes / TYPE_SIZE[w.ncVar.type]))
    const out: Read<M>[] = []
    for (let skip = 0; skip < w.count; skip += per) {
      const count = Math.min(per, w.count - skip)
      out.push({ offset: 0, bytes: count * TYPE_SIZE[w.ncVar.type], pieces: [{ want: w, skip, count, fileOffset: 0 }] })
    }
    return out
  })
}

/**
 * Read buffers of `capacity` bytes. `slots` of them live in the value kernel's WebAssembly memory (when the
 * runtime has SIMD) and are always taken back; a consumer that holds chunks longer gets plain buffers.
 * A buffer returns to the pool when every chunk made from it is recycled.
 */
export class BufferPool {
  private readonly wasm: Uint8Array[] = []
  private readonly plain: Uint8Array[] = []
  readonly kernel: ValueKernel | undefined
  constructor(readonly capacity: number, private readonly slots: number, useKernel = true) {
    const stride = Math.ceil(capacity / 8) * 8
    this.kernel = useKernel ? valueKernel(slots * stride) : undefined
    const k = this.kernel
    if (k) {
      for (let i = 0; i < slots; i++) this.wasm.push(new Uint8Array(k.memory.buffer, k.base + i * stride, capacity))
    }
  }
  take(): Uint8Array {
    return this.wasm.pop() ?? this.plain.pop() ?? new Uint8Array(this.capacity)
  }
  give(b: Uint8Array): void {
    if (this.kernel && b.buffer === this.kernel.memory.buffer) this.wasm.push(b)
    else if (this.plain.length < this.slots) this.plain.push(b)
  }
}

export interface Decoded<M> {
  readonly piece: Piece<M>
  readonly values: NcArray
  readonly recycle: () => void
}

/**
 * Performs one read and decodes its pieces. The buffer's byte 0 sits at file offset `read.offset - lead`
 * with `lead` = offset mod 8, so every value aligned in the file is aligned in memory and decodes in place;
 * a piece that is not (a double at an offset of 4 mod 8, legal in classic files) is copied out first.
 */
export function performRead<M>(src: ByteSource, read: Read<M>, pool: BufferPool): Decoded<M>[] {
  const lead = read.offset % 8
  const slot = pool.take()
  const bytes = slot.subarray(lead, lead + read.bytes)
  const n = src.read(read.offset, bytes)
  if (n < read.bytes) {
    pool.give(slot)
    throw new InvalidInput({
      file: src.name,
      offset: read.offset + n,
      reason: `file ends after ${n} of ${read.bytes} bytes of ${
        read.pieces[0].want.ncVar.name
      } (changed while reading?)`,
    })
  }
  let live = read.pieces.length
  const recycle = () => {
    if (--live === 0) pool.give(slot)
  }
  const kernel = pool.kernel && slot.buffer === pool.kernel.memory.buffer ? pool.kernel : undefined
  return read.pieces.map((piece) => {
    const type = piece.want.ncVar.type
    const size = TYPE_SIZE[type]
    const at = slot.byteOffset + lead + piece.fileOffset - read.offset
    const raw = new Uint8Array(slot.buffer, at, piece.count * size)
    if (at % size !== 0) {
      const copy = raw.slice()
      recycle()
      return { piece, values: decodeInPlace(type, copy, piece.count), recycle: () => {} }
    }
    if (!kernel) return { piece, values: decodeInPlace(type, raw, piece.count), recycle }
    kernel.swap(type, at, piece.count)
    return { piece, values: arrayOf(type, slot.buffer, at, piece.count), recycle }
  })
}
