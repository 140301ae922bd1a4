/**
 * Positioned reads of HDF5 structures through the ByteSource seam: a structure is read as one bounded block
 * at its address (never more than the file holds, never more than MAX_STRUCTURE bytes), and a Cursor walks
 * its little-endian fields. Every field read past the block, and every address past the file, is an
 * InvalidInput naming the byte offset, so a corrupted file ends in a typed error, not a crash or a huge buffer.
 */
import { FormatUnsupported, InvalidInput } from "../../core/errors.ts"
import type { ByteSource } from "../../core/byte_source.ts"

/** An undefined address (all bits set on disk). */
export const UNDEF = -1
/** Largest metadata structure read at once (object header chunk, B-tree node, heap block). */
export const MAX_STRUCTURE = 64 << 20

/** What every structure reader needs: the source, the field sizes from the superblock, the base address. */
export interface Ctx {
  readonly src: ByteSource
  readonly offsetSize: number
  readonly lengthSize: number
  /** File offset that addresses are relative to (the superblock's position, past any user block). */
  readonly base: number
}

export function invalid(src: ByteSource, offset: number | undefined, reason: string): never {
  throw new InvalidInput({ file: src.name, offset, reason: `HDF5: ${reason}` })
}

export function unsupported(src: ByteSource, reason: string): never {
  throw new FormatUnsupported({ file: src.name, format: "NetCDF-4/HDF5 (native reader)", reason })
}

/** Reads `len` bytes at file offset `at` (absolute), checked against the file's length. */
export function readAbs(src: ByteSource, at: number, len: number, what: string): Cursor {
  if (!(at >= 0) || !Number.isSafeInteger(at) || !(len >= 0) || len > MAX_STRUCTURE || at + len > src.byteLength) {
    invalid(src, at, `${what} (${len} bytes at ${at}) lies outside the file (${src.byteLength} bytes)`)
  }
  const bytes = new Uint8Array(len)
  const got = src.read(at, bytes)
  if (got < len) invalid(src, at + got, `file ends inside ${what}`)
  return new Cursor(src, at, bytes, what)
}

/** Reads a structure at an address (relative to the base). */
export function readAt(ctx: Ctx, addr: number, len: number, what: string): Cursor {
  if (addr === UNDEF) invalid(ctx.src, undefined, `${what} has an undefined address`)
  const c = readAbs(ctx.src, ctx.base + addr, len, what)
  c.offsetSize = ctx.offsetSize
  c.lengthSize = ctx.lengthSize
  return c
}

/** A forward reader over one block of file bytes. */
export class Cursor {
  pos = 0
  offsetSize = 8
  lengthSize = 8
  readonly view: DataView
  constructor(readonly src: ByteSource, readonly start: number, readonly bytes: Uint8Array, readonly what: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }
  /** File offset of the cursor. */
  get at(): number {
    return this.start + this.pos
  }
  get left(): number {
    return this.bytes.length - this.pos
  }
  fail(reason: string, pos = this.pos): never {
    return invalid(this.src, this.start + pos, `${this.what}: ${reason}`)
  }
  need(n: number): void {
    if (!(n >= 0) || this.pos + n > this.bytes.length) this.fail(`ends inside a field (${n} bytes wanted)`)
  }
  u8(): number {
    this.need(1)
    return this.bytes[this.pos++]
  }
  u16(): number {
    this.need(2)
    const v = this.view.getUint16(this.pos, true)
    this.pos += 2
    return v
  }
  u32(): number {
    this.need(4)
    const v = this.view.getUint32(this.pos, true)
    this.pos += 4
    return v
  }
  /** An unsigned little-endian integer of `n` bytes (1-8); UNDEF when all bits are set and `undef` asks. */
  uint(n: number, undef = false): number {
    this.need(n)
    let v = 0
    let all = true
    for (let k = n - 1; k >= 0; k--) {
      const b = this.bytes[this.pos + k]
      if (b !== 0xff) all = false
      v = v * 256 + b
    }
    const at = this.pos
    this.pos += n
    if (undef && all) return UNDEF
    if (!Number.isSafeInteger(v)) this.fail(`a ${n}-byte value is beyond 2^53`, at)
    return v
  }
  addr(): number {
    return this.uint(this.offsetSize, true)
  }
  len(): number {
    return this.uint(this.lengthSize, true)
  }
  skip(n: number): void {
    this.need(n)
    this.pos += n
  }
  take(n: number): Uint8Array {
    this.need(n)
    const b = this.bytes.subarray(this.pos, this.pos + n)
    this.pos += n
    return b
  }
  /** Checks a 4-byte signature. */
  signature(sig: string): void {
    const at = this.pos
    const got = String.fromCharCode(...this.take(4))
    if (got !== sig) this.fail(`signature ${JSON.stringify(got)} where ${sig} belongs`, at)
  }
  /** A NUL-terminated string (or the rest of the bytes). */
  cstring(max = this.left): string {
    const end = this.bytes.subarray(this.pos, this.pos + max).indexOf(0)
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, end < 0 ? this.pos + max : this.pos + end))
    this.pos = end < 0 ? this.pos + max : this.pos + end + 1
    return s
  }
}

/** Bytes needed to encode `n` (as the HDF5 library sizes variable-width fields). */
export function encSize(n: number): number {
  return n <= 0 ? 1 : Math.floor(Math.log2(n) / 8) + 1
}
