import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { Archive } from "../../../formats/brk/archive.ts"
import { InvalidInput } from "../../../core/errors.ts"
import { ByteReader } from "../../../core/bytes.ts"
import { decompress } from "../../../formats/brk/codec.ts"
import { fromColumns } from "../../../formats/brk/pack_columns.ts"
import { GroupStore } from "../../../operators/segment_pack/groups.ts"
import { DEFAULT_CHAIN, Packer } from "../../../operators/segment_pack/segment_pack.ts"
import { settle } from "../../../operators/segment_pack/pack_queue.ts"
import type { PackEvent, Segment } from "../../../core/batches.ts"
import { tempDir } from "../../helpers.ts"
import {
  cancelOnceWriting,
  fasta,
  ladder,
  mutate,
  pack,
  randomBases,
  revcomp,
  rng,
  roundTrip,
  tree,
} from "./genomes.ts"

const r = rng(42)
const chr1 = randomBases(6000, r)
const chr2 = randomBases(3000, r)
const ref = fasta([["ref#1", chr1], ["ref#2", chr2]])

function write(dir: string, files: Record<string, string | Uint8Array>): string[] {
  return Object.entries(files).map(([name, text]) => {
    const f = path.join(dir, name)
    fs.writeFileSync(f, text)
    return f
  })
}

const awkward: Record<string, string> = {
  "an empty file": "",
  "one base": ">one\nA\n",
  "all N": ">n\n" + "N".repeat(5000) + "\n",
  "lowercase only": fasta([["low", mutate(chr1, rng(1)).toLowerCase()]]),
  "no splitter anywhere": fasta([["other", randomBases(4000, rng(2))]]),
  "a sample identical to the reference": ref,
  "reverse-complemented contigs": fasta([["rc1", revcomp(mutate(chr1, rng(3)))], ["rc2", revcomp(chr2)]]),
  "CRLF line endings": fasta([["crlf", mutate(chr1, rng(4))]], 70, "\r\n"),
  "odd line widths and empty lines": ">w\n\n" + chr2.slice(0, 61) + "\n" + chr2.slice(61, 1000) + "\n\n" +
    chr2.slice(1000),
  "N runs and IUPAC codes": fasta([["iupac", chr1.slice(0, 2000) + "N".repeat(700) + "RYKMSWBDHV" + chr1.slice(2710)]]),
}

for (const [name, text] of Object.entries(awkward)) {
  test(`pack -> unpack is byte-identical: ${name}`, async () => {
    const dir = tempDir()
    const files = write(dir, { "ref.fa": ref, "sample.fa": text, "hap.fa": fasta([["h", mutate(chr1, rng(5))]]) })
    for (const [original, restored] of await roundTrip(dir, files)) expect(restored.equals(original)).toBe(true)
  })
}

test("pack -> unpack: gzipped samples restore to their uncompressed bytes", async () => {
  const dir = tempDir()
  const text = fasta([["gz", mutate(chr1, rng(6))]], 80)
  const gz = new Uint8Array(
    await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
  )
  const files = write(dir, { "ref.fa": ref, "s.fa.gz": gz })
  const [, [, restored]] = await roundTrip(dir, files)
  expect(restored.toString()).toBe(text)
})

test("a sample identical to the reference costs a few bytes per segment", async () => {
  const dir = tempDir()
  const one = path.join(dir, "one.brk"), two = path.join(dir, "two.brk")
  const files = write(dir, { "ref.fa": ref, "same.fa": ref })
  await pack(one, files.slice(0, 1))
  await pack(two, files)
  const a = Archive.open(two)
  const segments = a.samples[1].contigs.reduce((n, c) => n + c.segments.length, 0)
  a.close()
  expect(segments).toBeGreaterThan(10)
  // the second copy adds its catalog entries and a few bytes of deltas per segment, not its 9 kbp
  expect(fs.statSync(two).size - fs.statSync(one).size).toBeLessThan(40 * segments + 400)
})

function packed(dir: string) {
  const files = write(dir, {
    "ref.fa": ref,
    "a.fa": fasta([["a#1", mutate(chr1, rng(7))], ["a#2", mutate(chr2, rng(8))]]),
    "b.fa": fasta([["b#1", mutate(chr1, rng(9))]], 50),
  })
  return { files, out: path.join(dir, "x.brk") }
}

