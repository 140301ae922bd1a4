/**
 * segmentPack: groups segments by their boundary-k-mer key; a group's first segment is its
 * reference (sent on at once as a reference pack), later ones are deltas (delta.ts) against it or,
 * when one is closer, against an earlier member of the group (its base; members.ts finds the nearest
 * by mutation signature), with chains of bases at most `chain` deltas deep; PACK_CARDINALITY to a
 * pack, in columns (pack_columns.ts), compressed with zstd and sent on as soon as the pack is full.
 * Open packs are sealed early when the budget requires it. The budget covers group references, their
 * seed indexes and the open packs (groups.ts states the per-group cost and what happens beyond it),
 * and PACKS_IN_FLIGHT bytes of sealed packs being compressed. With threads > 1, pack workers compress
 * them while this thread goes on; pack_queue.ts keeps the archive's order, so its bytes do not change.
 */
import * as Effect from "effect/Effect"
import type { PackEvent, Segment, SegmentEvent, StreamInfo } from "../../core/batches.ts"
import { CollectionPace } from "../../core/gc.ts"
import { ByteWriter } from "../../core/bytes.ts"
import { BudgetExceeded } from "../../core/errors.ts"
import type { Transform } from "../../core/operator.ts"
import { scopedTempFile } from "../../core/tempfile.ts"
import { workerPool } from "../../core/workers.ts"
import { DELTA_LEVEL, REF_LEVEL } from "../../formats/brk/codec.ts"
import { buildIndex, encodeDelta, indexBytes, signature } from "../../formats/brk/delta.ts"
import { toColumns } from "../../formats/brk/pack_columns.ts"
import { GroupStore } from "./groups.ts"
import { NO_BASE } from "./members.ts"
import { type PackerEvent, PackQueue } from "./pack_queue.ts"
import type { PackResult, PackTask } from "./pack_worker.ts"

/** Deltas per pack: AGC's pack cardinality (50); a restore decompresses at most this many deltas it does not need. */
export const PACK_CARDINALITY = 50
/**
 * A segment with a new key is kept as a delta against related groups (those sharing a boundary k-mer:
 * its middle splitter was lost to a SNP or a deletion) when that is at least this many times smaller
 * than its bases; otherwise it starts a group of its own (new sequence that later samples may share).
 */
export const RELATED_GAIN = 4
/** The smallest store that packs a collection of 60 kbp segments without thrashing: a few groups' worth. */
export const MIN_STORE = 8 << 20
/**
 * Bytes of packs in flight to the pack workers (inputs and compressed copies): carved from the
 * stage's share whatever the number of threads, so that the group store, hence the archive, is the
 * same for every --threads.
 */
export const PACKS_IN_FLIGHT = 4 << 20
/**
 * Bytes of one pack worker's own heap (its isolate, zstd's context, the packs it holds), which the budget
 * would not see otherwise: bench/budget_matrix.sh measured Deno's peak RSS 24 MiB higher with one worker
 * (`pack -j 2 --memory 40MB`), Bun's 2 MiB. Counted in the plan for each worker, out of the group store:
 * with workers under a small budget the store is smaller, and packs may be sealed earlier than with one thread.
 */
export const PACK_WORKER_BYTES = 24 << 20

/**
 * The longest chain of bases (D): restoring a segment decodes its group's reference and at most D
 * deltas. Measured on the tree collection of tests/operators/segment_pack/genomes.ts and on real
 * collections (BENCHMARKS.md "Genome collections: bases"): see there for bytes against D.
 */
export const DEFAULT_CHAIN = 4

/** Bases packed between forced collections (checked at contig ends): 2 MiB, so a bacterial chromosome each. */
const COLLECT_EVERY = 2 << 20

