/**
 * tiledCosine: every pair of rows (i < j of one input, or A x B of two) whose cosine exceeds a
 * threshold, computed tile by tile on Web Workers by a WebAssembly SIMD kernel, without ever holding
 * a score matrix. Rows are normalised once and packed; when they do not fit the operator's share
 * they are spilled to a temp file and joined block by block (block nested loop join).
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import type { ScoredPairs, StreamInfo } from "../../core/batches.ts"
import { MemoryBudget } from "../../core/budget.ts"
import { InvalidInput, InvalidOption } from "../../core/errors.ts"
import type { Source, Transform } from "../../core/operator.ts"
import { Progress } from "../../core/progress.ts"
import { readAt, writeAll } from "../../core/files.ts"
import { collectGarbageNow } from "../../core/gc.ts"
import { scopedTempFile } from "../../core/tempfile.ts"
import { workerPool } from "../../core/workers.ts"
import type { EmbeddingRows } from "../../sources/read_embeddings.ts"
import {
  expandedABytes,
  f32Below,
  type KernelVariant,
  packed8Bytes,
  packedBytes,
  packNormalised,
  paddedDim,
  PANEL_ROWS,
  pickVariant,
  quantiseRows,
  screenMargin,
  STATE_BYTES,
} from "./kernel.ts"
import {
  metaBytes,
  metaInvAt,
  metaTable,
  minimumBytes,
  planTiles,
  resultWindow,
  scratchPerWorker,
  SLOT_BYTES,
  SLOT_PAIRS,
  STAGING_ROWS,
  TASK_A_ROWS,
  TASK_B_ROWS,
  TASKS_PER_WORKER,
  type TilePlan,
} from "./plan.ts"
import type { TileResult, TileTask, WorkerInit } from "./worker.ts"

export interface TiledCosineOptions {
  /** Pairs with cosine strictly above this leave the operator. */
  readonly threshold: number
  /** Tile workers (default: one per core). */
  readonly threads?: number
  /** A x B mode: pair every row of the input with every row of this second source. */
  readonly against?: Source<EmbeddingRows>
  /** Force the kernel variant (tests); default the fastest the runtime validates. */
  readonly kernel?: KernelVariant
  /** Spill to a temp file even when the rows fit (tests). */
  readonly forceSpill?: boolean
  /**
   * Compute only part `index` (0-based) of `count` of the tile grid: every count-th tile, so k
   * processes (a Slurm array, a Kubernetes indexed Job) share the work evenly and their outputs'
   * union is the unsharded output. Each still reads every row.
   */
  readonly shard?: { readonly index: number; readonly count: number }
}

/**
 * A tile worker. In a `bun build --compile` binary (npm run build:binary) modules live under /$bunfs/,
 * where Bun finds the worker, built as a second entry point, only by its path from the repository root.
 */
const spawnTileWorker = () =>
  new Worker(
    import.meta.url.includes("/$bunfs/")
      ? "./operators/tiled_cosine/worker.ts"
      : new URL(import.meta.url.endsWith(".ts") ? "./worker.ts" : "./worker.js", import.meta.url), // sources, or the package's lib/
    { type: "module" },
  )

const defaultThreads = () =>
  Math.max(1, (os as { availableParallelism?: () => number }).availableParallelism?.() ?? os.cpus().length)

