/** `brook pack | unpack | list | append`: genome collections in .brk archives (segmentPack). */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import { pipe } from "../core/pipe.ts"
import { run, type RunReport } from "../core/run.ts"
import { BudgetExceeded } from "../core/errors.ts"
import { CollectionPace } from "../core/gc.ts"
import { formatBytes } from "../core/size.ts"
import { memoryPeaks } from "./report_option.ts"
import { beginAppend, undoKilledAppend } from "../core/append_journal.ts"
import { outputFailed } from "../core/errors.ts"
import { atomicOutput } from "../core/tempfile.ts"
import { hasZstd } from "../formats/brk/codec.ts"
import { segment } from "../operators/segment_pack/segment.ts"
import { DEFAULT_CHAIN, type PackStats, segmentPack } from "../operators/segment_pack/segment_pack.ts"
import { Archive, DEFAULT_CACHE } from "../formats/brk/archive.ts"
import { contigName } from "../formats/fasta/parser.ts"
import { readFasta, sampleName } from "../sources/read_fasta.ts"
import { type ArchiveSummary, writeArchive } from "../sinks/brk_archive.ts"
import {
  checkWritable,
  MEMORY_HELP,
  memoryOption,
  parseCommand,
  positiveInteger,
  PROGRESS_HELP,
  UsageError,
} from "./args.ts"
import type { CommandEnv } from "./main.ts"

export const PACK_HELP = `usage: brook pack -o OUT.brk REF.fa SAMPLE.fa... [options]
       brook pack OUT.brk REF.fa SAMPLE.fa... [options]

Compresses a collection of genome assemblies (FASTA or gzipped FASTA) into one archive that restores
every file byte for byte. The first file is the reference: splitter k-mers are chosen from it; each
sample is named after its file without .gz and .fa/.fasta/.fna.

options:
  -o, --out OUT.brk    the archive (or the first file, as before); an existing one is kept unless --force
  --force              replace an existing archive
${MEMORY_HELP()}
  --k K                splitter k-mer length, ${17}-${31} (default 31)
  --segment-size N     minimum distance between splitters in the reference (default: the median reference
                       contig length / 4, between 40000 and 60000)
  --chain D            a delta may be encoded against an earlier one of its group (its base) when that is
                       closer; restoring a segment then decodes at most D deltas (default ${DEFAULT_CHAIN};
                       0: every delta against its group's reference)
  -j, --threads N      N - 1 workers compress packs while the main thread cuts and encodes
                       (default 1: more did not pay on 2 cores); the archive is the same for every N
${PROGRESS_HELP()}
  -q, --quiet          no progress or summary on stderr

example:
  brook pack -o genomes.brk ref.fa hap001.fa.gz hap002.fa.gz -m 256M`

export const UNPACK_HELP = `usage: brook unpack ARCHIVE [--sample S] [--contig C[@S][:FROM-TO]] [-o OUT]
       brook unpack ARCHIVE C@S[:FROM-TO]... [-o OUT]

Restores from a .brk archive, reading only the packs it needs. Without --sample or --contig every
sample is restored: into directory OUT under its original file name when OUT is a directory, else
one after another. --contig restores the contig(s) named C (header up to the first space), or bases
FROM-TO of it (1-based, inclusive) under a header ">C:FROM-TO". C@S is contig C of sample S, as AGC
writes it (agc getctg); several may follow ARCHIVE, restored in that order.

options:
  --sample S           one sample (names: brook list ARCHIVE)
  --contig C[@S][:F-T] one contig, or a range of it
  -o, --out OUT        output file or directory (default: stdout)
${MEMORY_HELP("memory budget: 24 MiB of working memory, the rest a cache of decompressed packs", "64M")}

example:
  brook unpack genomes.brk --sample hap001 -o hap001.fa
  brook unpack genomes.brk chr2@hap001:1000001-1100000 chr2@hap002 -o chr2.fa`