/** Groups already in an archive being appended to. */
export interface ExistingGroups {
  /** Their keys and delta counts. */
  readonly groups: ReadonlyArray<{ a: bigint; b: bigint; deltas: number }>
  readonly loadRef: (id: number) => Uint8Array
  /** Group id's deltas in order, as stored, each with its chain depth (NO_BASE: encoded against related groups). */
  readonly loadMembers: (id: number) => Array<{ bytes: Uint8Array; depth: number }>
}

export interface SegmentPackOptions {
  readonly existing?: ExistingGroups
  /** The longest chain of bases (DEFAULT_CHAIN); 0 encodes every delta against its group's reference. */
  readonly chain?: number
  /** Filled when the stage ends: how the group store coped with its cap. */
  readonly stats?: PackStats
  /**
   * Threads: 1 compresses packs on the main thread; N > 1 starts N - 1 pack workers that compress
   * sealed packs while the main thread reads, cuts and delta-encodes. Default: DEFAULT_THREADS.
   */
  readonly threads?: number
}

export interface PackStats {
  /** Bytes the group store could hold, and the most it held (references, indexes, open packs). */
  capacity: number
  peak: number
  /** References spilled to the temp file, indexes rebuilt after being dropped, packs sealed before they were full. */
  spills: number
  rebuilds: number
  earlySeals: number
  /** Pack workers, and the most bytes of packs in flight to them at once. */
  workers: number
  inFlightPeak: number
}

interface OpenPack {
  w: ByteWriter
  first: number
  count: number
}

/** The pure core: feed segments, collect events. Used by the stage and by tests. */
export class Packer {
  private readonly open = new Map<number, OpenPack>()
  private openBytes = 0
  /** Packs sealed before they were full, to stay in budget. */
  earlySeals = 0
  /** The most the store and the open packs held. */
  peak = 0

  constructor(
    readonly store: GroupStore,
    private readonly out: (e: PackerEvent) => void,
    private readonly chain = DEFAULT_CHAIN,
    private readonly loadMembers?: ExistingGroups["loadMembers"],
  ) {}

  /** Group g's members, loaded from the archive being appended to when it has some not loaded yet. */
  private members(g: number) {
    const store = this.store
    const have = store.members(g)
    if (have) return have
    const members = store.startMembers(g)
    if (store.deltas[g] > 0 && this.loadMembers) {
      const ref = store.ref(g)
      for (const m of this.loadMembers(g)) {
        this.fit(g, indexBytes(ref.length))
        const ops = new ByteWriter(64 + (m.bytes.length >>> 6))
        encodeDelta(m.bytes, ref, store.index(g), ops)
        store.addMember(g, signature(ops.view()), m.depth, ops.view(), m.bytes.length)
      }
    }
    return members
  }

  /** A sample starts: from the second on, a segment with a new key may be encoded against related groups. */
  sampleStart(): void {
    this.related = this.store.size > 0
  }
  private related = false

