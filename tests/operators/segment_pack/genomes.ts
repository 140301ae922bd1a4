/** Small deterministic genome collections for the segmentPack suites, and a pack/unpack round trip. */
import * as fs from "node:fs"
import * as path from "node:path"
import { pipe } from "../../../core/pipe.ts"
import { run } from "../../../core/run.ts"
import { segment } from "../../../operators/segment_pack/segment.ts"
import { segmentPack } from "../../../operators/segment_pack/segment_pack.ts"
import { Archive } from "../../../formats/brk/archive.ts"
import { readFasta } from "../../../sources/read_fasta.ts"
import { writeArchive } from "../../../sinks/brk_archive.ts"
import { COMP } from "../../../formats/brk/kmers.ts"

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13, s ^= s >>> 17, s ^= s << 5
    return (s >>> 0) / 2 ** 32
  }
}

export function randomBases(n: number, r: () => number): string {
  let out = ""
  for (let i = 0; i < n; i++) out += "ACGT"[Math.floor(r() * 4)]
  return out
}

/** SNPs at `rate`, plus one insertion and one deletion. */
export function mutate(s: string, r: () => number, rate = 0.002): string {
  const a = [...s]
  for (let i = 0; i < a.length; i++) if (r() < rate) a[i] = "ACGT"[Math.floor(r() * 4)]
  let t = a.join("")
  const p = Math.floor(r() * (t.length - 200))
  t = t.slice(0, p) + randomBases(7, r) + t.slice(p, p + 50) + t.slice(p + 80)
  return t
}

export const revcomp = (s: string): string =>
  [...s].reverse().map((c) => String.fromCharCode(COMP[c.charCodeAt(0)])).join("")

/** FASTA text: contigs as [name, sequence], lines of `width`, line ending `eol`. */
export function fasta(contigs: Array<[string, string]>, width = 60, eol = "\n"): string {
  return contigs.map(([name, s]) => {
    const lines = [`>${name}`]
    for (let i = 0; i < s.length; i += width) lines.push(s.slice(i, i + width))
    return lines.join(eol) + eol
  }).join("")
}

/** Small segments so that short test genomes have splitters. */
export const TEST_PARAMS = { k: 21, segmentSize: 400 }

export async function pack(out: string, files: string[], memory = "256MB"): Promise<void> {
  await run(
    pipe(readFasta(files), segment({ reference: files[0], ...TEST_PARAMS }), segmentPack(), writeArchive(out)),
    { memory },
  )
}

/** Packs `files`, restores every sample, and returns [original, restored] bytes per file. */
export async function roundTrip(dir: string, files: string[]): Promise<Array<[Buffer, Buffer]>> {
  const out = path.join(dir, "a.brk")
  await pack(out, files)
  const a = Archive.open(out)
  try {
    return files.map((f, k) => {
      const parts: Uint8Array[] = []
      a.restoreSample(a.samples[k], (b) => parts.push(b.slice()))
      return [fs.readFileSync(f), Buffer.concat(parts)]
    })
  } finally {
    a.close()
  }
}

/**
 * Cancels a running pack once its archive's temp file exists in `dir` (data is moving) and returns what
 * the run failed with.
 */
export async function cancelOnceWriting(dir: string, controller: AbortController, running: Promise<unknown>) {
  while (!fs.readdirSync(dir).some((f) => f.includes(".part"))) await new Promise((r) => setTimeout(r, 1))
  controller.abort(new Error("test"))
  try {
    await running
  } catch (e) {
    return e
  }
  return undefined
}