export const LIST_HELP = `usage: brook list ARCHIVE [--contigs [--sample S]] [C@S | @S | C]...

Prints the samples of a .brk archive (name, contigs, bases, original size) and its totals; with
--contigs (or names after ARCHIVE) its contigs instead: sample, contig (header up to the first space)
and bases, for every sample or --sample S; C@S names contig C of sample S as AGC does (agc listctg),
@S every contig of sample S, C contig C in every sample.

examples:
  brook list genomes.brk
  brook list genomes.brk --contigs --sample hap001`

export const APPEND_HELP = `usage: brook append ARCHIVE NEW.fa... [-m SIZE] [-j N]

Adds samples to a .brk archive without rewriting it: new packs, a catalog and a footer are written
after the existing bytes (which are truncated back if the append fails). --threads N as for pack.

example:
  brook append genomes.brk hap021.fa.gz`

/** Decompressed packs the reader keeps while appending: one reference pack at a time is enough. */
const APPEND_READ_CACHE = 1 << 20

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

const threadsOption = (o: Record<string, unknown>) => positiveInteger(o, "threads")

function summarize(
  env: CommandEnv,
  verb: string,
  out: string,
  s: ArchiveSummary,
  p: PackStats,
  report: RunReport,
): void {
  env.log(
    `brook ${verb}: ${s.samples} samples, ${s.groups} new groups, ${s.packs} packs; ${out} is ${s.bytes} bytes; ${
      report.seconds.toFixed(2)
    } s; ${memoryPeaks(report)}`,
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
  const p = parseCommand(argv, {
    out: "string",
    force: "flag",
    memory: "string",
    k: "number",
    "segment-size": "number",
    threads: "number",
    chain: "number",
  }, PACK_HELP)
  if (!p) return
  const { options: o } = p
  // -o OUT.brk, or the old form: OUT.brk first
  const positional = o.out !== undefined ? [o.out as string, ...p.positional] : p.positional
  if (positional.length < 2) throw new UsageError("expected -o OUT.brk and at least one FASTA file (brook pack --help)")
  const [out, ...files] = positional
  if (o.out === undefined && /\.(fa|fasta|fna|gz)$/i.test(out)) {
    throw new UsageError(`'${out}' looks like a FASTA file, not an archive: give the archive with -o OUT.brk`)
  }
  checkWritable(out)
  if (fs.existsSync(out) && !o.force) {
    throw new UsageError(`${out} exists: pass --force to replace it, or brook append to add samples to it`)
  }
  const memory = memoryOption(o)
  requireZstd()
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
      segmentPack({ stats, threads, chain: o.chain as number | undefined }),
      writeArchive(out, { summary }),
    ),
    { memory, signal: env.signal, progress: env.progress },
  )
  summarize(env, "pack", out, summary, stats, report)
}

export async function appendCommand(argv: string[], env: CommandEnv): Promise<void> {
  const p = parseCommand(argv, { memory: "string", threads: "number" }, APPEND_HELP)
  if (!p) return
  const { positional, options: o } = p
  if (positional.length < 2) {
    throw new UsageError("expected ARCHIVE and at least one FASTA file (brook append --help)")
  }
  const memory = memoryOption(o)
  requireZstd()
  const [target, ...files] = positional
  const threads = threadsOption(o)
  // the group store keeps the references it loads (inside the budget): the reader's own cache stays small
  const journal = beginAppend(target)
  const archive = opened(() => Archive.open(target, APPEND_READ_CACHE), journal)
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
            loadMembers: (id) => Array.from({ length: archive.groups[id].deltas }, (_, m) => archive.delta(id, m)),
          },
        }),
        writeArchive(target, {
          summary,
          append: { length: archive.length, footer: archive.footer, nextPack: archive.packs.length },
        }),
      ),
      { memory, signal: env.signal, progress: env.progress },
    )
    summarize(env, "append", target, summary, stats, report)
  } finally {
    archive.close()
    journal.end()
  }
}