test("unpack of one contig and of a range reads only their packs, and returns exactly their bases", async () => {
  const dir = tempDir()
  const { files, out } = packed(dir)
  await pack(out, files)
  const a = Archive.open(out)
  const { contig } = a.findContigs("a#1")[0]
  const parts: Uint8Array[] = []
  a.restoreContig(contig, (b) => parts.push(b.slice()))
  const text = fs.readFileSync(files[1], "utf8")
  expect(Buffer.concat(parts).toString()).toBe(text.slice(0, text.indexOf(">a#2")))
  const range: Uint8Array[] = []
  const before = a.bytesRead
  a.restoreContig(a.findContigs("a#1")[0].contig, (b) => range.push(b.slice()), [1000, 1130])
  const seq = text.slice(0, text.indexOf(">a#2")).split("\n").slice(1).join("")
  expect(Buffer.concat(range).toString()).toBe(
    `>a#1:1001-1130\n${seq.slice(1000, 1060)}\n${seq.slice(1060, 1120)}\n${seq.slice(1120, 1130)}\n`,
  )
  expect(a.bytesRead).toBeGreaterThan(before - 1)
  a.close()
  const fresh = Archive.open(out)
  const opened = fresh.bytesRead
  fresh.restoreContig(fresh.findContigs("b#1")[0].contig, () => {}, [0, 100])
  expect(fresh.bytesRead - opened).toBeLessThan(fresh.length / 3)
  fresh.close()
})

test("append adds a sample without rewriting a byte of the archive", async () => {
  const dir = tempDir()
  const { files, out } = packed(dir)
  await pack(out, files.slice(0, 2))
  const before = fs.readFileSync(out)
  const { appendCommand } = await import("../../../cli/genomes.ts")
  await appendCommand([out, files[2]], { signal: new AbortController().signal, progress: undefined, log: () => {} })
  const after = fs.readFileSync(out)
  expect(after.subarray(0, before.length).equals(before)).toBe(true)
  const a = Archive.open(out)
  expect(a.samples.map((s) => s.name)).toEqual(["ref", "a", "b"])
  for (const [k, s] of a.samples.entries()) {
    const parts: Uint8Array[] = []
    a.restoreSample(s, (b) => parts.push(b.slice()))
    expect(Buffer.concat(parts).equals(fs.readFileSync(files[k]))).toBe(true)
  }
  a.close()
})

async function corrupted(mutateFile: (b: Buffer, a: Archive) => Buffer): Promise<InvalidInput> {
  const dir = tempDir()
  const { files, out } = packed(dir)
  await pack(out, files)
  const a = Archive.open(out)
  fs.writeFileSync(out, mutateFile(fs.readFileSync(out), a))
  a.close()
  try {
    const b = Archive.open(out)
    for (const s of b.samples) b.restoreSample(s, () => {})
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInput)
    return e as InvalidInput
  }
  throw new Error("corruption went unnoticed")
}

test("a flipped byte in a delta pack is an InvalidInput naming the pack", async () => {
  const e = await corrupted((b, a) => {
    const p = a.packs.find((x) => !x.ref)!
    b[p.offset + (p.length >> 1)] ^= 0x10
    return b
  })
  expect(e.message).toMatch(/pack \d+ \(group \d+, deltas \d+-\d+\) is corrupted: checksum mismatch/)
})

test("a flipped byte in a reference pack is an InvalidInput naming the pack", async () => {
  const e = await corrupted((b, a) => {
    const p = a.packs.find((x) => x.ref)!
    b[p.offset + 3] ^= 0x01
    return b
  })
  expect(e.message).toMatch(/pack \d+ \(group \d+, reference\) is corrupted/)
})

test("a flipped byte in the catalog or footer, and a truncated archive, are InvalidInputs", async () => {
  expect(
    (await corrupted((b) => {
      b[b.length - 50] ^= 0xff
      return b
    })).message,
  ).toMatch(/catalog/)
  expect(
    (await corrupted((b) => {
      b[b.length - 10] ^= 0xff
      return b
    })).message,
  ).toMatch(/footer checksum mismatch/)
  expect((await corrupted((b) => b.subarray(0, b.length - 20))).message).toMatch(
    /no footer .*: the catalog after pack \d+ is cut short \(truncated\)/,
  )
  expect((await corrupted((b, a) => b.subarray(0, a.packs[2].offset + 5))).message).toMatch(
    /no footer .*: pack 2 is cut short, 5 of its \d+ bytes left \(truncated\)/,
  )
})