  add(s: Segment): void {
    const store = this.store
    const g = store.find(s.a, s.b)
    if (g !== undefined) {
      const members = this.members(g)
      if (!store.hasIndex(g)) this.fit(g, indexBytes(store.refLength(g)))
      const ops = new ByteWriter(64 + (s.bytes.length >>> 6))
      encodeDelta(s.bytes, store.ref(g), store.index(g), ops)
      const sig = signature(ops.view())
      let best = ops, base = -1, baseLength = store.refLength(g)
      const near = this.chain > 0 ? members.nearest(sig, this.chain) : undefined
      if (near !== undefined) {
        const length = store.memberLength(g, near)
        this.fit(g, length + indexBytes(length))
        const m = store.member(g, near)
        const alt = new ByteWriter(64 + (s.bytes.length >>> 6))
        encodeDelta(s.bytes, m, buildIndex(m), alt)
        if (alt.length < ops.length) [best, base, baseLength] = [alt, near, length]
      }
      const depth = base < 0 ? 1 : members.depths[base] + 1
      const item = new ByteWriter(best.length + 16).uint(base + 1).uint(0).int(s.bytes.length - baseLength)
        .bytes(best.view())
      this.fit(g, 24 * sig.length)
      store.addMember(g, sig, depth, ops.view(), s.bytes.length)
      return this.append(g, item.view(), s)
    }
    const near = this.related ? store.related(s.a, s.b) : []
    if (near.length > 0) {
      const refs = near.map((x) => store.ref(x))
      const n = refs.reduce((t, r) => t + r.length, 0)
      this.fit(near[0], n + indexBytes(n))
      const all = new Uint8Array(n)
      refs.reduce((at, r) => (all.set(r, at), at + r.length), 0)
      const item = new ByteWriter(64 + (s.bytes.length >>> 6)).uint(0).uint(near.length - 1)
      for (const x of near.slice(1)) item.uint(x)
      item.int(s.bytes.length - n)
      encodeDelta(s.bytes, all, buildIndex(all), item)
      if (item.length * RELATED_GAIN <= s.bytes.length) {
        this.members(near[0])
        store.addMember(near[0], new Int32Array(0), NO_BASE, new Uint8Array(0), 0)
        return this.append(near[0], item.view(), s)
      }
    }
    this.fit(-1, s.bytes.length)
    const id = store.add(s.a, s.b, s.bytes)
    this.out({ kind: "group", id, a: s.a, b: s.b })
    const job = { ref: true, level: REF_LEVEL, bytes: s.bytes as Uint8Array<ArrayBuffer> }
    this.out({ kind: "pack", group: id, ref: true, first: 0, count: 1, job })
    this.out({ kind: "place", group: id, ordinal: -1, rc: s.rc, skip: s.skip, length: s.bytes.length - s.skip })
  }

  /** Seals every open pack. */
  finish(): void {
    for (const g of [...this.open.keys()]) this.seal(g)
  }

  /** Adds an encoded item to group g's open pack (sealed when full) and places the segment. */
  private append(g: number, item: Uint8Array, s: Segment): void {
    let p = this.open.get(g)
    if (!p) this.open.set(g, p = { w: new ByteWriter(4096), first: this.store.deltas[g], count: 0 })
    const before = p.w.length
    p.w.blob(item)
    this.openBytes += p.w.length - before
    this.out({
      kind: "place",
      group: g,
      ordinal: this.store.deltas[g]++,
      rc: s.rc,
      skip: s.skip,
      length: s.bytes.length - s.skip,
    })
    if (++p.count === PACK_CARDINALITY) this.seal(g)
    this.fit(g, 0)
  }

  private seal(g: number): void {
    const p = this.open.get(g)
    if (!p) return
    this.open.delete(g)
    this.openBytes -= p.w.length
    const body = toColumns(new ByteWriter(p.w.length + 8).uint(p.count).bytes(p.w.view()).view())
    this.out({
      kind: "pack",
      group: g,
      ref: false,
      first: p.first,
      count: p.count,
      job: { ref: false, level: DELTA_LEVEL, bytes: body as Uint8Array<ArrayBuffer> },
    })
  }

  /**
   * Makes room for `extra` more bytes before they are allocated: drops indexes, spills references
   * (never group `keep`'s), then seals open packs early, largest first.
   */
  private fit(keep: number, extra: number): void {
    const cap = this.store.capacity
    if (this.store.used + this.openBytes + extra > cap) {
      this.store.shrink(this.openBytes + extra, keep)
      while (this.store.used + this.openBytes + extra > cap && this.open.size > 0) {
        let biggest = -1, size = -1
        for (const [g, p] of this.open) if (p.w.length > size) [biggest, size] = [g, p.w.length]
        this.seal(biggest)
        this.earlySeals++
      }
    }
    this.peak = Math.max(this.peak, this.store.used + this.openBytes + extra)
  }
}

