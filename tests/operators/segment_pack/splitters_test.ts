import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { Archive } from "../../../formats/brk/archive.ts"
import { pipe } from "../../../core/pipe.ts"
import { run } from "../../../core/run.ts"
import { segment } from "../../../operators/segment_pack/segment.ts"
import { segmentPack } from "../../../operators/segment_pack/segment_pack.ts"
import {
  adaptiveSpacing,
  DEFAULT_SEGMENT,
  MIN_ADAPTIVE,
  SEGMENTS_PER_CONTIG,
} from "../../../operators/segment_pack/splitters.ts"
import { readFasta } from "../../../sources/read_fasta.ts"
import { writeArchive } from "../../../sinks/brk_archive.ts"
import { tempDir } from "../../helpers.ts"
import { fasta, mutate, randomBases, rng } from "./genomes.ts"

test("adaptive spacing: the median reference contig / 4, between the floor and the default", () => {
  expect(adaptiveSpacing([200_000, 210_000, 5_000])).toBe(200_000 / SEGMENTS_PER_CONTIG)
  expect(adaptiveSpacing([5_000_000])).toBe(DEFAULT_SEGMENT)
  expect(adaptiveSpacing([30_000, 29_000])).toBe(MIN_ADAPTIVE)
  expect(adaptiveSpacing([])).toBe(DEFAULT_SEGMENT)
})

test("without --segment-size, 200 kbp contigs split into several segments; the spacing is in the catalog", async () => {
  const dir = tempDir()
  const r = rng(31)
  const chr = [randomBases(200_000, r), randomBases(200_000, r)]
  const files = [chr, chr.map((c) => mutate(c, r))].map((cs, k) => {
    const f = path.join(dir, `s${k}.fa`)
    fs.writeFileSync(f, fasta(cs.map((c, j) => [`c${j}`, c])))
    return f
  })
  const out = path.join(dir, "a.brk")
  await run(pipe(readFasta(files), segment({ reference: files[0] }), segmentPack(), writeArchive(out)), {
    memory: "256MB",
  })
  const a = Archive.open(out)
  try {
    expect(a.params.segmentSize).toBe(50_000)
    for (const s of a.samples) for (const c of s.contigs) expect(c.segments.length).toBeGreaterThanOrEqual(3)
    const parts: Uint8Array[] = []
    a.restoreSample(a.samples[1], (b) => parts.push(b.slice()))
    expect(Buffer.concat(parts).equals(fs.readFileSync(files[1]))).toBe(true)
  } finally {
    a.close()
  }
})