test("the group store spills references, drops indexes and seals packs early under a small cap: same deltas", () => {
  const r2 = rng(77)
  const base = randomBases(30000, r2)
  const segs: Segment[] = []
  // 30 groups of 1 kbp references, each followed by 3 mutated copies
  for (let g = 0; g < 30; g++) {
    const text = base.slice(g * 1000, g * 1000 + 1000)
    for (let c = 0; c < 4; c++) {
      const bytes = new TextEncoder().encode(c === 0 ? text : mutate(text, r2))
      segs.push({ a: BigInt(g), b: BigInt(g + 1), rc: false, skip: 0, bytes })
    }
  }
  const runWith = (cap: number) => {
    const events: PackEvent[] = []
    const store = new GroupStore(cap, () => path.join(tempDir(), "spill"))
    const p = new Packer(store, (e) => events.push(settle(e)))
    for (const s of segs) p.add(s)
    p.finish()
    store.close()
    // every delta item, in (group, ordinal) order, whatever pack it went to
    const items: string[] = []
    for (const e of events) {
      if (e.kind !== "pack" || e.ref) continue
      const r = new ByteReader(fromColumns(decompress(e.bytes)))
      for (let n = r.uint(), k = 0; k < n; k++) {
        items.push(`${e.group}/${e.first + k}:${Buffer.from(r.blob()).toString("hex")}`)
      }
    }
    return { events, store, early: p.earlySeals, items: items.sort() }
  }
  const big = runWith(64 << 20), small = runWith(2 << 10)
  expect(big.store.spills + big.early).toBe(0)
  expect(small.store.spills).toBeGreaterThan(0)
  expect(small.early).toBeGreaterThan(0)
  expect(small.items).toEqual(big.items)
  expect(big.items.length).toBe(90)
})

test("a budget below the stages' minimum is refused before any data is read", async () => {
  const dir = tempDir()
  const { files, out } = packed(dir)
  let err: unknown
  try {
    await pack(out, files, "10MB")
  } catch (e) {
    err = e
  }
  expect((err as { _tag?: string })._tag).toBe("BudgetExceeded")
  expect(fs.existsSync(out)).toBe(false)
})

test("cancellation ends the run with Cancelled and leaves no archive or temp file", async () => {
  const dir = tempDir()
  const { files, out } = packed(dir)
  const big = fasta([["big", randomBases(300_000, rng(12))]])
  const many = Array.from({ length: 30 }, (_, k) => {
    const f = path.join(dir, `c${k}.fa`)
    fs.writeFileSync(f, big)
    return f
  })
  const controller = new AbortController()
  const { run } = await import("../../../core/run.ts")
  const { pipe } = await import("../../../core/pipe.ts")
  const { readFasta } = await import("../../../sources/read_fasta.ts")
  const { segment } = await import("../../../operators/segment_pack/segment.ts")
  const { segmentPack } = await import("../../../operators/segment_pack/segment_pack.ts")
  const { writeArchive } = await import("../../../sinks/brk_archive.ts")
  const running = run(
    pipe(
      readFasta([files[0], ...many]),
      segment({ reference: files[0], k: 21, segmentSize: 400 }),
      segmentPack(),
      writeArchive(out),
    ),
    { memory: "256MB", signal: controller.signal },
  )
  const err = await cancelOnceWriting(dir, controller, running)
  expect((err as { _tag?: string })._tag).toBe("Cancelled")
  expect(fs.existsSync(out)).toBe(false)
  expect(fs.readdirSync(dir).filter((f) => f.includes(".part"))).toEqual([])
})

test("a sample whose splitter is lost to a SNP stores that segment as a delta against both neighbours, not a new group", async () => {
  const dir = tempDir()
  const [refFile] = write(dir, { "ref.fa": ref })
  const alone = path.join(dir, "alone.brk")
  await pack(alone, [refFile])
  const a = Archive.open(alone)
  const groups = a.groups.length
  const splitter = a.params.splitters[3]
  a.close()
  const { canonicalAt } = await import("../../../formats/brk/kmers.ts")
  const bytes = new TextEncoder().encode(chr1)
  let end = 21
  while (canonicalAt(bytes, end, 21) !== splitter) end++
  const snp = end - 10
  const broken = chr1.slice(0, snp) + (chr1[snp] === "A" ? "C" : "A") + chr1.slice(snp + 1)
  const [, sample] = write(dir, { "ref.fa": ref, "snp.fa": fasta([["snp", broken]]) })
  const both = path.join(dir, "both.brk")
  await pack(both, [refFile, sample])
  const b = Archive.open(both)
  expect(b.groups.length).toBe(groups)
  const parts: Uint8Array[] = []
  b.restoreSample(b.samples[1], (x) => parts.push(x.slice()))
  expect(Buffer.concat(parts).toString()).toBe(fasta([["snp", broken]]))
  expect(fs.statSync(both).size - fs.statSync(alone).size).toBeLessThan(1200)
  b.close()
})

