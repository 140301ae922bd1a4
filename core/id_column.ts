/**
 * The ids a source reads beside its rows (a Parquet id column), kept compact: string ids as UTF-8 bytes
 * back to back with a u32 end per row (4 B per row plus the bytes, where JS strings take ~16-32 B per
 * row plus the characters), integer ids in a Float64Array. Every allocation goes through `reserve`, so
 * the budget sees the table grow and can refuse it.
 */
import type { IdTable } from "./batches.ts"
import { fromCharCodes, resized } from "./bytes.ts"

const decoder = new TextDecoder()
const encoder = new TextEncoder()

/**
 * What both id tables share: the kind of ids, the budget's hooks (`reserve(bytes)` before each allocation,
 * which may refuse by throwing; `release(bytes)` after the array it replaces is dropped), the rows and
 * string bytes they are sized for (they still grow past them), and the text held so far.
 */
abstract class MeteredIds implements IdTable {
  protected used = 0
  /** Every byte so far is ASCII: an id decodes with String.fromCharCode. */
  protected ascii = true
  abstract readonly length: number

  constructor(
    readonly kind: "string" | "integer",
    readonly reserve: (bytes: number) => void = () => {},
    readonly release: (bytes: number) => void = () => {},
    protected readonly expected: { rows: number; bytes: number } = { rows: 0, bytes: 0 },
  ) {}

  abstract get(row: number): string

  get textBytes(): number {
    return Math.max(this.used, this.expected.bytes)
  }
}

export class IdColumn extends MeteredIds {
  private bytes = new Uint8Array(0)
  private ends = new Uint32Array(0)
  private ints = new Float64Array(0)
  private rows = 0

  /** Bytes the arrays take when sized from `expected` (what a plan reserves up front). */
  static plannedBytes(kind: "string" | "integer", expected: { rows: number; bytes: number }): number {
    return kind === "integer" ? 8 * expected.rows : 4 * expected.rows + expected.bytes
  }

  /** First size of an array: from `expected`. */
  private presize(a: Uint8Array | Uint32Array | Float64Array): number {
    return a instanceof Uint8Array ? this.expected.bytes : this.expected.rows
  }

  get length(): number {
    return this.rows
  }

  /** Bytes the table's arrays hold (capacity). */
  get held(): number {
    return this.bytes.byteLength + this.ends.byteLength + this.ints.byteLength
  }

  pushStrings(values: ArrayLike<string>): void {
    if (this.rows + values.length > this.ends.length) this.ends = this.grow(this.ends, this.rows + values.length)
    for (let k = 0; k < values.length; k++) {
      const s = values[k]
      // ASCII as it comes; from the first other character on, the encoder (at most 3 bytes per unit)
      if (this.used + s.length > this.bytes.length) this.bytes = this.grow(this.bytes, this.used + s.length)
      let bytes = this.bytes, at = this.used, x = 0
      for (; x < s.length; x++) {
        const c = s.charCodeAt(x)
        if (c >= 0x80) break
        bytes[at++] = c
      }
      if (x < s.length) {
        this.ascii = false
        if (at + 3 * (s.length - x) > bytes.length) bytes = this.bytes = this.grow(bytes, at + 3 * (s.length - x))
        at += encoder.encodeInto(s.slice(x), bytes.subarray(at)).written
      }
      this.used = at
      if (at > 0xffff_ffff) throw new RangeError("string ids over 4 GiB")
      this.ends[this.rows++] = at
    }
  }

  pushIntegers(values: ArrayLike<number | bigint>): void {
    if (this.rows + values.length > this.ints.length) this.ints = this.grow(this.ints, this.rows + values.length)
    for (let k = 0; k < values.length; k++) this.ints[this.rows + k] = Number(values[k])
    this.rows += values.length
  }

  get(row: number): string {
    if (this.kind === "integer") return String(this.ints[row])
    const a = row > 0 ? this.ends[row - 1] : 0, b = this.ends[row]
    return decodeBytes(this.bytes.subarray(a, b), this.ascii)
  }

  /** A copy of `a` with room for `need` elements (at least twice as many), reserved before it is made. */
  private grow<T extends Uint8Array | Uint32Array | Float64Array>(a: T, need: number): T {
    const length = a.length === 0 && need <= this.presize(a) ? this.presize(a) : Math.max(need, 2 * a.length, 1024)
    return resized(a, length, this)
  }
}

/**
 * Ids set by row number in any order, for a stream that carries them beside row numbers (an edge
 * stream repeats a row's id wherever the row appears): each row's first id is kept, later ones are
 * ignored. String ids as UTF-8 bytes with a start and end per row (8 B per row plus the text); integer
 * ids in a Float64Array. Allocations go through `reserve` / `release` as in IdColumn.
 */
export class IdsByRow extends MeteredIds {
  private bytes = new Uint8Array(0)
  /** start + 1 of each row's bytes (0: not set yet), and the end. */
  private starts = new Uint32Array(0)
  private ends = new Uint32Array(0)
  private ints = new Float64Array(0)
  length = 0

  /** Bytes the arrays take when sized from `expected` (what a plan reserves up front). */
  static plannedBytes(kind: "string" | "integer", expected: { rows: number; bytes: number }): number {
    return kind === "integer" ? 8 * expected.rows : 8 * expected.rows + expected.bytes
  }

  /** Row `row`'s id: the UTF-8 bytes data[a .. b), unless the row has one already. */
  setUtf8(row: number, data: Uint8Array, a: number, b: number): void {
    if (row >= this.starts.length) {
      const rows = this.starts.length === 0 && row < this.expected.rows
        ? this.expected.rows
        : Math.max(row + 1, 2 * this.starts.length, 1024)
      this.starts = resized(this.starts, rows, this)
      this.ends = resized(this.ends, rows, this)
    }
    if (row >= this.length) this.length = row + 1
    if (this.starts[row] !== 0) return
    const n = b - a
    if (this.used + n >= 0xffff_ffff) throw new RangeError("string ids over 4 GiB")
    if (this.used + n > this.bytes.length) {
      this.bytes = resized(
        this.bytes,
        this.bytes.length === 0 && n <= this.expected.bytes
          ? this.expected.bytes
          : Math.max(this.used + n, 2 * this.bytes.length, 1 << 16),
        this,
      )
    }
    const bytes = this.bytes, at = this.used
    let high = 0
    for (let x = 0; x < n; x++) high |= bytes[at + x] = data[a + x]
    if (high >= 0x80) this.ascii = false
    this.starts[row] = at + 1
    this.ends[row] = at + n
    this.used = at + n
  }

  setInteger(row: number, value: number): void {
    if (row >= this.ints.length) {
      const rows = this.ints.length === 0 && row < this.expected.rows
        ? this.expected.rows
        : Math.max(row + 1, 2 * this.ints.length, 1024)
      this.ints = resized(this.ints, rows, this)
    }
    this.ints[row] = value
    if (row >= this.length) this.length = row + 1
  }

  /** Bytes the table's arrays hold (capacity). */
  get held(): number {
    return this.bytes.byteLength + this.starts.byteLength + this.ends.byteLength + this.ints.byteLength
  }

  get(row: number): string {
    if (this.kind === "integer") return String(this.ints[row])
    const start = this.starts[row]
    if (!start) return ""
    return decodeBytes(this.bytes.subarray(start - 1, this.ends[row]), this.ascii)
  }
}

/** UTF-8 bytes as a string (ASCII without the decoder). */
function decodeBytes(view: Uint8Array, ascii: boolean): string {
  return ascii ? fromCharCodes(view) : decoder.decode(view)
}
