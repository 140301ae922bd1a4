/** `brook pack | unpack | list | append`: genome collections in .brk archives (segmentPack). */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import { pipe } from "../core/pipe.ts"
import { run } from "../core/run.ts"
import { formatBytes, parseSize } from "../core/size.ts"
import { atomicOutput } from "../core/tempfile.ts"
import { hasZstd } from "../formats/brk/codec.ts"
import { segment } from "../operators/segment_pack/segment.ts"
import { type PackStats, segmentPack } from "../operators/segment_pack/segment_pack.ts"
import { Archive, DEFAULT_CACHE } from "../formats/brk/archive.ts"
import { readFasta, sampleName } from "../sources/read_fasta.ts"
import { type ArchiveSummary, writeArchive } from "../sinks/brk_archive.ts"
import { parseArgs, UsageError } from "./args.ts"
import type { CommandEnv } from "./main.ts"

export const PACK_HELP = `usage: brook pack OUT.brk REF.fa SAMPLE.fa... [options]

Compresses a collection of genome assemblies (FASTA or gzipped FASTA) into one archive that restores
every file byte for byte. The first file is the reference: splitter k-mers are chosen from it; each
sample is named after its file without .gz and .fa/.fasta/.fna.

options:
  --memory SIZE        memory budget, e.g. 128MB (default 1GiB)
  --k K                splitter k-mer length, ${17}-${31} (default 31)
  --segment-size N     minimum distance between splitters in the reference (default 60000)
  --threads N          N - 1 workers compress packs while the main thread cuts and encodes
                       (default 1: more did not pay on 2 cores); the archive is the same for every N
  --quiet              no summary on stderr

example:
  brook pack genomes.brk ref.fa hap001.fa.gz hap002.fa.gz --memory 256MB`

export const UNPACK_HELP = `usage: brook unpack ARCHIVE [--sample S] [--contig C[:FROM-TO]] [-o OUT]

Restores from a .brk archive, reading only the packs it needs. Without --sample or --contig every
sample is restored: into directory OUT under its original file name when OUT is a directory, else
one after another. --contig restores the contig(s) named C (header up to the first space), or bases
FROM-TO of it (1-based, inclusive) under a header ">C:FROM-TO".

options:
  --sample S           one sample (names: brook list ARCHIVE)
  --contig C[:F-T]     one contig, or a range of it
  -o, --out OUT        output file or directory (default: stdout)
  --memory SIZE        cache of decompressed packs (default 64MiB)

example:
  brook unpack genomes.brk --sample hap001 -o hap001.fa`

export const LIST_HELP = `usage: brook list ARCHIVE

Prints the samples of a .brk archive (name, contigs, bases, original size) and its totals.

example:
  brook list genomes.brk`

export const APPEND_HELP = `usage: brook append ARCHIVE NEW.fa... [--memory SIZE] [--threads N]

Adds samples to a .brk archive without rewriting it: new packs, a catalog and a footer are written
after the existing bytes (which are truncated back if the append fails). --threads N as for pack.

example:
  brook append genomes.brk hap021.fa.gz`

/** Decompressed packs the reader keeps while appending: one reference pack at a time is enough. */
const APPEND_READ_CACHE = 1 << 20

const help = (argv: string[], text: string) => {
  if (!argv.includes("--help") && !argv.includes("-h")) return false
  console.log(text)
  return true
}

function requireZstd(): void {
  if (!hasZstd) throw new UsageError("this runtime has no zstd in node:zlib; run brook on Bun or Deno (npx brook)")
}

function checkNames(files: string[], taken: string[] = []): void {
  const seen = new Set(taken)
  for (const f of files) {
    const n = sampleName(f)
    if (seen.has(n)) throw new UsageError(`two samples named '${n}' (${f}); sample names come from file names`)
    seen.add(n)
  }
}

