/**
 * tiledCosine: every pair of rows (i < j of one input, or A x B of two) whose cosine exceeds a
 * threshold, computed tile by tile on Web Workers by a WebAssembly SIMD kernel, without ever holding
 * a score matrix. Rows are normalised once and packed; when they do not fit the operator's share
 * they are spilled to a temp file and joined block by block (block nested loop join).
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import type { ScoredPairs, StreamInfo } from "../../core/batches.ts"
import { MemoryBudget } from "../../core/budget.ts"
import { InvalidInput, InvalidOption } from "../../core/errors.ts"
import type { Source, Transform } from "../../core/operator.ts"
import { Progress } from "../../core/progress.ts"
import { scopedTempFile } from "../../core/tempfile.ts"
import { workerPool } from "../../core/workers.ts"
import type { EmbeddingRows } from "../../sources/read_embeddings.ts"
import {
  f32Below,
  type KernelVariant,
  packedBytes,
  packNormalised,
  PANEL_ROWS,
  pickVariant,
  screenMargin,
} from "./kernel.ts"
import {
  minimumBytes,
  OUT_CAP,
  planTiles,
  STAGING_ROWS,
  TASK_A_ROWS,
  TASK_B_ROWS,
  TASKS_PER_WORKER,
  type TilePlan,
} from "./plan.ts"
import { STATE_BYTES, type TileResult, type TileTask, type WorkerInit } from "./worker.ts"

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
}

const defaultThreads = () =>
  Math.max(
    1,
    (os as { availableParallelism?: () => number }).availableParallelism?.() ??
      os.cpus().length,
  )

export function tiledCosine(
  options: TiledCosineOptions,
): Transform<EmbeddingRows, ScoredPairs> {
  const name = "tiledCosine"
  const threads = Math.max(1, Math.floor(options.threads ?? defaultThreads()))
  const cross = options.against !== undefined
  let infoB: StreamInfo = {}
  const planInput = (info: StreamInfo) => ({
    rowsA: info.rows ?? 0,
    rowsB: cross ? infoB.rows ?? 0 : info.rows ?? 0,
    dim: info.dim ?? 1,
    threads,
    cross,
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
          return yield* new InvalidOption({
            option: "threshold",
            reason: `${t} is not a cosine in [-1, 1]`,
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
        } as StreamInfo
      }),
    minimum: (info) => minimumBytes(planInput(info)) + (options.against?.minimum(infoB) ?? 0),
    plan: (share, info) => {
      const b = options.against ? options.against.minimum(infoB) : 0
      return planTiles(share - b, planInput(info)).pipe(
        Effect.map((p) => ({ ...p, bytes: p.bytes + b, sourceB: b })),
      )
    },
    make: (planIn, info) =>
      Effect.gen(function* () {
        const plan = planIn as TilePlan & { sourceB: number }
        const budget = yield* MemoryBudget
        const progress = yield* Progress
        yield* budget.reserve(name, plan.bytes - plan.sourceB)
        const dim = info.dim!
        const panelBytes = PANEL_ROWS * dim * 4
        const { variant, bytes } = pickVariant(options.kernel)
        // layout of the shared memory: worker scratch, then region A, then region B
        const scratchEach = STATE_BYTES + OUT_CAP * 12
        const regionA = align(threads * scratchEach)
        const sizeA = plan.mode === "memory" ? packedBytes(info.rows!, dim) : plan.blockRowsA * dim * 4
        const regionB = cross || plan.mode === "spill" ? align(regionA + sizeA) : regionA
        const sizeB = plan.mode === "memory" ? (cross ? packedBytes(infoB.rows!, dim) : 0) : plan.blockRowsB * dim * 4
        const total = Math.max(regionA + sizeA, regionB + sizeB)
        const pages = Math.max(1, Math.ceil(total / 65536))
        const memory = new WebAssembly.Memory({
          initial: pages,
          maximum: pages,
          shared: true,
        })
        const heap = memory.buffer as unknown as SharedArrayBuffer
        const t = options.threshold
        const thrExact = f32Below(t)
        const pool = yield* workerPool<TileTask, TileResult>(
          new URL("./worker.ts", import.meta.url),
          threads,
          (k): WorkerInit => ({
            type: "init",
            memory,
            bytes,
            dim,
            scratch: k * scratchEach,
            cap: OUT_CAP,
            thrScreen: Math.fround(thrExact - screenMargin(variant, dim)),
            thrExact,
          }),
        )
        const streamB = options.against ? yield* yield_(options.against, plan.sourceB, infoB) : undefined
        const spillA = plan.mode === "spill" ? yield* scopedTempFile("rows-a") : undefined
        const spillB = plan.mode === "spill" && cross ? yield* scopedTempFile("rows-b") : undefined

        // ---- ingest: normalise and pack rows into memory or into the spill file
        const ingestA = new Ingest(
          dim,
          plan.mode === "memory" ? new Float32Array(heap, regionA, sizeA / 4) : undefined,
          spillA,
          info.file,
        )
        let rowsA = 0
        let rowsB = 0
        let ingested!: () => void
        let ingestFailed!: (e: unknown) => void
        const ready = new Promise<void>((resolve, reject) => {
          ingested = resolve
          ingestFailed = reject
        })
        ready.catch(() => {}) // observed by pull; an upstream failure must not also be unhandled here
        const writable = new WritableStream<EmbeddingRows>({
          write(batch) {
            try {
              ingestA.add(batch)
            } catch (e) {
              ingestFailed(e)
              throw e
            }
          },
          abort(reason) {
            // upstream failed or the run was cancelled: the readable side must fail too, not wait
            ingestA.finish()
            ingestFailed(reason)
          },
          async close() {
            try {
              await finishIngest()
            } catch (e) {
              ingestFailed(e)
              throw e
            }
          },
        })
        const finishIngest = async () => {
          rowsA = ingestA.finish()
          if (options.against) {
            const ingestB = new Ingest(
              dim,
              plan.mode === "memory" ? new Float32Array(heap, regionB, sizeB / 4) : undefined,
              spillB,
              infoB.file,
            )
            const reader = streamB!.getReader()
            for (
              let r = await reader.read();
              !r.done;
              r = await reader.read()
            ) ingestB.add(r.value)
            rowsB = ingestB.finish()
            mapB = ingestB.rowMap
          } else {
            rowsB = rowsA
          }
          mapA = ingestA.rowMap
          if (!cross) mapB = mapA
          ingested()
        }
        let mapA: Uint32Array | undefined
        let mapB: Uint32Array | undefined

        // ---- tiles: enumerate tasks in a fixed order, run them on the pool, emit results in that order
        let tasks: Generator<Planned> | undefined
        let totalTasks = 0
        let nextId = 0
        let nextEmit = 0
        let inflight = 0
        let exhausted = false
        let pendingTask: Planned | undefined
        let loaded: { ab: number; bb: number } | undefined
        const results = new Map<number, TileResult>()
        let wake: (() => void) | undefined
        let failure: unknown
        const fdA = () => fs.openSync(spillA!, "r")
        let fds: { a?: number; b?: number } = {}
        const window = TASKS_PER_WORKER * threads + 1

        const grid = () => ({
          rowsA,
          rowsB,
          blockA: plan.mode === "memory" ? rowsA : plan.blockRowsA,
          blockB: plan.mode === "memory" ? rowsB : plan.blockRowsB,
          self: !cross,
        })

        const load = (p: Planned) => {
          if (plan.mode === "memory") return
          fds.a ??= fdA()
          if (cross) fds.b ??= fs.openSync(spillB!, "r")
          if (!loaded || loaded.ab !== p.ab) {
            readPanels(fds.a, heap, regionA, p.blockA0, p.blockARows, dim)
          }
          if (cross) {
            if (!loaded || loaded.bb !== p.bb) {
              readPanels(fds.b!, heap, regionB, p.blockB0, p.blockBRows, dim)
            }
          } else if (p.bb !== p.ab && (!loaded || loaded.bb !== p.bb)) {
            readPanels(fds.a, heap, regionB, p.blockB0, p.blockBRows, dim)
          }
          loaded = { ab: p.ab, bb: p.bb }
        }

        const addr = (p: Planned): TileTask => {
          const baseA = regionA +
            ((p.aRow0 - p.blockA0) / PANEL_ROWS) * panelBytes
          const sameBlock = !cross && (plan.mode === "memory" || p.ab === p.bb)
          const baseB = (sameBlock ? regionA : regionB) +
            ((p.bRow0 - p.blockB0) / PANEL_ROWS) * panelBytes
          return {
            type: "tile",
            id: p.id,
            a: baseA,
            aRow0: p.aRow0,
            aRows: p.aRows,
            b: baseB,
            bRow0: p.bRow0,
            bRows: p.bRows,
            diag: !cross && p.bRow0 < p.aRow0 + p.aRows,
          }
        }

        const dispatch = () => {
          while (
            !exhausted && inflight < pool.size * TASKS_PER_WORKER &&
            nextId - nextEmit < window
          ) {
            const p = pendingTask ?? tasks!.next().value
            pendingTask = undefined
            if (!p) {
              exhausted = true
              break
            }
            if (
              plan.mode === "spill" &&
              (!loaded || loaded.ab !== p.ab || loaded.bb !== p.bb)
            ) {
              if (inflight > 0) {
                pendingTask = p // wait until the tiles on the loaded blocks are done
                break
              }
              load(p)
            }
            let k = 0
            for (
              let w = 1;
              w < pool.size;
              w++
            ) {
              if (pool.pending(w) < pool.pending(k)) {
                k = w
              }
            }
            inflight++
            nextId++
            pool.run(k, addr(p)).then((r) => {
              inflight--
              results.set(r.id, r)
              progress.update(name, {
                done: r.id + 1,
                total: totalTasks,
                unit: "tiles",
              })
              wake?.()
            }, (e) => {
              failure = e
              wake?.()
            })
          }
        }

        const readable = new ReadableStream<ScoredPairs>({
          async pull(controller) {
            if (!tasks) {
              await ready
              totalTasks = countTasks(grid())
              tasks = enumerate(grid())
            }
            for (;;) {
              if (failure) {
                throw failure
              }
              const r = results.get(nextEmit)
              if (r) {
                results.delete(nextEmit++)
                if (r.i.length > 0) {
                  controller.enqueue(translate(r, mapA, mapB))
                  return
                }
                continue
              }
              dispatch()
              if (exhausted && inflight === 0 && results.size === 0) {
                for (const fd of Object.values(fds)) {
                  if (fd !== undefined) {
                    fs.closeSync(fd)
                  }
                }
                fds = {}
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
        return { writable, readable } as unknown as TransformStream<
          EmbeddingRows,
          ScoredPairs
        >
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

/** Tasks in emission order: A block, B block (>= A block for a self join), A tile, B tile. */
function* enumerate(g: Grid): Generator<Planned> {
  let id = 0
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

function countTasks(g: Grid): number {
  let n = 0
  for (const _ of enumerate(g)) n++
  return n
}

/** Row numbers back to the input's own (when zero vectors were skipped). */
function translate(
  r: TileResult,
  mapA?: Uint32Array,
  mapB?: Uint32Array,
): ScoredPairs {
  if (mapA) { for (let x = 0; x < r.i.length; x++) r.i[x] = mapA[r.i[x]] }
  if (mapB) { for (let x = 0; x < r.j.length; x++) r.j[x] = mapB[r.j[x]] }
  return { i: r.i, j: r.j, score: r.score, length: r.i.length }
}

/** Reads packed rows [row0, row0+rows) of a spill file into the shared heap at `at`. */
function readPanels(
  fd: number,
  heap: SharedArrayBuffer,
  at: number,
  row0: number,
  rows: number,
  dim: number,
): void {
  const bytes = packedBytes(rows, dim)
  const view = new Uint8Array(heap, at, bytes)
  let done = 0
  const offset = (row0 / PANEL_ROWS) * PANEL_ROWS * dim * 4
  while (done < bytes) {
    const n = fs.readSync(fd, view, done, bytes - done, offset + done)
    if (n <= 0) throw new Error(`spill file ended at ${offset + done}`)
    done += n
  }
}

/**
 * Frees a typed array's memory now instead of at the next garbage collection: without this, the
 * consumed input batches (the whole input, over a run) sit as garbage and peak RSS overshoots the budget.
 */
function release(values: Float32Array): void {
  const buffer = values.buffer as ArrayBuffer & { transfer?: (n: number) => ArrayBuffer }
  if (buffer instanceof ArrayBuffer && typeof buffer.transfer === "function" && !buffer.detached) buffer.transfer(0)
}

/** Normalises and packs arriving rows, into memory or through a staging buffer into a file. */
class Ingest {
  rows = 0
  rowMap: Uint32Array | undefined
  private staging: Float32Array | undefined
  private staged0 = 0
  private fd: number | undefined
  constructor(
    private readonly dim: number,
    private readonly store: Float32Array | undefined,
    file: string | undefined,
    private readonly source: string | undefined,
  ) {
    if (!store) {
      this.staging = new Float32Array(packedBytes(STAGING_ROWS, dim) / 4)
      this.fd = fs.openSync(file!, "w")
    }
  }

  /** Packs a batch; the batch's buffer is released at once (ownership passes to tiledCosine). */
  add(batch: EmbeddingRows): void {
    this.pack(batch)
    release(batch.values)
  }

  private pack(batch: EmbeddingRows): void {
    if (batch.dim !== this.dim) {
      throw new InvalidInput({
        file: this.source ?? "input",
        row: batch.start,
        reason: `row has ${batch.dim} values, expected ${this.dim}`,
      })
    }
    if (batch.rowIds || this.rowMap) this.remember(batch)
    if (this.store) {
      if ((this.rows + batch.count) * this.dim > this.store.length) {
        throw new InvalidInput({
          file: this.source ?? "input",
          row: this.rows + batch.count,
          reason: "more rows than the header announced",
        })
      }
      packNormalised(
        batch.values,
        batch.count,
        this.dim,
        this.store,
        this.rows,
      )
      this.rows += batch.count
      return
    }
    let r = 0
    while (r < batch.count) {
      const room = this.staged0 + STAGING_ROWS - this.rows
      const take = Math.min(room, batch.count - r)
      packNormalised(
        batch.values.subarray(r * this.dim, (r + take) * this.dim),
        take,
        this.dim,
        this.staging!,
        this.rows,
        this.staged0,
      )
      this.rows += take
      r += take
      if (this.rows === this.staged0 + STAGING_ROWS) this.flush()
    }
  }

  finish(): number {
    if (this.staging && this.rows > this.staged0) this.flush()
    if (this.fd !== undefined) fs.closeSync(this.fd)
    this.fd = undefined
    return this.rows
  }

  private flush(): void {
    const bytes = packedBytes(this.rows - this.staged0, this.dim)
    fs.writeSync(this.fd!, new Uint8Array(this.staging!.buffer, 0, bytes))
    this.staging!.fill(0)
    this.staged0 = this.rows
  }

  private remember(batch: EmbeddingRows): void {
    const need = this.rows + batch.count
    if (!this.rowMap || this.rowMap.length < need) {
      const grown = new Uint32Array(
        Math.max(need, (this.rowMap?.length ?? 0) * 2, 1024),
      )
      if (this.rowMap) grown.set(this.rowMap)
      else for (let x = 0; x < this.rows; x++) grown[x] = x
      this.rowMap = grown
    }
    for (let x = 0; x < batch.count; x++) {
      this.rowMap[this.rows + x] = batch.rowIds ? batch.rowIds[x] : batch.start + x
    }
  }
}