/** Packs `seqs` (one contig each, the first the reference) with `chain`; returns the archive's path. */
async function packSeqs(dir: string, seqs: string[], chain?: number, segmentSize = 60000): Promise<string> {
  const files = write(
    dir,
    Object.fromEntries(seqs.map((s, k) => [`s${String(k).padStart(3, "0")}.fa`, fasta([[`c${k}`, s]])])),
  )
  const out = path.join(dir, `chain-${chain}.brk`)
  await pack(out, files, "256MB", { chain, segmentSize })
  return out
}

function restoresAll(out: string, seqs: string[]): Archive {
  const a = Archive.open(out)
  for (const [k, s] of a.samples.entries()) {
    const parts: Uint8Array[] = []
    a.restoreSample(s, (b) => parts.push(b.slice()))
    expect(Buffer.concat(parts).toString()).toBe(fasta([[`c${k}`, seqs[k]]]))
  }
  return a
}

test("a tree of clades restores byte for byte and packs smaller with bases than against the reference alone", async () => {
  const dir = tempDir()
  const root = randomBases(20000, rng(21))
  const seqs = [root, ...tree(root, rng(22), { clades: 4, members: 12, interleave: true })]
  const alone = await packSeqs(dir, seqs, 0)
  const based = await packSeqs(dir, seqs, DEFAULT_CHAIN)
  const [x, y] = [restoresAll(alone, seqs), restoresAll(based, seqs)]
  expect(x.deepest).toBe(1)
  expect(y.deepest).toBeGreaterThan(1)
  expect(y.deepest).toBeLessThanOrEqual(DEFAULT_CHAIN)
  x.close()
  y.close()
  expect(fs.statSync(based).size).toBeLessThan(fs.statSync(alone).size * 0.9)
})

test("chains of bases stop at their bound: a ladder of samples, each nearest to the one before", async () => {
  const dir = tempDir()
  const root = randomBases(8000, rng(23))
  const seqs = [root, ...ladder(root, rng(24), 12)]
  for (const chain of [1, 3]) {
    const a = restoresAll(await packSeqs(dir, seqs, chain), seqs)
    expect(a.deepest).toBe(chain)
    a.close()
  }
  // restoring the last sample alone decodes its chain, and only it
  const a = Archive.open(await packSeqs(dir, seqs, 3))
  a.restoreSample(a.samples[seqs.length - 1], () => {})
  expect(a.deepest).toBeLessThanOrEqual(3)
  a.close()
})

test("append: new samples are encoded against members of earlier sessions, and everything restores", async () => {
  const dir = tempDir()
  const root = randomBases(20000, rng(25))
  const seqs = [root, ...tree(root, rng(26), { clades: 2, members: 4 })]
  const files = write(dir, Object.fromEntries(seqs.map((s, k) => [`s${k}.fa`, fasta([[`c${k}`, s]])])))
  const out = path.join(dir, "a.brk")
  // the first session ends inside each clade: the second's samples are nearest to its members
  await pack(out, [files[0], files[1], files[2], files[5], files[6]], "256MB", { segmentSize: 60000 })
  const { appendCommand } = await import("../../../cli/genomes.ts")
  const env = { signal: new AbortController().signal, progress: undefined, log: () => {} }
  await appendCommand([out, files[3], files[4], files[7], files[8]], env)
  const a = Archive.open(out)
  const order = [0, 1, 2, 5, 6, 3, 4, 7, 8]
  expect(a.samples.map((s) => s.name)).toEqual(order.map((k) => `s${k}`))
  for (const [j, s] of a.samples.entries()) {
    const parts: Uint8Array[] = []
    a.restoreSample(s, (b) => parts.push(b.slice()))
    expect(Buffer.concat(parts).equals(fs.readFileSync(files[order[j]]))).toBe(true)
  }
  // the appended samples' deltas have bases: members of the first session
  expect(a.deepest).toBeGreaterThan(1)
  a.close()
})