export function tiledCosine(options: TiledCosineOptions): Transform<EmbeddingRows, ScoredPairs> {
  const name = "tiledCosine"
  const threads = Math.max(1, Math.floor(options.threads ?? defaultThreads()))
  const cross = options.against !== undefined
  const kernel = pickVariant(options.kernel)
  let infoB: StreamInfo = {}
  const planInput = (info: StreamInfo) => ({
    rowsA: info.rows ?? 0,
    rowsB: cross ? infoB.rows ?? 0 : info.rows ?? 0,
    dim: info.dim ?? 1,
    threads,
    cross,
    variant: kernel.variant,
    forceSpill: options.forceSpill,
  })
  return {
    kind: "transform",
    name,
    weight: 1,
    describe: (up) =>
      Effect.gen(function* () {
        const t = options.threshold
        if (!Number.isFinite(t) || t < -1 || t > 1) {
          return yield* new InvalidOption({ option: "threshold", reason: `${t} is not a cosine in [-1, 1]` })
        }
        const sh = options.shard
        if (
          sh &&
          !(Number.isInteger(sh.count) && sh.count >= 1 && Number.isInteger(sh.index) && sh.index >= 0 &&
            sh.index < sh.count)
        ) {
          return yield* new InvalidOption({
            option: "shard",
            reason: `${sh.index}/${sh.count}: expected i/k with 0 <= i < k`,
          })
        }
        if (up.dim === undefined || up.rows === undefined) {
          return yield* new InvalidOption({
            option: "input",
            reason: "tiledCosine needs the row count and dimension up front",
          })
        }
        if (options.against) {
          infoB = yield* options.against.describe({})
          if (infoB.dim !== up.dim) {
            return yield* new InvalidInput({
              file: infoB.file ?? "second input",
              reason: `dimension ${infoB.dim} differs from the first input's ${up.dim}`,
            })
          }
        }
        return {
          ...up,
          threshold: t,
          pairing: cross ? "cross" : "self",
          idsB: cross ? infoB.ids : up.ids,
          shard: options.shard ? `${options.shard.index}/${options.shard.count}` : undefined,
        } as StreamInfo
      }),
    minimum: (info) => minimumBytes(planInput(info)) + (options.against?.minimum(infoB) ?? 0),
    plan: (share, info) => {
      const b = options.against ? options.against.minimum(infoB) : 0
      return planTiles(share - b, planInput(info)).pipe(
        Effect.map((p) => ({ ...p, bytes: p.bytes + b, sourceB: b, notes: `${p.notes}, ${kernel.variant} kernel` })),
      )
    },
    make: (planIn, info) =>
      Effect.gen(function* () {
        const plan = planIn as TilePlan & { sourceB: number }
        const budget = yield* MemoryBudget
        const progress = yield* Progress
        yield* budget.reserve(name, plan.bytes - plan.sourceB)
        const dim = info.dim!
        const { variant, bytes } = kernel
        const int8 = variant === "int8"
        const rowsInA = info.rows!
        const rowsInB = cross ? infoB.rows! : rowsInA
        // shared memory: worker scratch | result slots | metadata of A (and B) | region A | region B
        const scratchEach = scratchPerWorker(variant, dim)
        const window = resultWindow(threads)
        const slots = align(threads * scratchEach)
        const metaA = align(slots + window * SLOT_BYTES)
        const metaB = cross ? align(metaA + metaBytes(rowsInA)) : metaA
        const memoryMode = plan.mode === "memory"
        const regionA = new Region(align(metaB + metaBytes(rowsInB)), memoryMode ? rowsInA : plan.blockRowsA, dim, int8)
        const regionB = cross || !memoryMode
          ? new Region(regionA.end, memoryMode ? rowsInB : plan.blockRowsB, dim, int8)
          : regionA
        const pages = Math.max(1, Math.ceil(Math.max(regionA.end, regionB.end) / 65536))
        // let, not const: the tiles done, these are dropped so that the memory can go (see `done`)
        let memory: WebAssembly.Memory | undefined = new WebAssembly.Memory({
          initial: pages,
          maximum: pages,
          shared: true,
        })
        let heap: SharedArrayBuffer | undefined = memory.buffer as unknown as SharedArrayBuffer
        const thrExact = f32Below(options.threshold)
        // a worker that cannot start is a defect of the installation, not of the input
        const pool = yield* Effect.orDie(workerPool<TileTask, TileResult>(
          spawnTileWorker,
          threads,
          (k): WorkerInit => ({
            type: "init",
            memory: memory!,
            variant,
            bytes,
            dim,
            scratch: k * scratchEach,
            corr: k * scratchEach + STATE_BYTES + expandedABytes(TASK_A_ROWS, dim),
            thrExact,
          }),
        ))
        const streamB = options.against ? yield* yield_(options.against, plan.sourceB, infoB) : undefined
        const spill = (tag: string) => (memoryMode ? Effect.succeed(undefined) : scopedTempFile(tag))
        const filesA = { f32: yield* spill("rows-a"), q8: int8 ? yield* spill("rows-a-int8") : undefined }
        const filesB = cross
          ? { f32: yield* spill("rows-b"), q8: int8 ? yield* spill("rows-b-int8") : undefined }
          : filesA
        let ingestA: Ingest | undefined = new Ingest(
          heap,
          dim,
          int8,
          metaA,
          rowsInA,
          memoryMode ? regionA : undefined,
          filesA,
          info.file,
        )

        // ---- ingest: normalise and pack rows into memory or into the spill files
        let rowsA = 0
        let rowsB = 0
        let mapA: Uint32Array | undefined
        let mapB: Uint32Array | undefined
        let ingested!: () => void
        let ingestFailed!: (e: unknown) => void
        const ready = new Promise<void>((resolve, reject) => {
          ingested = resolve
          ingestFailed = reject
        })
        ready.catch(() => {}) // observed by pull; an upstream failure must not also be unhandled here
        let ingestB: Ingest | undefined
        const finishIngest = async () => {
          rowsA = ingestA!.finish()
          mapA = ingestA!.rowMap
          if (streamB) {
            ingestB = new Ingest(
              heap!,
              dim,
              int8,
              metaB,
              rowsInB,
              memoryMode ? regionB : undefined,
              filesB,
              infoB.file,
            )
            const reader = streamB.getReader()
            for (let r = await reader.read(); !r.done; r = await reader.read()) ingestB!.add(r.value)
            rowsB = ingestB.finish()
            mapB = ingestB.rowMap
          } else {
            rowsB = rowsA
            mapB = mapA
          }
          ingested()
        }
        const writable = new WritableStream<EmbeddingRows>({
          write(batch) {
            try {
              ingestA!.add(batch)
            } catch (e) {
              ingestFailed(e)
              throw e
            }
          },
          async close() {
            try {
              await finishIngest()
            } catch (e) {
              ingestFailed(e)
              throw e
            }
          },
          abort(reason) {
            // upstream failed or the run was cancelled: the readable side must fail too, not wait
            ingestA?.finish()
            ingestFailed(reason)
          },
        })

        // ---- tiles: enumerate tasks in a fixed order, run them on the pool, emit results in that order
        let tasks: Generator<Planned> | undefined
        let totalTasks = 0, tilesDone = 0, pairsFound = 0
        let nextId = 0
        let nextEmit = 0
        let inflight = 0
        let exhausted = false
        let pendingTask: Planned | undefined
        let loaded: { ab: number; bb: number } | undefined
        let thrScreen = 0
        let boundsA: TileBounds | undefined
        let boundsB: TileBounds | undefined
        // task id -> pairs in its slot (slot = id % window: at most `window` tasks are not yet emitted)
        const results = new Map<number, number>()
        let wake: (() => void) | undefined
        let failure: unknown
        const fds: { a?: SpillFds; b?: SpillFds } = {}
        const slotAt = (id: number) => slots + (id % window) * SLOT_BYTES

        const grid = (): Grid => ({
          rowsA,
          rowsB,
          blockA: memoryMode ? rowsA : plan.blockRowsA,
          blockB: memoryMode ? rowsB : plan.blockRowsB,
          self: !cross,
        })

        const load = (p: Planned) => {
          fds.a ??= openSpill(filesA)
          fds.b ??= cross ? openSpill(filesB) : fds.a
          if (!loaded || loaded.ab !== p.ab) regionA.read(heap!, fds.a, p.blockA0, p.blockARows)
          if ((cross || p.bb !== p.ab) && (!loaded || loaded.bb !== p.bb)) {
            regionB.read(heap!, fds.b, p.blockB0, p.blockBRows)
          }
          loaded = { ab: p.ab, bb: p.bb }
        }

        const task = (p: Planned): TileTask => {
          const rb = !cross && (memoryMode || p.ab === p.bb) ? regionA : regionB
          return {
            type: "tile",
            id: p.id,
            // int8: blocks are screened with the two tiles' largest quantisation bound, then pair by pair
            thrScreen: int8
              ? f32Below(thrExact - boundsA!.margin(p.aRow0, p.aRows, boundsB!, p.bRow0, p.bRows))
              : thrScreen,
            a: regionA.f32At(p.aRow0 - p.blockA0),
            a8: regionA.q8At(p.aRow0 - p.blockA0),
            invA: metaInvAt(metaA, p.aRow0),
            tableA: metaTable(rowsInA),
            aRow0: p.aRow0,
            aRows: p.aRows,
            b: rb.f32At(p.bRow0 - p.blockB0),
            b8: rb.q8At(p.bRow0 - p.blockB0),
            invB: metaInvAt(metaB, p.bRow0),
            tableB: metaTable(rowsInB),
            bRow0: p.bRow0,
            bRows: p.bRows,
            diag: !cross && p.bRow0 < p.aRow0 + p.aRows,
            out: slotAt(p.id),
            cap: SLOT_PAIRS,
          }
        }

        const dispatch = () => {
          while (!exhausted && inflight < pool.size * TASKS_PER_WORKER && nextId - nextEmit < window) {
            const p = pendingTask ?? tasks!.next().value
            pendingTask = undefined
            if (!p) {
              exhausted = true
              break
            }
            if (!memoryMode && (!loaded || loaded.ab !== p.ab || loaded.bb !== p.bb)) {
              if (inflight > 0) {
                pendingTask = p // wait until the tiles on the loaded blocks are done
                break
              }
              load(p)
            }
            let k = 0
            for (let w = 1; w < pool.size; w++) if (pool.pending(w) < pool.pending(k)) k = w
            inflight++
            nextId++
            pool.run(k, task(p)).then((r) => {
              inflight--
              results.set(r.id, r.count)
              // tiles finish out of order: count them, and the pairs they found
              tilesDone++
              pairsFound += r.count
              progress.update(name, {
                done: tilesDone,
                total: totalTasks,
                unit: "tiles",
                items: { count: pairsFound, unit: "pairs" },
              })
              wake?.()
            }, (e) => {
              failure = e
              wake?.()
            })
          }
        }

        // the results of consecutive finished tasks from nextEmit on, copied out of their slots into one
        // batch (up to EMIT_PAIRS pairs, or one task's); their slots are free again afterwards
        const drain = (): ScoredPairs => {
          let total = 0, end = nextEmit
          while (results.has(end) && (end === nextEmit || total + results.get(end)! <= EMIT_PAIRS)) {
            total += results.get(end)!
            end++
          }
          const i = new Uint32Array(total), j = new Uint32Array(total), score = new Float32Array(total)
          let at = 0
          for (let id = nextEmit; id < end; id++) {
            const count = results.get(id)!
            results.delete(id)
            if (count === 0) continue
            const slot = slotAt(id), h = heap!
            i.set(new Uint32Array(h, slot, count), at)
            j.set(new Uint32Array(h, slot + 4 * SLOT_PAIRS, count), at)
            score.set(new Float32Array(h, slot + 8 * SLOT_PAIRS, count), at)
            at += count
          }
          nextEmit = end
          return translate(i, j, score, mapA, mapB)
        }

        const closeFiles = () => {
          for (const f of new Set([fds.a, fds.b])) if (f) closeSpill(f)
          fds.a = fds.b = undefined
        }

        // every pair is out: the spill files close, the workers end, the shared memory is dropped and the
        // reservation goes back to the budget now, for the stages after this one (leidenRecursive builds
        // its graph once the last pair has arrived), instead of when the run ends
        const done = () => {
          closeFiles()
          pool.close()
          memory = heap = undefined
          ingestA = ingestB = undefined
          boundsA = boundsB = undefined
          budget.ledger.release(name, plan.bytes - plan.sourceB)
        }

        const readable = new ReadableStream<ScoredPairs>({
          async pull(controller) {
            if (!tasks) {
              await ready
              // the float kernels' FMA rounding bound (the int8 screen's margin is per tile pair: see task)
              thrScreen = Math.fround(thrExact - screenMargin(variant, dim))
              if (int8) {
                boundsA = new TileBounds(ingestA!.res, ingestA!.npr, rowsA)
                boundsB = ingestB ? new TileBounds(ingestB.res, ingestB.npr, rowsB) : boundsA
              }
              totalTasks = countTasks(grid(), options.shard)
              tasks = enumerate(grid(), options.shard)
            }
            for (;;) {
              if (failure) throw failure
              if (results.has(nextEmit)) {
                const batch = drain()
                if (batch.length > 0) {
                  controller.enqueue(batch)
                  return
                }
                continue
              }
              dispatch()
              collectGarbageNow()
              if (exhausted && inflight === 0 && results.size === 0) {
                done()
                controller.close()
                return
              }
              await new Promise<void>((r) => (wake = r))
              wake = undefined
            }
          },
          cancel() {
            exhausted = true
          },
        }, { highWaterMark: 0 })
        yield* Effect.addFinalizer(() => Effect.sync(closeFiles))
        return { writable, readable } as unknown as TransformStream<EmbeddingRows, ScoredPairs>
      }),
  }
}

