/** readFasta: every file in turn as sample, contig, uppercased sequence and side events, with CRC-32, size and progress. */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import type { FastaEvent } from "../../core/batches.ts"
import { crc32 } from "../../core/bytes.ts"
import type { ProgressUpdate } from "../../core/progress.ts"
import { collect, pipe, run } from "../../mod.ts"
import { readFasta, sampleName } from "../../sources/read_fasta.ts"
import { tempDir } from "../helpers.ts"

const dir = tempDir()
const dec = new TextDecoder()

const gzip = async (text: string) =>
  new Uint8Array(await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer())

/** The events of reading `files`, each seq event's bytes as text, and the progress updates. */
async function events(files: string[]) {
  const got = { batches: [] as FastaEvent[] }
  const updates: ProgressUpdate[] = []
  await run(pipe(readFasta(files), collect(got)), {
    progress: { update: (stage, u) => void (stage === "readFasta" && updates.push(u)), finish: () => {} },
  })
  return { list: got.batches, updates }
}

/** Events in short: kind, with the sample's name, the sequence or the contig's header. */
const brief = (list: FastaEvent[]) =>
  list.map((e) =>
    e.kind === "sample"
      ? `sample ${e.name}`
      : e.kind === "seq"
      ? `seq ${dec.decode(e.bytes)}`
      : e.kind === "contigEnd"
      ? `end ${dec.decode(e.side.header)} ${e.side.length}`
      : e.kind
  )

test("sampleName: the file's name without .gz and a FASTA extension, any case, any folder", () => {
  expect(sampleName("/data/HG002.fa.gz")).toBe("HG002")
  expect(sampleName("a/b/x.fasta")).toBe("x")
  expect(sampleName("C:\\genomes\\y.FNA.GZ")).toBe("y")
  expect(sampleName("z.fas")).toBe("z")
  expect(sampleName("w.fsa")).toBe("w")
  expect(sampleName("v.txt")).toBe("v.txt")
  expect(sampleName("plain")).toBe("plain")
  expect(sampleName("two.fa.fa")).toBe("two.fa") // one extension only
})

test("one file: sample, contigs with uppercased sequence and side records, then the sample's end", async () => {
  const text = "\n>c1 first\nACgt\nNN\n>c2\nTTT\n"
  const file = path.join(dir, "s1.fa")
  fs.writeFileSync(file, text)
  const { list } = await events([file])
  expect(brief(list)).toEqual([
    "sample s1",
    "contig",
    "seq ACGTNN",
    "end c1 first 6",
    "contig",
    "seq TTT",
    "end c2 3",
    "sampleEnd",
  ])
  const sample = list[0] as { file: string }
  expect(sample.file).toBe(file)
  const end = list[list.length - 1] as { preamble: number[]; crc: number; size: number }
  expect(end.size).toBe(text.length)
  expect(end.crc).toBe(crc32(new TextEncoder().encode(text)))
  expect(end.preamble).toEqual([0, 0, 1]) // one empty line before the first header
  const side = (list[3] as { side: { caseRuns: number[]; lines: number[] } }).side
  expect(side.caseRuns).toEqual([2, 2, 2])
  expect(side.lines).toEqual([4, 0, 1, 2, 0, 1])
})

test("several files in turn, gzip among them: the CRC and size are of the uncompressed bytes", async () => {
  const a = path.join(dir, "a.fa"), b = path.join(dir, "b.fa.gz"), empty = path.join(dir, "empty.fasta")
  fs.writeFileSync(a, ">x\nAC\n")
  fs.writeFileSync(b, await gzip(">y\ngg\n"))
  fs.writeFileSync(empty, "")
  const { list, updates } = await events([a, b, empty])
  expect(brief(list)).toEqual([
    "sample a",
    "contig",
    "seq AC",
    "end x 2",
    "sampleEnd",
    "sample b",
    "contig",
    "seq GG",
    "end y 2",
    "sampleEnd",
    "sample empty",
    "sampleEnd",
  ])
  const ends = list.filter((e) => e.kind === "sampleEnd") as Array<{ crc: number; size: number }>
  expect(ends.map((e) => e.size)).toEqual([6, 6, 0])
  expect(ends[1].crc).toBe(crc32(new TextEncoder().encode(">y\ngg\n")))
  expect(ends[2].crc).toBe(0)
  // progress: samples done of the total, bytes read so far; every sample counted once it ends
  const last = updates[updates.length - 1]
  expect(last).toEqual({ done: 3, total: 3, unit: "samples", bytes: 12 })
  expect(updates.map((u) => u.done)).toEqual([...updates.map((u) => u.done)].sort((x, y) => x - y))
})

test("a sequence piece is a copy: the parser's buffer is not shared between events", async () => {
  const file = path.join(dir, "long.fa")
  fs.writeFileSync(file, ">l\n" + "ACGT".repeat(600_000) + "\n>m\n" + "T".repeat(10) + "\n")
  const { list } = await events([file])
  const seqs = list.filter((e) => e.kind === "seq") as Array<{ bytes: Uint8Array }>
  const total = seqs.reduce((n, s) => n + s.bytes.length, 0)
  expect(total).toBe(2_400_010)
  expect(new Set(seqs.map((s) => s.bytes.buffer)).size).toBe(seqs.length)
  expect(dec.decode(seqs[seqs.length - 1].bytes)).toBe("T".repeat(10))
})

test("a missing file fails the run with an InvalidInput naming it, after the files before it", async () => {
  const ok = path.join(dir, "ok.fa")
  fs.writeFileSync(ok, ">o\nA\n")
  const missing = path.join(dir, "missing.fa")
  const got = { batches: [] as FastaEvent[] }
  const e = await run(pipe(readFasta([ok, missing]), collect(got))).then(() => undefined, (e) => e)
  expect(e?._tag).toBe("InvalidInput")
  expect(e.file).toBe(missing)
  expect(brief(got.batches).slice(0, 5)).toEqual(["sample ok", "contig", "seq A", "end o 1", "sampleEnd"])
})

test("bad FASTA is an InvalidInput at its byte offset", async () => {
  const file = path.join(dir, "bad.fa")
  fs.writeFileSync(file, "ACGT\n>x\nA\n")
  const e = await run(pipe(readFasta([file]), collect({ batches: [] }))).then(() => undefined, (e) => e)
  expect(e?._tag).toBe("InvalidInput")
  expect(e.file).toBe(file)
  expect(e.offset).toBe(0)
})

test("cancelling the stream mid-file stops reading", async () => {
  const file = path.join(dir, "cancel.fa")
  fs.writeFileSync(file, ">c\n" + "A".repeat(5 << 20) + "\n")
  const { Effect } = await import("effect")
  const { makeBudget, MemoryBudget } = await import("../../core/budget.ts")
  const { Progress, silentProgress } = await import("../../core/progress.ts")
  const stage = readFasta([file, file])
  const stream = await Effect.runPromise(
    Effect.scoped(stage.make({ bytes: 0 }, {}, { release: () => {} })).pipe(
      Effect.provideService(MemoryBudget, makeBudget(1 << 30)),
      Effect.provideService(Progress, silentProgress),
    ),
  )
  const reader = stream.getReader()
  const first = await reader.read()
  expect(first.value?.kind).toBe("sample")
  await reader.cancel()
  const after = await reader.read()
  expect(after.done).toBe(true)
})
