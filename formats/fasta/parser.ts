/**
 * A push parser for FASTA split into what a genome store needs: the sequence, uppercased, in chunks; and per
 * contig a side record holding everything else byte for byte (header line, line lengths and endings, lowercase
 * runs), so the file can be rewritten identically.
 */
import { ByteWriter } from "../../core/bytes.ts"
import { InvalidInput } from "../../core/errors.ts"
import type { ContigSide } from "../../core/batches.ts"
import { fileChunks } from "./file_chunks.ts"

/** Line endings: "\n", "\r\n", or none (the file's last line). */
export const EOL_LF = 0
export const EOL_CRLF = 1
export const EOL_NONE = 2

/** Sequence bytes handed on at once. */
export const SEQUENCE_CHUNK = 1 << 20
/** A header line longer than this is not FASTA (a binary file, most likely). */
export const MAX_HEADER = 1 << 20

export interface FastaHandler {
  contig(header: Uint8Array): void
  /** Uppercased sequence bytes; the view is reused after the call returns. */
  sequence(bytes: Uint8Array): void
  contigEnd(side: ContigSide): void
}

/** The contig's name: its header up to the first white space. */
export const contigName = (header: Uint8Array): string => new TextDecoder().decode(header).split(/[ \t]/)[0]

/** A push parser: feed chunks, then `finish()`. Empty lines before the first header are kept as `preamble`. */
export class FastaParser {
  /** Lines before the first header (all empty): (0, eol, count) triples. */
  readonly preamble: number[] = []
  private mode: "start" | "header" | "seq" = "start"
  private inContig = false
  private header = new ByteWriter()
  private headerEol = EOL_LF
  private lineLen = 0
  private pendingCR = false
  private lines: number[] = []
  private caseRuns: number[] = []
  private lower = false
  private run = 0
  private length = 0
  private readonly stage = new Uint8Array(SEQUENCE_CHUNK)
  private fill = 0
  private offset = 0

  constructor(readonly file: string, private readonly handler: FastaHandler) {}

  push(chunk: Uint8Array): void {
    const n = chunk.length
    let i = 0
    while (i < n) {
      if (this.mode === "start") {
        if (chunk[i] === 62) {
          this.endContig()
          this.mode = "header"
          this.header = new ByteWriter()
          i++
          continue
        }
        this.mode = "seq"
        this.lineLen = 0
      }
      if (this.mode === "header") {
        const nl = chunk.indexOf(10, i)
        const end = nl < 0 ? n : nl
        this.header.bytes(chunk.subarray(i, end))
        if (this.header.length > MAX_HEADER) this.fail(this.offset + i, "header line longer than 1 MiB")
        if (nl < 0) break
        this.startContig(EOL_LF)
        i = nl + 1
        this.mode = "start"
        continue
      }
      // a sequence line (or an empty line)
      if (this.pendingCR) {
        this.pendingCR = false
        if (chunk[i] === 10) {
          this.endLine(EOL_CRLF)
          i++
          continue
        }
        this.feed(CR, 0, 1, this.offset + i - 1)
      }
      const nl = chunk.indexOf(10, i)
      const end = nl < 0 ? n : nl
      if (nl < 0) {
        if (end > i && chunk[end - 1] === 13) {
          this.feed(chunk, i, end - 1, this.offset + i)
          this.pendingCR = true
        } else this.feed(chunk, i, end, this.offset + i)
        break
      }
      if (end > i && chunk[end - 1] === 13) {
        this.feed(chunk, i, end - 1, this.offset + i)
        this.endLine(EOL_CRLF)
      } else {
        this.feed(chunk, i, end, this.offset + i)
        this.endLine(EOL_LF)
      }
      i = nl + 1
    }
    this.offset += n
  }

  finish(): void {
    if (this.mode === "header") this.startContig(EOL_NONE)
    else if (this.mode === "seq") {
      if (this.pendingCR) this.feed(CR, 0, 1, this.offset - 1)
      this.pendingCR = false
      this.endLine(EOL_NONE)
    }
    this.mode = "start"
    this.endContig()
  }

  private fail(offset: number, reason: string): never {
    throw new InvalidInput({ file: this.file, offset, reason })
  }

  private startContig(eol: number): void {
    let h = this.header.take()
    if (eol === EOL_LF && h.length > 0 && h[h.length - 1] === 13) {
      h = h.subarray(0, h.length - 1)
      eol = EOL_CRLF
    }
    this.headerEol = eol
    this.inContig = true
    this.lines = []
    this.caseRuns = []
    this.lower = false
    this.run = 0
    this.length = 0
    this.handler.contig(h)
    this.header = new ByteWriter(0)
    this.headerBytes = h
  }
  private headerBytes: Uint8Array = new Uint8Array(0)

  private endContig(): void {
    if (!this.inContig) return
    this.flush()
    this.caseRuns.push(this.run)
    this.handler.contigEnd({
      header: this.headerBytes,
      headerEol: this.headerEol,
      lines: this.lines,
      caseRuns: this.caseRuns,
      length: this.length,
    })
    this.inContig = false
  }

  private endLine(eol: number): void {
    const runs = this.inContig ? this.lines : this.preamble
    const k = runs.length
    if (k > 0 && runs[k - 3] === this.lineLen && runs[k - 2] === eol) runs[k - 1]++
    else runs.push(this.lineLen, eol, 1)
    this.lineLen = 0
    this.mode = "start"
  }

  private feed(src: Uint8Array, from: number, to: number, at: number): void {
    if (to <= from) return
    if (!this.inContig) this.fail(at, "sequence before the first '>' header (not a FASTA file?)")
    this.lineLen += to - from
    this.length += to - from
    const stage = this.stage
    let fill = this.fill
    let lower = this.lower
    let run = this.run
    for (let j = from; j < to; j++) {
      let b = src[j]
      const isLower = b >= 97 && b <= 122
      if (isLower) b -= 32
      if (isLower !== lower) {
        this.caseRuns.push(run)
        run = 0
        lower = isLower
      }
      run++
      stage[fill++] = b
      if (fill === stage.length) {
        this.fill = fill
        this.flush()
        fill = 0
      }
    }
    this.fill = fill
    this.lower = lower
    this.run = run
  }

  private flush(): void {
    if (this.fill > 0) this.handler.sequence(this.stage.subarray(0, this.fill))
    this.fill = 0
  }
}

const CR = new Uint8Array([13])

/** Parses a whole file through `handler`; returns the preamble runs. */
export async function parseFasta(file: string, handler: FastaHandler): Promise<number[]> {
  const parser = new FastaParser(file, handler)
  for await (const chunk of fileChunks(file)) parser.push(chunk)
  parser.finish()
  return parser.preamble
}
