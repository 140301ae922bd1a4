import { expect, test } from "bun:test"
import { FastaParser } from "../../../formats/fasta/parser.ts"
import type { ContigSide } from "../../../core/batches.ts"
import { FastaWriter } from "../../../formats/fasta/writer.ts"
import { InvalidInput } from "../../../core/errors.ts"

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