/** A pack worker; in a `bun build --compile` binary Bun finds it by its path from the repository root. */
export const spawnPackWorker = () =>
  new Worker(
    import.meta.url.includes("/$bunfs/")
      ? "./operators/segment_pack/pack_worker.ts"
      : new URL(import.meta.url.endsWith(".ts") ? "./pack_worker.ts" : "./pack_worker.js", import.meta.url), // sources, or the package's lib/
    { type: "module" },
  )

/**
 * One thread: on the 2-core machine of BENCHMARKS.md ("--threads"), one pack worker beside the main
 * thread made no measurable difference to bench/genomes.sh's collection (zstd of the sealed packs is
 * about 0.3 s of 3.4 s), so the default starts none.
 */
export const DEFAULT_THREADS = 1

/** The segmentPack stage. */
export function segmentPack(options: SegmentPackOptions = {}): Transform<SegmentEvent, PackEvent> {
  const name = "segmentPack"
  const threads = Math.max(1, Math.floor(options.threads ?? DEFAULT_THREADS))
  const workers = (threads - 1) * PACK_WORKER_BYTES
  const minimum = MIN_STORE + PACKS_IN_FLIGHT + workers
  return {
    kind: "transform",
    name,
    weight: 1,
    describe: (up: StreamInfo) => Effect.succeed(up),
    minimum: () => minimum,
    plan: (share) =>
      share < minimum
        ? Effect.fail(new BudgetExceeded({ operator: name, needed: minimum, available: share }))
        : Effect.succeed({
          bytes: share,
          notes: `group store ${Math.round((share - PACKS_IN_FLIGHT - workers) / 2 ** 20)} MiB, ${
            PACKS_IN_FLIGHT >> 20
          } MiB of packs in flight, ${threads - 1} pack workers`,
        }),
    make: (plan) =>
      Effect.gen(function* () {
        const spill = yield* scopedTempFile("segments")
        const store = new GroupStore(plan.bytes - PACKS_IN_FLIGHT - workers, () => spill, options.existing?.loadRef)
        yield* Effect.addFinalizer(() => Effect.sync(() => store.close()))
        for (const g of options.existing?.groups ?? []) store.add(g.a, g.b, undefined, g.deltas)
        const pool = threads > 1
          ? yield* Effect.orDie(
            workerPool<PackTask, PackResult>(spawnPackWorker, threads - 1, () => ({ type: "init" })),
          )
          : undefined
        let controller: TransformStreamDefaultController<PackEvent>
        const queue = new PackQueue(pool, PACKS_IN_FLIGHT, (e) => controller.enqueue(e))
        const packer = new Packer(store, (e) => queue.push(e), options.chain, options.existing?.loadMembers)
        const pace = new CollectionPace(COLLECT_EVERY)
        return new TransformStream<SegmentEvent, PackEvent>({
          start(c) {
            controller = c
          },
          transform(e, c) {
            controller = c
            if (e.kind === "segment") {
              packer.add(e)
              pace.count(e.bytes.length)
            } else {
              if (e.kind === "sample") packer.sampleStart()
              // forced at a contig's end once COLLECT_EVERY bases have gone through: a 4 Mbp contig's segment
              // copies and delta scratch are tens of MB of garbage (25 MB over --memory 40MB with the collection
              // throttled to once a second, bench/budget_matrix.sh), while a collection after each of 418 30 kbp
              // genomes took 75 % of pack's time (sars2-418: 2.3 s against 0.6 s)
              if (e.kind === "contigEnd") pace.collectIfDue()
              queue.push(e)
            }
            return queue.settle()
          },
          async flush(c) {
            controller = c
            packer.finish()
            await queue.finish()
            if (options.stats) {
              Object.assign(
                options.stats,
                {
                  capacity: store.capacity,
                  peak: packer.peak,
                  spills: store.spills,
                  rebuilds: store.rebuilds,
                  earlySeals: packer.earlySeals,
                  workers: threads - 1,
                  inFlightPeak: queue.peak,
                } satisfies PackStats,
              )
            }
          },
        })
      }),
  }
}