function threadsOption(o: Record<string, unknown>): number | undefined {
  const t = o.threads
  if (t !== undefined && (!Number.isInteger(t) || (t as number) < 1)) {
    throw new UsageError("--threads must be a positive integer")
  }
  return t as number | undefined
}

function summarize(env: CommandEnv, verb: string, out: string, s: ArchiveSummary, p: PackStats, seconds: number): void {
  env.log(
    `brook ${verb}: ${s.samples} samples, ${s.groups} new groups, ${s.packs} packs; ${out} is ${s.bytes} bytes; ${
      seconds.toFixed(2)
    } s`,
  )
  env.log(
    `  group store: ${formatBytes(p.peak)} of ${
      formatBytes(p.capacity)
    } used; ${p.spills} references spilled, ${p.rebuilds} indexes rebuilt, ${p.earlySeals} packs sealed early`,
  )
  if (p.workers > 0) {
    env.log(`  ${p.workers} pack workers; at most ${formatBytes(p.inFlightPeak)} of packs in flight to them`)
  }
}

const noStats = (): PackStats => ({
  capacity: 0,
  peak: 0,
  spills: 0,
  rebuilds: 0,
  earlySeals: 0,
  workers: 0,
  inFlightPeak: 0,
})

export async function packCommand(argv: string[], env: CommandEnv): Promise<void> {
  if (help(argv, PACK_HELP)) return
  const { positional, options: o } = parseArgs(argv, {
    memory: "string",
    k: "number",
    "segment-size": "number",
    threads: "number",
  })
  if (positional.length < 2) throw new UsageError(`expected OUT.brk and at least one FASTA file\n\n${PACK_HELP}`)
  requireZstd()
  const [out, ...files] = positional
  const threads = threadsOption(o)
  checkNames(files)
  const summary: ArchiveSummary = { bytes: 0, packs: 0, groups: 0, samples: 0 }
  const stats = noStats()
  const report = await run(
    pipe(
      readFasta(files),
      segment({
        reference: files[0],
        k: o.k as number | undefined,
        segmentSize: o["segment-size"] as number | undefined,
      }),
      segmentPack({ stats, threads }),
      writeArchive(out, { summary }),
    ),
    { memory: o.memory as string | undefined, signal: env.signal, progress: env.progress },
  )
  summarize(env, "pack", out, summary, stats, report.seconds)
}

export async function appendCommand(argv: string[], env: CommandEnv): Promise<void> {
  if (help(argv, APPEND_HELP)) return
  const { positional, options: o } = parseArgs(argv, { memory: "string", threads: "number" })
  if (positional.length < 2) throw new UsageError(`expected ARCHIVE and at least one FASTA file\n\n${APPEND_HELP}`)
  requireZstd()
  const [target, ...files] = positional
  const threads = threadsOption(o)
  // the group store keeps the references it loads (inside the budget): the reader's own cache stays small
  const archive = Archive.open(target, APPEND_READ_CACHE)
  try {
    checkNames(files, archive.samples.map((s) => s.name))
    const summary: ArchiveSummary = { bytes: 0, packs: 0, groups: 0, samples: 0 }
    const stats = noStats()
    const report = await run(
      pipe(
        readFasta(files),
        segment({ splitters: archive.params.splitters, k: archive.params.k, segmentSize: archive.params.segmentSize }),
        segmentPack({
          stats,
          threads,
          existing: {
            groups: archive.groups.map((g) => ({ a: g.a, b: g.b, deltas: g.deltas })),
            loadRef: (id) => archive.ref(id),
          },
        }),
        writeArchive(target, {
          summary,
          append: { length: archive.length, footer: archive.footer, nextPack: archive.packs.length },
        }),
      ),
      { memory: o.memory as string | undefined, signal: env.signal, progress: env.progress },
    )
    summarize(env, "append", target, summary, stats, report.seconds)
  } finally {
    archive.close()
  }
}