// Builds the second source's stream within the caller's services.
function yield_(
  source: Source<EmbeddingRows>,
  share: number,
  info: StreamInfo,
) {
  return Effect.gen(function* () {
    const plan = yield* source.plan(share, info)
    return yield* source.make(plan, info)
  })
}

const align = (n: number) => Math.ceil(n / 64) * 64

interface Planned {
  id: number
  ab: number
  bb: number
  blockA0: number
  blockARows: number
  blockB0: number
  blockBRows: number
  aRow0: number
  aRows: number
  bRow0: number
  bRows: number
}

interface Grid {
  rowsA: number
  rowsB: number
  blockA: number
  blockB: number
  self: boolean
}

/** Tasks in emission order: A block, B block (>= A block for a self join), A tile, B tile; one shard's. */
function* enumerate(g: Grid, shard?: { index: number; count: number }): Generator<Planned> {
  let id = 0
  let tile = 0
  const nbA = Math.ceil(g.rowsA / g.blockA)
  const nbB = Math.ceil(g.rowsB / g.blockB)
  for (let ab = 0; ab < nbA; ab++) {
    const blockA0 = ab * g.blockA
    const blockARows = Math.min(g.blockA, g.rowsA - blockA0)
    for (let bb = g.self ? ab : 0; bb < nbB; bb++) {
      const blockB0 = bb * g.blockB
      const blockBRows = Math.min(g.blockB, g.rowsB - blockB0)
      for (let a0 = blockA0; a0 < blockA0 + blockARows; a0 += TASK_A_ROWS) {
        const aRows = Math.min(TASK_A_ROWS, blockA0 + blockARows - a0)
        for (let b0 = blockB0; b0 < blockB0 + blockBRows; b0 += TASK_B_ROWS) {
          const bRows = Math.min(TASK_B_ROWS, blockB0 + blockBRows - b0)
          if (g.self && b0 + bRows <= a0 + 1) continue // every j <= every i
          if (shard && tile++ % shard.count !== shard.index) continue
          yield {
            id: id++,
            ab,
            bb,
            blockA0,
            blockARows,
            blockB0,
            blockBRows,
            aRow0: a0,
            aRows,
            bRow0: b0,
            bRows,
          }
        }
      }
    }
  }
}

