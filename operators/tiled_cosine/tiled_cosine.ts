/**
 * tiledCosine: every pair of rows (i < j of one input, or A x B of two) whose cosine exceeds a
 * threshold, computed tile by tile on Web Workers by a WebAssembly SIMD kernel, without ever holding
 * a score matrix. Rows are normalised once and packed; when they do not fit the operator's share
 * they are spilled to a temp file and joined block by block (block nested loop join).
 */
import * as Effect from "effect/Effect"
import * as os from "node:os"
import type { EmbeddingRows, ScoredPairs, StreamInfo } from "../../core/batches.ts"
import { InvalidInput, InvalidOption } from "../../core/errors.ts"
import type { Reservation, Source, Transform } from "../../core/operator.ts"
import { Progress } from "../../core/progress.ts"
import { collectGarbageNow } from "../../core/gc.ts"
import { scopedTempFile } from "../../core/tempfile.ts"
import { workerPool } from "../../core/workers.ts"
import {
  expandedABytes,
  f32Below,
  type KernelVariant,
  pickVariant,
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
  TASK_A_ROWS,
  TASK_B_ROWS,
  TASKS_PER_WORKER,
  type TilePlan,
} from "./plan.ts"
import { TileBounds } from "./bounds.ts"
import { countTasks, enumerate, type Grid, type Planned } from "./grid.ts"
import { Ingest } from "./ingest.ts"
import { align, Region } from "./region.ts"
import { closeSpill, openSpill, type SpillFds } from "./spill.ts"
import type { TileResult, TileTask, WorkerInit } from "./worker.ts"

/** tiledCosine's plan: the tiles', and the bytes of the second input's source it runs itself (A x B). */
export interface TiledCosinePlan extends TilePlan {
  readonly sourceB: number
}

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

export function tiledCosine(options: TiledCosineOptions): Transform<EmbeddingRows, ScoredPairs, TiledCosinePlan> {
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
          batchPairs: TASK_A_ROWS * TASK_B_ROWS,
        } as StreamInfo
      }),
    minimum: (info) => minimumBytes(planInput(info)) + (options.against?.minimum(infoB) ?? 0),
    plan: (share, info) => {
      const b = options.against ? options.against.minimum(infoB) : 0
      return planTiles(share - b, planInput(info)).pipe(
        Effect.map((p) => ({ ...p, bytes: p.bytes + b, sourceB: b, notes: `${p.notes}, ${kernel.variant} kernel` })),
      )
    },
    make: (plan, info, reservation) =>
      Effect.gen(function* () {
        const progress = yield* Progress
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
        const streamB = options.against ? yield* yield_(options.against, plan.sourceB, infoB, reservation) : undefined
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
          reservation.release()
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
// Its bytes are in this stage's plan (sourceB) and reservation.
function yield_(
  source: Source<EmbeddingRows>,
  share: number,
  info: StreamInfo,
  reservation: Reservation,
) {
  return Effect.gen(function* () {
    const plan = yield* source.plan(share, info)
    return yield* source.make(plan, info, reservation)
  })
}

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
