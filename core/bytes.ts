/**
 * Growable byte output and bounds-checked byte input with LEB128 varints: the encoding every
 * brook side stream and index uses. Reading past the end throws ShortRead, which callers turn
 * into an InvalidInput naming their file and record.
 */
import * as zlib from "node:zlib"

/** CRC-32 (zlib's, native in Bun and Deno; Node from 22.2), continuing from `start`. */
export const crc32 = (b: Uint8Array, start = 0): number =>
  (zlib as unknown as { crc32(b: Uint8Array, start: number): number }).crc32(b, start) >>> 0

/** A read ran past the end of its bytes (a truncated or corrupted record). */
export class ShortRead extends Error {}

export class ByteWriter {
  private buf: Uint8Array
  length = 0
  constructor(initial = 256) {
    this.buf = new Uint8Array(initial)
  }
  private room(n: number): void {
    if (this.length + n <= this.buf.length) return
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.length + n))
    grown.set(this.buf.subarray(0, this.length))
    this.buf = grown
  }
  byte(b: number): this {
    this.room(1)
    this.buf[this.length++] = b
    return this
  }
  /** Unsigned varint, exact up to 2^53. */
  uint(v: number): this {
    this.room(8)
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80
      v = Math.floor(v / 0x80)
    }
    this.buf[this.length++] = v
    return this
  }
  /** Signed varint (zigzag). */
  int(v: number): this {
    return this.uint(v < 0 ? -2 * v - 1 : 2 * v)
  }
  bytes(b: Uint8Array): this {
    this.room(b.length)
    this.buf.set(b, this.length)
    this.length += b.length
    return this
  }
  /** Length-prefixed bytes. */
  blob(b: Uint8Array): this {
    return this.uint(b.length).bytes(b)
  }
  text(s: string): this {
    return this.blob(new TextEncoder().encode(s))
  }
  u64(v: bigint): this {
    this.room(8)
    new DataView(this.buf.buffer, this.buf.byteOffset).setBigUint64(this.length, v, true)
    this.length += 8
    return this
  }
  /** A view of what was written (valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length)
  }
  /** A copy of what was written. */
  take(): Uint8Array {
    return this.buf.slice(0, this.length)
  }
}

export class ByteReader {
  pos = 0
  constructor(readonly buf: Uint8Array) {}
  get done(): boolean {
    return this.pos >= this.buf.length
  }
  byte(): number {
    if (this.pos >= this.buf.length) throw new ShortRead(`byte at ${this.pos} of ${this.buf.length}`)
    return this.buf[this.pos++]
  }
  uint(): number {
    let v = 0
    let scale = 1
    for (;;) {
      const b = this.byte()
      v += (b & 0x7f) * scale
      if (b < 0x80) return v
      scale *= 0x80
      if (scale > 2 ** 56) throw new ShortRead(`varint too long at ${this.pos}`)
    }
  }
  int(): number {
    const z = this.uint()
    return z % 2 === 1 ? -(z + 1) / 2 : z / 2
  }
  bytes(n: number): Uint8Array {
    if (n > this.buf.length - this.pos) throw new ShortRead(`${n} bytes at ${this.pos} of ${this.buf.length}`)
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }
  blob(): Uint8Array {
    return this.bytes(this.uint())
  }
  text(): string {
    return new TextDecoder().decode(this.blob())
  }
  u64(): bigint {
    const b = this.bytes(8)
    return new DataView(b.buffer, b.byteOffset).getBigUint64(0, true)
  }
}

/** What an owner of growing arrays is told: `reserve` before an array is made (it may refuse by throwing), `release` after one is dropped. */
export interface Metered {
  reserve(bytes: number): void
  release(bytes: number): void
}

type Typed = Uint8Array | Uint16Array | Int32Array | Uint32Array | Float64Array

/** `a` in a new array of `length` elements (its first `length` when shorter), reserved before it is made and `a` released after. */
export function resized<T extends Typed>(a: T, length: number, memory: Metered): T {
  memory.reserve(length * a.BYTES_PER_ELEMENT)
  const b = new (a.constructor as new (n: number) => T)(length)
  b.set((a.length > length ? a.subarray(0, length) : a) as never)
  memory.release(a.byteLength)
  return b
}

/** A copy of `a` with room for `need` elements (at least twice its length), metered. */
export const grown = <T extends Typed>(a: T, need: number, memory: Metered): T =>
  resized(a, Math.max(need, a.length * 2), memory)

/** `a` cut to `used` elements: a metered copy, unless that would free less than an eighth of it. */
export const fitted = <T extends Typed>(a: T, used: number, memory: Metered): T =>
  a.length - used < a.length / 8 ? a : resized(a, used, memory)

/** Character codes (bytes, or UTF-16 units) as a string, 4096 at a time (the limit of apply's arguments). */
export function fromCharCodes(units: Uint8Array | Uint16Array): string {
  let s = ""
  for (let x = 0; x < units.length; x += 4096) {
    s += String.fromCharCode.apply(null, units.subarray(x, x + 4096) as unknown as number[])
  }
  return s
}