/** The archive `open` gives; the journal ends when it cannot be opened. */
function opened(open: () => Archive, journal: { end(): void }): Archive {
  try {
    return open()
  } catch (e) {
    journal.end()
    throw e
  }
}

export function listCommand(argv: string[], env: CommandEnv): Promise<void> {
  const p = parseCommand(argv, { contigs: "flag", sample: "string" }, LIST_HELP)
  if (!p) return Promise.resolve()
  const { positional, options: o } = p
  if (positional.length < 1) throw new UsageError("expected an archive (brook list --help)")
  const [file, ...names] = positional
  const contigs = o.contigs === true || names.length > 0
  if (o.sample !== undefined && !contigs) throw new UsageError("--sample lists contigs: add --contigs")
  requireZstd()
  undoKilledAppend(file)
  const a = Archive.open(file)
  try {
    const lines = contigs ? ["sample\tcontig\tbases"] : ["sample\tcontigs\tbases\tfile\tbytes"]
    if (!contigs) {
      for (const s of a.samples) {
        const bases = s.contigs.reduce((t, c) => t + c.side.length, 0)
        lines.push(`${s.name}\t${s.contigs.length}\t${bases}\t${s.file}\t${s.size}`)
      }
    } else if (names.length === 0) {
      for (const s of o.sample !== undefined ? [a.sample(o.sample as string)] : a.samples) {
        for (const c of s.contigs) lines.push(`${s.name}\t${contigName(c.side.header)}\t${c.side.length}`)
      }
    } else {
      for (const text of names) {
        const { contig, sample } = contigOf(a, text, o.sample as string | undefined)
        const found = contig === ""
          ? a.sample(sample!).contigs.map((c) => ({ sample: a.sample(sample!), contig: c }))
          : a.findContigs(contig, sample)
        for (const f of found) {
          lines.push(`${f.sample.name}\t${contigName(f.contig.side.header)}\t${f.contig.side.length}`)
        }
      }
    }
    process.stdout.write(lines.join("\n") + "\n")
    env.log(
      `${file}: ${a.samples.length} samples, ${a.groups.length} groups, ${a.packs.length} packs, ${a.length} bytes (k ${a.params.k}, ${a.params.splitters.length} splitters)`,
    )
  } finally {
    a.close()
  }
  return Promise.resolve()
}

