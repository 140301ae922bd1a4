/**
 * The skeleton of a line-per-row text sink: bytes formatted straight into one reused buffer and written
 * in 1 MiB pieces to a file (under a temp name, renamed when the stream closes, removed when it aborts)
 * or to stdout when the target is "-". Numbers are written as digits without making strings: a sink
 * that formats a million edges must not leave a million strings for the collector.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import type { StreamInfo } from "../core/batches.ts"
import { writeAll } from "../core/files.ts"
import { fixedShare, type Sink } from "../core/operator.ts"
import { atomicOutput } from "../core/tempfile.ts"

/** Bytes of text buffered before a write. */
export const TEXT_BUFFER = 1 << 20

const TAB = 9, COMMA = 44, NEWLINE = 10, ZERO = 48, DOT = 46, MINUS = 45

/** A line writer over a reused byte buffer. */
export class TextOut {
  private readonly bytes = new Uint8Array(TEXT_BUFFER + 256)
  private at = 0
  private readonly enc = new TextEncoder()
  private readonly digits = new Uint8Array(24)

  /** `separator`: the byte between fields, a tab (TSV) or a comma (CSV: text fields quoted where needed). */
  constructor(private readonly fd: number, private readonly separator = TAB) {}

  /** The field separator. */
  sep(): this {
    this.bytes[this.at++] = this.separator
    return this
  }

  /** A text field: as it is in TSV; in CSV quoted (quotes doubled) when it holds a comma, quote or line break. */
  field(s: string): this {
    if (this.separator !== COMMA || !/[",\r\n]/.test(s)) return this.text(s)
    return this.text(`"${s.replace(/"/g, '""')}"`)
  }

  /** A string (any length, UTF-8). */
  text(s: string): this {
    if (s.length * 3 > this.bytes.length - this.at) {
      this.flush()
      if (s.length * 3 > this.bytes.length) {
        writeAll(this.fd, this.enc.encode(s))
        return this
      }
    }
    this.at += this.enc.encodeInto(s, this.bytes.subarray(this.at)).written
    return this
  }

  tab(): this {
    this.bytes[this.at++] = TAB
    return this
  }

  /** Ends the line; writes the buffer out once it holds TEXT_BUFFER bytes. */
  end(): void {
    this.bytes[this.at++] = NEWLINE
    if (this.at >= TEXT_BUFFER) this.flush()
  }

  /** A non-negative integer below 2^53, in decimal. */
  uint(n: number): this {
    let len = this.toDigits(n)
    this.room(len)
    while (len > 0) this.bytes[this.at++] = this.digits[--len]
    return this
  }

  /** A float32 as the shortest decimal that reads back as the same float32 (formatF32's text). */
  f32(w: number): this {
    const d = shortestF32(w)
    if (!d) return this.text(formatF32(w))
    let k = d.k
    if (w < 0) this.bytes[this.at++] = MINUS
    let len = this.toDigits(d.m)
    // digits[len-1 .. 0] most significant first; value = digits x 10^-k
    this.room(len + Math.abs(k) + 3)
    if (k <= 0) {
      while (len > 0) this.bytes[this.at++] = this.digits[--len]
      for (; k < 0; k++) this.bytes[this.at++] = ZERO
    } else if (len > k) {
      while (len > k) this.bytes[this.at++] = this.digits[--len]
      this.bytes[this.at++] = DOT
      while (len > 0) this.bytes[this.at++] = this.digits[--len]
    } else {
      this.bytes[this.at++] = ZERO
      this.bytes[this.at++] = DOT
      for (let z = k - len; z > 0; z--) this.bytes[this.at++] = ZERO
      while (len > 0) this.bytes[this.at++] = this.digits[--len]
    }
    return this
  }

  flush(): void {
    if (this.at > 0) writeAll(this.fd, this.bytes.subarray(0, this.at))
    this.at = 0
  }

  /** Puts the decimal digits of n (a non-negative integer) into `digits`, least significant first. */
  private toDigits(n: number): number {
    let len = 0
    do {
      const q = Math.floor(n / 10)
      this.digits[len++] = ZERO + (n - q * 10)
      n = q
    } while (n > 0)
    return len
  }

  private room(n: number): void {
    if (this.at + n > this.bytes.length) this.flush()
  }
}

/**
 * The shortest decimal m x 10^-k (6 to 9 significant digits, no trailing zeros) that reads back as the
 * float32 w, for 1e-6 <= |w| < 1e21 (where JavaScript writes numbers without an exponent); undefined
 * elsewhere. The check divides or multiplies exact integers, so it is the correctly rounded value of the
 * decimal, as parsing its text would give.
 */
export function shortestF32(w: number): { m: number; k: number } | undefined {
  const a = Math.abs(w)
  if (!(a >= 1e-6 && a < 1e21)) return undefined
  let e = Math.floor(Math.log10(a))
  if (10 ** e > a) e--
  else if (10 ** (e + 1) <= a) e++
  for (let p = 6; p <= 9; p++) {
    let k = p - 1 - e
    let m = Math.round(k >= 0 ? a * 10 ** k : a / 10 ** -k)
    const back = k >= 0 ? m / 10 ** k : m * 10 ** -k
    if (Math.fround(back) !== a) continue
    while (m % 10 === 0 && m > 0) m /= 10, k--
    return { m, k }
  }
  return undefined
}

/** The text TextOut.f32 writes, as a string: shortest round-trip digits, else JavaScript's own. */
export function formatF32(w: number): string {
  const d = shortestF32(w)
  if (!d) {
    for (let p = 6; p < 9; p++) {
      const s = String(Number(w.toPrecision(p)))
      if (Math.fround(Number(s)) === w) return s
    }
    return String(Number(w.toPrecision(9)))
  }
  const sign = w < 0 ? "-" : ""
  const digits = String(d.m)
  if (d.k <= 0) return sign + digits + "0".repeat(-d.k)
  if (digits.length > d.k) return `${sign}${digits.slice(0, digits.length - d.k)}.${digits.slice(digits.length - d.k)}`
  return `${sign}0.${"0".repeat(d.k - digits.length)}${digits}`
}

/** Text tables: tab-separated without a header, or comma-separated under a header line. */
export type TextTable = { readonly kind: "tsv" } | { readonly kind: "csv"; readonly header: readonly string[] }

/**
 * A sink named `name` writing the lines `format(info)` makes of each batch into a TextOut (each line
 * ended with `end()`); fields separated by `out.sep()`.
 */
export function textLinesSink<T>(
  name: string,
  target: string,
  format: (info: StreamInfo) => (batch: T, out: TextOut) => void,
  table: TextTable = { kind: "tsv" },
): Sink<T> {
  return {
    kind: "sink",
    name,
    ...fixedShare(2 * TEXT_BUFFER),
    make: (plan, info) =>
      Effect.gen(function* () {
        const out = target === "-" ? undefined : yield* atomicOutput(target)
        const fd = out ? fs.openSync(out.tempPath, "w") : 1
        const text = new TextOut(fd, table.kind === "csv" ? COMMA : TAB)
        if (table.kind === "csv") {
          table.header.forEach((h, k) => (k > 0 ? text.sep() : text).field(h))
          text.end()
        }
        const lines = format(info)
        return new WritableStream<T>({
          write(batch) {
            lines(batch, text)
          },
          close() {
            text.flush()
            if (out) {
              fs.closeSync(fd)
              out.commit()
            }
          },
          abort() {
            if (out) {
              fs.closeSync(fd)
              out.discard()
            }
          },
        })
      }),
  }
}