function countTasks(g: Grid, shard?: { index: number; count: number }): number {
  let n = 0
  for (const _ of enumerate(g, shard)) n++
  return n
}

/** Per group of TILE_GROUP rows, the largest residual and norm + residual of its rows' quantisation. */
class TileBounds {
  private readonly res: Float64Array
  private readonly npr: Float64Array
  constructor(res: Float32Array, npr: Float32Array, rows: number) {
    this.res = new Float64Array(Math.ceil(rows / TILE_GROUP))
    this.npr = new Float64Array(this.res.length)
    for (let r = 0; r < rows; r++) {
      const g = Math.floor(r / TILE_GROUP)
      if (res[r] > this.res[g]) this.res[g] = res[r]
      if (npr[r] > this.npr[g]) this.npr[g] = npr[r]
    }
  }
  /**
   * The largest bound npr_a r_b + r_a npr_b (+ 1e-5, + 1e-6 for the kernel's float32 arithmetic) over
   * rows a of [a0, a0 + aRows) here and b of [b0, b0 + bRows) in `b`.
   */
  margin(a0: number, aRows: number, b: TileBounds, b0: number, bRows: number): number {
    const [ra, na] = this.max(a0, aRows), [rb, nb] = b.max(b0, bRows)
    return na * rb + ra * nb + 1e-5 + 1e-6
  }
  private max(row0: number, rows: number): [number, number] {
    let r = 0, n = 0
    for (let g = Math.floor(row0 / TILE_GROUP); g < Math.ceil((row0 + rows) / TILE_GROUP); g++) {
      r = Math.max(r, this.res[g])
      n = Math.max(n, this.npr[g])
    }
    return [r, n]
  }
}
/** Rows per TileBounds group: an A tile, half a B tile. */
const TILE_GROUP = TASK_A_ROWS

