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

export async function pack(
  out: string,
  files: string[],
  memory = "256MB",
  options: { chain?: number; segmentSize?: number; append?: boolean } = {},
): Promise<void> {
  const params = { ...TEST_PARAMS, ...(options.segmentSize ? { segmentSize: options.segmentSize } : {}) }
  await run(
    pipe(readFasta(files), segment({ reference: files[0], ...params }), segmentPack(options), writeArchive(out)),
    { memory },
  )
}

/** SNPs only, at `rate`. */
export function snps(s: string, r: () => number, rate: number): string {
  const a = [...s]
  for (let i = 0; i < a.length; i++) if (r() < rate) a[i] = "ACGT"[Math.floor(r() * 4)]
  return a.join("")
}

/**
 * A phylogeny-like collection, as real ones are: the reference, then `clades` clades of `members`
 * samples; a clade's members share its mutations (SNPs at `cladeRate` and an indel from the
 * reference) and add a few of their own (SNPs at `ownRate`), so a sample is much closer to its
 * clade's other members than to the reference. Samples come clade after clade, interleaved when
 * `interleave` (as when files are named by date, not lineage).
 */
export function tree(
  root: string,
  r: () => number,
  o: { clades: number; members: number; cladeRate?: number; ownRate?: number; interleave?: boolean },
): string[] {
  const clades = Array.from({ length: o.clades }, () => mutate(root, r, o.cladeRate ?? 0.01))
  const out: string[][] = clades.map((c) => Array.from({ length: o.members }, () => snps(c, r, o.ownRate ?? 0.0005)))
  if (!o.interleave) return out.flat()
  return Array.from({ length: o.members }, (_, m) => out.map((c) => c[m])).flat()
}

/** A ladder: each sample is the previous one with a few more SNPs, so each is nearest to the one before. */
export function ladder(root: string, r: () => number, samples: number, rate = 0.002): string[] {
  const out = [snps(root, r, rate)]
  while (out.length < samples) out.push(snps(out[out.length - 1], r, rate))
  return out
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
