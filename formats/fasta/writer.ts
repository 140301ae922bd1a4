/**
 * Writes FASTA back from uppercased sequence and the side records `parser.ts` took apart:
 * the same header lines, line lengths, line endings and lowercase runs, so the bytes are identical.
 */
import type { ContigSide } from "../../core/batches.ts"
import { EOL_CRLF, EOL_LF } from "./parser.ts"

/** Output buffered before a write. */
const OUT_CHUNK = 1 << 20
const LF = 10
const CR = 13

export class FastaWriter {
  private buf = new Uint8Array(OUT_CHUNK)
  private fill = 0
  private side: ContigSide | undefined
  private line = 0 // index of the current (length, eol, count) triple
  private lineLeft = 0 // bytes left in the current line
  private linesLeft = 0 // lines left in the current triple
  private caseRun = 0
  private caseLeft = 0
  /** Sequence bytes written of the current contig. */
  written = 0

  constructor(private readonly out: (bytes: Uint8Array) => void) {}

  /** Empty lines before the first header. */
  preamble(runs: readonly number[]): void {
    for (let t = 0; t < runs.length; t += 3) for (let c = 0; c < runs[t + 2]; c++) this.eol(runs[t + 1])
  }

  begin(side: ContigSide): void {
    this.side = side
    this.put(62)
    this.bytes(side.header)
    this.eol(side.headerEol)
    this.line = -3
    this.linesLeft = 0
    this.nextLine()
    this.caseRun = 0
    this.caseLeft = side.caseRuns[0] ?? 0
    this.written = 0
  }

  /** The next uppercased bytes of the contig's sequence. */
  sequence(piece: Uint8Array): void {
    const side = this.side!
    let p = 0
    while (p < piece.length) {
      if (this.lineLeft === 0) {
        this.endOfLine()
        if (this.lineLeft === 0) throw new RangeError("sequence longer than the contig's line layout")
      }
      while (this.caseLeft === 0) this.caseLeft = side.caseRuns[++this.caseRun] ?? Infinity
      let n = Math.min(piece.length - p, this.lineLeft, this.caseLeft, this.buf.length - this.fill)
      if (n === 0) {
        this.flush()
        n = Math.min(piece.length - p, this.lineLeft, this.caseLeft, this.buf.length)
      }
      const at = this.fill
      this.buf.set(piece.subarray(p, p + n), at)
      if (this.caseRun % 2 === 1) {
        for (let j = at; j < at + n; j++) this.buf[j] |= 0x20
      }
      this.fill += n
      p += n
      this.lineLeft -= n
      this.caseLeft -= n
      this.written += n
    }
  }

  end(): void {
    const side = this.side!
    if (this.written !== side.length) throw new RangeError(`contig has ${this.written} of ${side.length} bytes`)
    while (this.line < side.lines.length) {
      if (this.lineLeft !== 0) throw new RangeError("line layout longer than the sequence")
      this.endOfLine()
    }
    this.side = undefined
  }

  close(): void {
    this.flush()
  }

  /** Ends the current line (if one is open) and opens the next non-empty one, writing empty lines. */
  private endOfLine(): void {
    const lines = this.side!.lines
    if (this.line >= 0 && this.line < lines.length) this.eol(lines[this.line + 1])
    this.nextLine()
  }

  private nextLine(): void {
    const lines = this.side!.lines
    for (;;) {
      if (this.linesLeft === 0) {
        this.line += 3
        if (this.line >= lines.length) {
          this.lineLeft = 0
          return
        }
        this.linesLeft = lines[this.line + 2]
      }
      this.linesLeft--
      this.lineLeft = lines[this.line]
      if (this.lineLeft > 0) return
      this.eol(lines[this.line + 1])
    }
  }

  private eol(kind: number): void {
    if (kind === EOL_CRLF) this.put(CR)
    if (kind === EOL_CRLF || kind === EOL_LF) this.put(LF)
  }

  private put(b: number): void {
    if (this.fill === this.buf.length) this.flush()
    this.buf[this.fill++] = b
  }

  private bytes(b: Uint8Array): void {
    for (let p = 0; p < b.length;) {
      if (this.fill === this.buf.length) this.flush()
      const n = Math.min(b.length - p, this.buf.length - this.fill)
      this.buf.set(b.subarray(p, p + n), this.fill)
      this.fill += n
      p += n
    }
  }

  private flush(): void {
    if (this.fill > 0) this.out(this.buf.slice(0, this.fill))
    this.fill = 0
  }
}