export function listCommand(argv: string[], env: CommandEnv): Promise<void> {
  if (help(argv, LIST_HELP)) return Promise.resolve()
  const { positional } = parseArgs(argv, {})
  if (positional.length !== 1) throw new UsageError(`expected one archive\n\n${LIST_HELP}`)
  requireZstd()
  const a = Archive.open(positional[0])
  try {
    const lines = ["sample\tcontigs\tbases\tfile\tbytes"]
    for (const s of a.samples) {
      const bases = s.contigs.reduce((t, c) => t + c.side.length, 0)
      lines.push(`${s.name}\t${s.contigs.length}\t${bases}\t${s.file}\t${s.size}`)
    }
    console.log(lines.join("\n"))
    env.log(
      `${
        positional[0]
      }: ${a.samples.length} samples, ${a.groups.length} groups, ${a.packs.length} packs, ${a.length} bytes (k ${a.params.k}, ${a.params.splitters.length} splitters)`,
    )
  } finally {
    a.close()
  }
  return Promise.resolve()
}

export async function unpackCommand(argv: string[], env: CommandEnv): Promise<void> {
  if (help(argv, UNPACK_HELP)) return
  const { positional, options: o } = parseArgs(argv.map((x) => x === "-o" ? "--out" : x), {
    sample: "string",
    contig: "string",
    out: "string",
    memory: "string",
  })
  if (positional.length !== 1) throw new UsageError(`expected one archive\n\n${UNPACK_HELP}`)
  requireZstd()
  const range = parseContig(o.contig as string | undefined)
  const a = Archive.open(positional[0], o.memory ? parseSize(o.memory as string) : DEFAULT_CACHE)
  try {
    const target = o.out as string | undefined
    const toDir = target !== undefined && !range && o.sample === undefined && fs.existsSync(target) &&
      fs.statSync(target).isDirectory()
    if (toDir) {
      for (const s of a.samples) {
        await toFile(path.join(target!, s.file.replace(/\.gz$/i, "")), (w) => a.restoreSample(s, w))
      }
    } else {
      await output(target, (w) => {
        if (range) {
          for (const { contig } of a.findContigs(range.name, o.sample as string | undefined)) {
            a.restoreContig(contig, w, range.from === undefined ? undefined : [range.from, range.to!])
          }
        } else for (const s of o.sample ? [a.sample(o.sample as string)] : a.samples) a.restoreSample(s, w)
      })
    }
    env.log(
      `brook unpack: read ${a.bytesRead} of ${a.length} archive bytes (${(100 * a.bytesRead / a.length).toFixed(2)}%)`,
    )
  } finally {
    a.close()
  }
}

/** "chr1" or "chr1:1001-2000" (1-based, inclusive) -> name and 0-based [from, to). */
export function parseContig(text: string | undefined): { name: string; from?: number; to?: number } | undefined {
  if (text === undefined) return undefined
  const m = /^(.*):([0-9]+)-([0-9]+)$/.exec(text)
  if (!m) return { name: text }
  const from = Number(m[2]), to = Number(m[3])
  if (from < 1 || to < from) throw new UsageError(`--contig ${text}: the range must be FROM-TO with 1 <= FROM <= TO`)
  return { name: m[1], from: from - 1, to }
}

async function output(target: string | undefined, body: (write: (b: Uint8Array) => void) => void): Promise<void> {
  if (target === undefined || target === "-") {
    body((b) => {
      let done = 0
      while (done < b.length) done += fs.writeSync(1, b, done, b.length - done)
    })
    return
  }
  await toFile(target, body)
}

function toFile(target: string, body: (write: (b: Uint8Array) => void) => void): Promise<void> {
  return Effect.runPromise(Effect.scoped(Effect.gen(function* () {
    const out = yield* atomicOutput(target)
    const fd = fs.openSync(out.tempPath, "w")
    try {
      body((b) => {
        let done = 0
        while (done < b.length) done += fs.writeSync(fd, b, done, b.length - done)
      })
    } finally {
      fs.closeSync(fd)
    }
    out.commit()
  })))
}
