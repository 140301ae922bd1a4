/**
 * The ids a source reads beside its rows (a Parquet id column), kept compact: string ids as UTF-8 bytes
 * back to back with a u32 end per row (4 B per row plus the bytes, where JS strings take ~16-32 B per
 * row plus the characters), integer ids in a Float64Array. Every allocation goes through `reserve`, so
 * the budget sees the table grow and can refuse it.
 */
import type { IdTable } from "./batches.ts"

const decoder = new TextDecoder()
const encoder = new TextEncoder()

export class IdColumn implements IdTable {
  private bytes = new Uint8Array(0)
  private ends = new Uint32Array(0)
  private ints = new Float64Array(0)
  private rows = 0
  private used = 0
  /** Every byte so far is ASCII: a row decodes with String.fromCharCode. */
  private ascii = true

  /**
   * `reserve(bytes)` is called before each allocation (throw to refuse it); `release(bytes)` after the
   * array it replaces is dropped.
   */
  constructor(
    readonly kind: "string" | "integer",
    private readonly reserve: (bytes: number) => void = () => {},
    private readonly release: (bytes: number) => void = () => {},
    /** Rows and string bytes to size the arrays for up front (they still grow past them). */
    private readonly expected: { rows: number; bytes: number } = { rows: 0, bytes: 0 },
  ) {}

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
    const view = this.bytes.subarray(a, b)
    if (!this.ascii) return decoder.decode(view)
    let s = ""
    for (let x = 0; x < view.length; x += 4096) {
      s += String.fromCharCode.apply(null, view.subarray(x, x + 4096) as unknown as number[])
    }
    return s
  }

  /** A copy of `a` with room for `need` elements (at least twice as many), reserved before it is made. */
  private grow<T extends Uint8Array | Uint32Array | Float64Array>(a: T, need: number): T {
    const length = a.length === 0 && need <= this.presize(a) ? this.presize(a) : Math.max(need, 2 * a.length, 1024)
    this.reserve(length * a.BYTES_PER_ELEMENT)
    const grown = new (a.constructor as new (n: number) => T)(length)
    grown.set(a as never)
    this.release(a.byteLength)
    return grown
  }
}
