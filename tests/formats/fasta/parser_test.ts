import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { FastaParser, parseFasta } from "../../../formats/fasta/parser.ts"
import type { ContigSide } from "../../../core/batches.ts"
import { FastaWriter } from "../../../formats/fasta/writer.ts"
import { InvalidInput } from "../../../core/errors.ts"
import { tempDir } from "../../helpers.ts"

/** Parses `text` fed in pieces of `step` bytes and writes it back. */
function reparse(text: string | Uint8Array, step = 1 << 20): { out: string; sides: ContigSide[]; seq: string } {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text
  const sides: ContigSide[] = []
  const seqs: string[][] = []
  const parser = new FastaParser("t.fa", {
    contig: () => seqs.push([]),
    sequence: (b) => seqs[seqs.length - 1].push(new TextDecoder().decode(b)),
    contigEnd: (s) => sides.push(s),
  })
  for (let i = 0; i < bytes.length; i += step) parser.push(bytes.subarray(i, i + step))
  parser.finish()
  const chunks: Uint8Array[] = []
  const w = new FastaWriter((b) => chunks.push(b.slice()))
  w.preamble(parser.preamble)
  sides.forEach((side, k) => {
    w.begin(side)
    w.sequence(new TextEncoder().encode(seqs[k].join("")))
    w.end()
  })
  w.close()
  return { out: new TextDecoder().decode(Buffer.concat(chunks)), sides, seq: seqs.map((s) => s.join("")).join("|") }
}

const awkward: Record<string, string> = {
  "empty file": "",
  "one base": ">x\nA\n",
  "one base, no newline": ">x\nA",
  "header only": ">only a header",
  "all N": ">n\nNNNNNNNNNN\nNNNNN\n",
  "lowercase only": ">low\nacgtacgtac\nacg\n",
  "mixed case and IUPAC": ">m desc here\nACGTnnnnRYKMswbdhvACGT\nacgtNNNN\n",
  "CRLF": ">c\r\nACGT\r\nAC\r\n>d\r\nGG\r\n",
  "empty lines": "\n\n>e\n\nACGT\n\nAC\n\n\n>f\n\n",
  "odd widths": ">o\nACG\nACGTACGTA\nA\nACGTAC\n",
  "lone CR inside a line": ">r\nAC\rGT\nAC\n",
  "CR at the very end": ">r\nACGT\r",
  "two contigs, mixed endings": ">a\nACGT\r\nAC\n>b\nTTTT\r\n",
}

for (const [name, text] of Object.entries(awkward)) {
  test(`FASTA side records restore byte for byte: ${name}`, () => {
    expect(reparse(text).out).toBe(text)
    expect(reparse(text, 1).out).toBe(text) // every chunk boundary, including between \r and \n
  })
}

test("FASTA: the sequence arrives uppercased, case and layout in the side record", () => {
  const { sides, seq } = reparse(">s x\nacGT\nNn\n")
  expect(seq).toBe("ACGTNN")
  expect(new TextDecoder().decode(sides[0].header)).toBe("s x")
  expect(sides[0].lines).toEqual([4, 0, 1, 2, 0, 1])
  expect(sides[0].caseRuns).toEqual([0, 2, 3, 1])
  expect(sides[0].length).toBe(6)
})

test("FASTA: sequence before the first header is an InvalidInput at its offset", () => {
  let err: unknown
  try {
    reparse("\nACGT\n>x\nA\n")
  } catch (e) {
    err = e
  }
  expect(err).toBeInstanceOf(InvalidInput)
  expect((err as InvalidInput).offset).toBe(1)
})

test("FASTA: gzip input, in several members as bgzip writes it", async () => {
  const dir = tempDir()
  const gzip = async (text: string) =>
    new Uint8Array(
      await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
    )
  const file = path.join(dir, "g.fa.gz")
  fs.writeFileSync(file, Buffer.concat([await gzip(">g\nACGTacgt\n"), await gzip("NNNN\nAC"), await gzip("GT\n")]))
  let seq = ""
  await parseFasta(file, { contig() {}, sequence: (b) => seq += new TextDecoder().decode(b), contigEnd() {} })
  expect(seq).toBe("ACGTACGTNNNNACGT")
})

test("FASTA: a truncated gzip file is an InvalidInput, not a shorter sequence", async () => {
  const dir = tempDir()
  const whole = new Uint8Array(
    await new Response(new Blob([">t\n" + "ACGT".repeat(5000)]).stream().pipeThrough(new CompressionStream("gzip")))
      .arrayBuffer(),
  )
  const file = path.join(dir, "t.fa.gz")
  fs.writeFileSync(file, whole.subarray(0, whole.length - 6))
  let err: unknown
  try {
    await parseFasta(file, { contig() {}, sequence() {}, contigEnd() {} })
  } catch (e) {
    err = e
  }
  expect(err).toBeInstanceOf(InvalidInput)
  expect((err as InvalidInput).message).toMatch(/gzip/)
})

test("FASTA: a corrupt gzip file is an InvalidInput naming the file", async () => {
  const dir = tempDir()
  const file = path.join(dir, "bad.fa.gz")
  fs.writeFileSync(file, new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7]))
  let err: unknown
  try {
    await parseFasta(file, { contig() {}, sequence() {}, contigEnd() {} })
  } catch (e) {
    err = e
  }
  expect(err).toBeInstanceOf(InvalidInput)
  expect((err as InvalidInput).file).toBe(file)
})