export async function unpackCommand(argv: string[], env: CommandEnv): Promise<void> {
  const p = parseCommand(argv, { sample: "string", contig: "string", out: "string", memory: "string" }, UNPACK_HELP)
  if (!p) return
  const { positional, options: o } = p
  if (positional.length < 1) throw new UsageError("expected an archive (brook unpack --help)")
  const [file, ...specs] = positional
  if (specs.length > 0 && o.contig !== undefined) {
    throw new UsageError("give contigs as C@S after ARCHIVE or one --contig, not both")
  }
  const cache = unpackCache(memoryOption(o) ?? DEFAULT_CACHE)
  if (o.out !== undefined && o.out !== "-") checkWritable(o.out as string, { directory: true })
  requireZstd()
  const texts = o.contig !== undefined ? [o.contig as string] : specs
  const ranges = texts.map((t) => ({ text: t, ...parseContig(t)! }))
  undoKilledAppend(file)
  const a = Archive.open(file, cache)
  try {
    const target = o.out as string | undefined
    const toDir = target !== undefined && !ranges.length && o.sample === undefined && fs.existsSync(target) &&
      fs.statSync(target).isDirectory()
    if (toDir) {
      for (const s of a.samples) {
        await toFile(path.join(target!, s.file.replace(/\.gz$/i, "")), (w) => a.restoreSample(s, w))
      }
    } else {
      // every name is looked up before anything is written
      const wanted = ranges.map((range) => {
        const { contig, sample } = contigOf(a, range.name, o.sample as string | undefined)
        if (contig === "") throw new UsageError(`'${range.text}': name a contig before @${sample}`)
        return { range, found: a.findContigs(contig, sample) }
      })
      await output(target, (w) => {
        if (wanted.length) {
          for (const { range, found } of wanted) {
            for (const { contig } of found) {
              a.restoreContig(contig, w, range.from === undefined ? undefined : [range.from, range.to!])
            }
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

/**
 * AGC's `contig@sample` (and `@sample`: every contig of it): the contig's name and sample. The text after the
 * last @ is a sample only when the archive has one of that name (a contig's name may hold an @); `--sample`
 * applies when the text names none.
 */
export function contigOf(a: Archive, text: string, sample?: string): { contig: string; sample?: string } {
  const at = text.lastIndexOf("@")
  if (at >= 0 && a.samples.some((s) => s.name === text.slice(at + 1))) {
    const named = text.slice(at + 1)
    if (sample !== undefined && sample !== named) {
      throw new UsageError(`'${text}' names sample ${named}, --sample ${sample}`)
    }
    return { contig: text.slice(0, at), sample: named }
  }
  if (at === 0) a.sample(text.slice(1)) // "@nope": says there is no such sample
  return { contig: text, sample }
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

/**
 * What unpack holds beyond its cache of packs: a pack being decompressed and zstd's context, references joined
 * for a delta, the FASTA writer, and the garbage between two collections. bench/budget_matrix.sh measured
 * 17-24 MB above the cache plus the baseline (`unpack` of 11 samples, caches of 4 and 16 MiB, Bun).
 */
export const UNPACK_WORKING_BYTES = 24 << 20
/** The smallest cache of packs: a few packs of 60 kbp segments. */
export const UNPACK_MIN_CACHE = 4 << 20

/** The cache of packs `--memory` leaves once the working memory is held back, or BudgetExceeded before any read. */
export function unpackCache(memory: number): number {
  if (memory < UNPACK_WORKING_BYTES + UNPACK_MIN_CACHE) {
    throw new BudgetExceeded({
      operator: "unpack",
      needed: UNPACK_WORKING_BYTES + UNPACK_MIN_CACHE,
      available: memory,
      detail: `${formatBytes(UNPACK_WORKING_BYTES)} of working memory and a cache of packs of at least ${
        formatBytes(UNPACK_MIN_CACHE)
      }`,
    })
  }
  return memory - UNPACK_WORKING_BYTES
}

/**
 * Restored bytes between two forced collections. Restoring is one synchronous loop per sample: the packs it
 * decompresses past the cache and the pieces it writes are garbage the engines let pile up (unpack of 111 MB
 * peaked 61 MB above a 16 MiB cache plus the baseline with none, 52 MB with one every 8 MiB, 33 MB every MiB).
 */
const RESTORED_PER_COLLECTION = 1 << 20

/** `write`, with a collection after every RESTORED_PER_COLLECTION bytes. */
function collecting(write: (b: Uint8Array) => void): (b: Uint8Array) => void {
  const pace = new CollectionPace(RESTORED_PER_COLLECTION)
  return (b) => {
    write(b)
    pace.count(b.length)
    pace.collectIfDue()
  }
}

async function output(target: string | undefined, body: (write: (b: Uint8Array) => void) => void): Promise<void> {
  if (target === undefined || target === "-") {
    body(collecting((b) => {
      let done = 0
      while (done < b.length) done += fs.writeSync(1, b, done, b.length - done)
    }))
    return
  }
  await toFile(target, body)
}

function toFile(target: string, body: (write: (b: Uint8Array) => void) => void): Promise<void> {
  return Effect.runPromise(Effect.scoped(Effect.gen(function* () {
    const out = yield* atomicOutput(target)
    const fd = fs.openSync(out.tempPath, "w")
    try {
      body(collecting((b) => {
        let done = 0
        while (done < b.length) done += fs.writeSync(fd, b, done, b.length - done)
      }))
      fs.closeSync(fd)
    } catch (e) {
      fs.closeSync(fd)
      throw outputFailed(target, e)
    }
    out.commit()
  })))
}