/** Pairs per emitted batch when several tasks' results are joined (a single task's may be more). */
const EMIT_PAIRS = 1 << 16

/** Row numbers back to the input's own (when zero vectors were skipped). */
function translate(
  i: Uint32Array,
  j: Uint32Array,
  score: Float32Array,
  mapA?: Uint32Array,
  mapB?: Uint32Array,
): ScoredPairs {
  if (mapA) { for (let x = 0; x < i.length; x++) i[x] = mapA[i[x]] }
  if (mapB) { for (let x = 0; x < j.length; x++) j[x] = mapB[j[x]] }
  return { i, j, score, length: i.length }
}

interface SpillFiles {
  readonly f32: string | undefined
  readonly q8: string | undefined
}
interface SpillFds {
  readonly f32: number
  readonly q8?: number
}
const openSpill = (f: SpillFiles): SpillFds => ({
  f32: fs.openSync(f.f32!, "r"),
  q8: f.q8 ? fs.openSync(f.q8, "r") : undefined,
})
const closeSpill = (f: SpillFds) => {
  fs.closeSync(f.f32)
  if (f.q8 !== undefined) fs.closeSync(f.q8)
}

/** Rows held in the shared heap: float panels, then (int8 screen) int8 panels. */
class Region {
  readonly q8: number
  readonly end: number
  constructor(readonly f32: number, readonly rows: number, readonly dim: number, readonly int8: boolean) {
    this.q8 = align(f32 + packedBytes(rows, dim))
    this.end = align(this.q8 + (int8 ? packed8Bytes(rows, dim) : 0))
  }
  /** Address of the float panel holding local row `row` (a multiple of 8). */
  f32At(row: number): number {
    return this.f32 + (row / PANEL_ROWS) * PANEL_ROWS * this.dim * 4
  }
  q8At(row: number): number {
    return this.q8 + (row / PANEL_ROWS) * PANEL_ROWS * paddedDim(this.dim)
  }
  /** Reads rows [row0, row0+rows) of the spill files into this region. */
  read(heap: SharedArrayBuffer, fds: SpillFds, row0: number, rows: number): void {
    readSpill(fds.f32, new Uint8Array(heap, this.f32, packedBytes(rows, this.dim)), packedBytes(row0, this.dim))
    if (this.int8) {
      readSpill(fds.q8!, new Uint8Array(heap, this.q8, packed8Bytes(rows, this.dim)), packed8Bytes(row0, this.dim))
    }
  }
}

