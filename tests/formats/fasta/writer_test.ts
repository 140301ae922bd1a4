/** FastaWriter: FASTA bytes back from uppercased sequence and side records, buffered; a layout that disagrees throws. */
import { expect, test } from "bun:test"
import type { ContigSide } from "../../../core/batches.ts"
import { EOL_CRLF, EOL_LF, EOL_NONE } from "../../../formats/fasta/parser.ts"
import { FastaWriter } from "../../../formats/fasta/writer.ts"

const enc = (s: string) => new TextEncoder().encode(s)

const side = (header: string, lines: number[], caseRuns: number[], length: number, headerEol = EOL_LF): ContigSide => ({
  header: enc(header),
  headerEol,
  lines,
  caseRuns,
  length,
})

/** A writer whose output is collected: `text()` after close, `chunks` as written. */
function writer() {
  const chunks: Uint8Array[] = []
  const w = new FastaWriter((b) => chunks.push(b))
  return { w, chunks, text: () => new TextDecoder().decode(Buffer.concat(chunks)) }
}

test("header, line layout and line endings come back exactly", () => {
  const { w, text } = writer()
  w.begin(side("chr1 desc", [4, EOL_LF, 2, 2, EOL_CRLF, 1], [10], 10))
  w.sequence(enc("ACGTACGTAC"))
  w.end()
  w.close()
  expect(text()).toBe(">chr1 desc\nACGT\nACGT\nAC\r\n")
})

test("case runs alternate upper and lower, starting upper, across sequence pieces", () => {
  const { w, text } = writer()
  w.begin(side("x", [6, EOL_NONE, 1], [1, 3, 2], 6))
  w.sequence(enc("AC"))
  w.sequence(enc("GTNN"))
  w.end()
  w.close()
  expect(text()).toBe(">x\nAcgtNN")
  // a contig starting lowercase has an empty first run
  const low = writer()
  low.w.begin(side("l", [3, EOL_LF, 1], [0, 3], 3))
  low.w.sequence(enc("ACG"))
  low.w.end()
  low.w.close()
  expect(low.text()).toBe(">l\nacg\n")
})

test("empty lines inside the layout, a preamble before the first header, and a header alone", () => {
  const { w, text } = writer()
  w.preamble([0, EOL_LF, 2, 0, EOL_CRLF, 1])
  w.begin(side("e", [0, EOL_LF, 1, 2, EOL_LF, 1, 0, EOL_LF, 2], [2], 2))
  w.sequence(enc("GG"))
  w.end()
  w.begin(side("only", [], [], 0, EOL_NONE))
  w.end()
  w.close()
  expect(text()).toBe("\n\n\r\n>e\n\nGG\n\n\n>only")
})

test("written counts the contig's bytes; more bytes than the layout holds, or fewer than its length, throw", () => {
  const { w } = writer()
  w.begin(side("a", [2, EOL_LF, 1], [2], 2))
  w.sequence(enc("AC"))
  expect(w.written).toBe(2)
  expect(() => w.sequence(enc("G"))).toThrow("sequence longer than the contig's line layout")
  const short = writer()
  short.w.begin(side("b", [4, EOL_LF, 1], [4], 4))
  short.w.sequence(enc("ACG"))
  expect(() => short.w.end()).toThrow("contig has 3 of 4 bytes")
  // a layout with more lines than the sequence fills
  const long = writer()
  long.w.begin(side("c", [2, EOL_LF, 2], [2], 2))
  long.w.sequence(enc("AC"))
  expect(() => long.w.end()).toThrow("line layout longer than the sequence")
})

test("output is buffered in 1 MiB writes; the bytes across them are exact", () => {
  const { w, chunks, text } = writer()
  const n = (1 << 20) + 1000
  const seq = new Uint8Array(n).fill(65)
  w.begin(side("big", [n, EOL_LF, 1], [n - 10, 10], n))
  w.sequence(seq.subarray(0, 500_000))
  expect(chunks.length).toBe(0) // nothing written before a buffer fills
  w.sequence(seq.subarray(500_000))
  w.end()
  expect(chunks.length).toBe(1)
  expect(chunks[0].length).toBe(1 << 20)
  w.close()
  expect(chunks.length).toBe(2)
  const out = text()
  expect(out.length).toBe(5 + n + 1)
  expect(out.startsWith(">big\nAAAA")).toBe(true)
  expect(out.slice(-12)).toBe("Aaaaaaaaaaa\n")
  w.close() // closing again writes nothing
  expect(chunks.length).toBe(2)
})

test("a header longer than the buffer is written whole", () => {
  const { w, text } = writer()
  const header = "h".repeat((1 << 20) + 7)
  w.begin(side(header, [1, EOL_LF, 1], [1], 1))
  w.sequence(enc("A"))
  w.end()
  w.close()
  expect(text()).toBe(`>${header}\nA\n`)
})