/** A spill file we wrote ending early is a defect (disk trouble), not bad input. */
function readSpill(fd: number, into: Uint8Array, offset: number): void {
  const got = readAt(fd, into, offset)
  if (got < into.byteLength) throw new Error(`spill file ended at ${offset + got}`)
}

/**
 * Frees a typed array's memory now instead of at the next garbage collection: without this, the
 * consumed input batches (the whole input, over a run) sit as garbage and peak RSS overshoots the budget.
 */
function release(values: Float32Array): void {
  const buffer = values.buffer as ArrayBuffer & { transfer?: (n: number) => ArrayBuffer; detached?: boolean }
  if (buffer instanceof ArrayBuffer && typeof buffer.transfer === "function" && !buffer.detached) buffer.transfer(0)
}

/**
 * Normalises, packs and (int8 screen) quantises arriving rows, into a memory region or through
 * staging buffers into spill files. Per-row metadata goes to the resident tables at `meta` (plan.ts
 * metaBytes): inverse scales, residuals and norm + residual of `announced` rows (padded to 16).
 */
class Ingest {
  rows = 0
  rowMap: Uint32Array | undefined
  private readonly store: Float32Array | undefined
  private readonly store8: Int8Array | undefined
  private readonly staging: Float32Array | undefined
  private readonly staging8: Int8Array | undefined
  private staged0 = 0
  private readonly fds: { f32?: number; q8?: number } = {}
  private readonly inv: Float32Array
  /** Per row: residual norm, and norm + residual, of its quantisation (the screen's bound). */
  readonly res: Float32Array
  readonly npr: Float32Array

  constructor(
    heap: SharedArrayBuffer,
    private readonly dim: number,
    private readonly int8: boolean,
    meta: number,
    private readonly announced: number,
    region: Region | undefined,
    files: SpillFiles,
    private readonly source: string | undefined,
  ) {
    const table = metaTable(announced)
    this.inv = new Float32Array(heap, meta, table / 4)
    this.res = new Float32Array(heap, meta + table, table / 4)
    this.npr = new Float32Array(heap, meta + 2 * table, table / 4)
    if (region) {
      this.store = new Float32Array(heap, region.f32, packedBytes(region.rows, dim) / 4)
      if (int8) this.store8 = new Int8Array(heap, region.q8, packed8Bytes(region.rows, dim))
    } else {
      this.staging = new Float32Array(packedBytes(STAGING_ROWS, dim) / 4)
      if (int8) this.staging8 = new Int8Array(packed8Bytes(STAGING_ROWS, dim))
      this.fds.f32 = fs.openSync(files.f32!, "w")
      if (int8) this.fds.q8 = fs.openSync(files.q8!, "w")
    }
  }

  /** Packs a batch, then hands its buffer back to the source (or frees it now). */
  add(batch: EmbeddingRows): void {
    this.pack(batch)
    if (batch.recycle) batch.recycle()
    else release(batch.values)
  }

  private pack(batch: EmbeddingRows): void {
    if (batch.dim !== this.dim) {
      throw new InvalidInput({
        file: this.source ?? "input",
        row: batch.start,
        reason: `row has ${batch.dim} values, expected ${this.dim}`,
      })
    }
    if (this.rows + batch.count > this.announced) {
      throw new InvalidInput({
        file: this.source ?? "input",
        row: this.announced,
        reason: `more rows than the ${this.announced} the header announced`,
      })
    }
    if (batch.rowIds || this.rowMap) this.remember(batch)
    if (this.store) {
      this.refuse(batch, 0, packNormalised(batch.values, batch.count, this.dim, this.store, this.rows))
      if (this.int8) {
        quantiseRows(this.store, this.dim, this.rows, batch.count, 0, this.store8!, this.inv, this.res, this.npr)
      }
      this.rows += batch.count
      return
    }
    for (let r = 0; r < batch.count;) {
      const take = Math.min(this.staged0 + STAGING_ROWS - this.rows, batch.count - r)
      const values = batch.values.subarray(r * this.dim, (r + take) * this.dim)
      this.refuse(batch, r, packNormalised(values, take, this.dim, this.staging!, this.rows, this.staged0))
      if (this.int8) {
        quantiseRows(
          this.staging!,
          this.dim,
          this.rows,
          take,
          this.staged0,
          this.staging8!,
          this.inv.subarray(this.staged0),
          this.res.subarray(this.staged0),
          this.npr.subarray(this.staged0),
        )
      }
      this.rows += take
      r += take
      if (this.rows === this.staged0 + STAGING_ROWS) this.flush()
    }
  }

  /** A row packNormalised could not normalise (`bad` >= 0, counted from batch row `r0`) fails the input. */
  private refuse(batch: EmbeddingRows, r0: number, bad: number): void {
    if (bad < 0) return
    const r = r0 + bad, base = r * this.dim
    let k = 0
    while (k < this.dim && Number.isFinite(batch.values[base + k])) k++
    throw new InvalidInput({
      file: this.source ?? "input",
      row: batch.rowIds ? batch.rowIds[r] : batch.start + r,
      reason: k < this.dim
        ? `value ${batch.values[base + k]} at dimension ${k} (NaN and Inf have no cosine)`
        : "zero vector (cosine undefined)",
    })
  }

  finish(): number {
    if (this.staging && this.rows > this.staged0) this.flush()
    for (const fd of [this.fds.f32, this.fds.q8]) if (fd !== undefined) fs.closeSync(fd)
    this.fds.f32 = this.fds.q8 = undefined
    return this.rows
  }

  private flush(): void {
    const rows = this.rows - this.staged0
    writeAll(this.fds.f32!, new Uint8Array(this.staging!.buffer, 0, packedBytes(rows, this.dim)))
    this.staging!.fill(0)
    if (this.int8) {
      writeAll(this.fds.q8!, new Uint8Array(this.staging8!.buffer, 0, packed8Bytes(rows, this.dim)))
      this.staging8!.fill(0)
    }
    this.staged0 = this.rows
  }

  private remember(batch: EmbeddingRows): void {
    const need = this.rows + batch.count
    if (!this.rowMap || this.rowMap.length < need) {
      const grown = new Uint32Array(Math.max(need, (this.rowMap?.length ?? 0) * 2, 1024))
      if (this.rowMap) grown.set(this.rowMap)
      else for (let x = 0; x < this.rows; x++) grown[x] = x
      this.rowMap = grown
    }
    for (let x = 0; x < batch.count; x++) {
      this.rowMap[this.rows + x] = batch.rowIds ? batch.rowIds[x] : batch.start + x
    }
  }
}
