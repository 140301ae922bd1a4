/**
 * readEmbeddings: the embedding source. Reads .npy (float16/32/64, either byte order) or Parquet
 * (LIST<FLOAT|DOUBLE|FLOAT16> or FLOAT[d] column, optional id column) one batch of rows at a time (Parquet: page by page, so a
 * row group of any size needs a page's memory, not the group's), straight into Float32Arrays, and
 * checks every row: same length, finite, non-zero. Vectors in memory (one `{ vectors, dim, ids? }` or
 * an iterable of them) are copied into the source's own batches, planned as a .npy file's are.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import type { EmbeddingRows, StreamInfo } from "../../core/batches.ts"
import type { ByteSource } from "../../core/byte_source.ts"
import { sniffFormat } from "../../core/files.ts"
import { IdColumn } from "../../core/id_column.ts"
import { allowance, PendingAllowance } from "../../core/budget.ts"
import { brookError, BudgetExceeded, InvalidInput } from "../../core/errors.ts"
import type { Plan, Source } from "../../core/operator.ts"
import { Progress } from "../../core/progress.ts"
import { tempDir } from "../../core/tempfile.ts"
import { type NpyFile, npyScratchBytes, openNpy, readNpyRows } from "../../formats/npy.ts"
import { openParquetEmbeddings } from "../../formats/parquet/embeddings.ts"
import { VectorRows } from "../../formats/parquet/vector_rows.ts"
import {
  checkRowsOption,
  type EmbeddingVectorsInput,
  isEmbeddingVectors,
  measure,
  type RowCheck,
  spoolNpy,
  utf8Length,
  type VectorBatch,
  VectorFeed,
  VECTORS,
} from "./embedding_vectors.ts"

export interface ReadEmbeddingsOptions {
  /** Parquet: the vector column (default: the first list column). */
  readonly column?: string
  /** Parquet: the id column (default "id" when present; null for none). */
  readonly idColumn?: string | null
  /** A zero vector has no cosine: fail (default) or drop the row, keeping the others' row numbers. */
  readonly zeroVectors?: "error" | "skip"
  /** Rows per batch (default: sized from the budget). */
  readonly batchRows?: number
  /**
   * Vectors in memory given as an iterable other than an array: how many rows the batches hold. Without
   * it the batches are read through while planning, into a temp .npy file. A different count is bad input.
   */
  readonly rows?: number
}

/** Rows per .npy batch at most: large enough to amortise reads, small enough to keep queues short. */
const MAX_BATCH_ROWS = 16384
const MIN_BATCH_ROWS = 64

type Opened =
  | { kind: "npy"; rows: number; dim: number; staging: number }
  | {
    kind: "parquet"
    rows: number
    dim: number
    pageBytes: number
    idKind?: "string" | "integer"
    /** The id column's uncompressed bytes: about its ids' text (PLAIN adds 4 B per value). */
    idText: number
  }

/** Parquet or .npy by the file's first bytes; the name is only a hint when they are neither (the reader says why). */
const isParquet = (file: string) => (sniffFormat(file) ?? (/\.parq(uet)?$/i.test(file) ? "parquet" : "npy")) === "parquet"

/** readEmbeddings' plan: its bytes, and the rows of a batch they hold. */
export interface BatchPlan extends Plan {
  readonly batchRows: number
}

function inspect(file: string, options: ReadEmbeddingsOptions): Opened {
  if (isParquet(file)) {
    const pq = openParquetEmbeddings(file, { column: options.column, idColumn: options.idColumn })
    try {
      const idText = pq.rowGroups.reduce((n, g) => n + g.idText, 0)
      return {
        kind: "parquet",
        rows: pq.rows,
        dim: pq.dim,
        pageBytes: VectorRows.fixedBytes(pq),
        idKind: pq.idKind,
        idText,
      }
    } finally {
      pq.close()
    }
  }
  const npy = openNpy(file)
  npy.close()
  return { kind: "npy", rows: npy.rows, dim: npy.dim, staging: npyScratchBytes(npy, 1) / (npy.dim || 1) }
}

/**
 * The embedding source for `input`: a file (.npy, .parquet), or vectors in memory (see readVectors):
 * `{ vectors: Float32Array, dim, ids? }`, or an iterable or async iterable of such batches.
 */
export function readEmbeddings(
  input: string | EmbeddingVectorsInput,
  options: ReadEmbeddingsOptions = {},
): Source<EmbeddingRows, BatchPlan> {
  if (typeof input !== "string") return readVectors(input, options)
  const file = input
  const name = "readEmbeddings"
  let opened: Opened | undefined
  let idTable: IdColumn | undefined
  // bytes per row of a batch size: three batches live at once (one being read, one queued past the
  // queue's byte bound, as a WHATWG queue accepts a chunk whenever it is below its mark, one being
  // consumed), each row float32, plus one staging copy of the file's bytes for npy other than <f4/>f4;
  // Parquet adds the decoder's window, which holds a batch of rows besides a page
  const perRowBytes = (o: Opened) => o.kind === "npy" ? npyRowBytes(o.dim, o.staging) : (3 * 4 + 4) * o.dim
  // the input's ids are kept for the sinks: planned up front, sized from the id column
  const idsExpected = (o: Opened) => ({ rows: o.rows, bytes: o.kind === "parquet" ? o.idText : 0 })
  const idsBytes = (o: Opened) => o.kind === "parquet" && o.idKind ? IdColumn.plannedBytes(o.idKind, idsExpected(o)) : 0
  const fixedBytes = (o: Opened) => (o.kind === "parquet" ? o.pageBytes + idsBytes(o) : 0)
  // the id table's allocations: from the plan's share for ids, then from what the budget has left
  let idsMemory: PendingAllowance | undefined
  return {
    kind: "source",
    name,
    weight: 0.02,
    describe: () =>
      Effect.try({
        try: () => {
          opened = inspect(file, options)
          idsMemory = new PendingAllowance("the input's ids")
          idTable = opened.kind === "parquet" && opened.idKind
            ? new IdColumn(opened.idKind, idsMemory.reserve, idsMemory.release, idsExpected(opened))
            : undefined
          return { file, dim: opened.dim, rows: opened.rows, ids: idTable } satisfies StreamInfo
        },
        catch: brookError,
      }),
    minimum: () => !opened ? 0 : fixedBytes(opened) + perRowBytes(opened) * Math.min(opened.rows, MIN_BATCH_ROWS),
    plan: (share) =>
      Effect.suspend(() => {
        const o = opened!
        const perRow = perRowBytes(o) || 1
        const fixed = fixedBytes(o)
        const rows = rowsPerBatch(share, fixed, perRow, o.rows, options.batchRows)
        const bytes = fixed + rows * perRow
        if (o.kind === "parquet" && bytes > share) {
          return Effect.fail(
            new BudgetExceeded({
              operator: name,
              needed: bytes,
              available: share,
              detail: "the largest Parquet page, compressed and decoded, its dictionary, the ids, a row",
            }),
          )
        }
        const notes = `${rows} rows per batch${o.kind === "parquet" ? ", page by page" : ""}`
        return Effect.succeed<BatchPlan>({ bytes, batchRows: rows, notes })
      }),
    make: (plan) =>
      Effect.gen(function* () {
        const progress = yield* Progress
        const check = rowChecker(file, options.zeroVectors ?? "error")
        const o = opened!
        idsMemory!.bind(yield* allowance(name, idsBytes(o)))
        if (o.kind === "npy") {
          const npy = yield* Effect.acquireRelease(
            Effect.sync(() => openNpy(file)),
            (f) => Effect.sync(() => f.close()),
          )
          return npyRows(npy, plan.batchRows, check, (u) => progress.update(name, u))
        }
        const pq = yield* Effect.acquireRelease(
          Effect.sync(() => openParquetEmbeddings(file, { column: options.column, idColumn: options.idColumn })),
          (f) => Effect.sync(() => f.close()),
        )
        const batchRows = plan.batchRows
        const reader = new VectorRows(pq, batchRows)
        const rowBytes = pq.rows > 0 ? pq.rowGroups.reduce((b, g) => b + g.bytes, 0) / pq.rows : 0
        const buffers = new BatchBuffers(batchRows * pq.dim)
        return new ReadableStream<EmbeddingRows>({
          pull(controller) {
            const buffer = buffers.take()
            const rows = reader.next(buffer)
            if (!rows) return controller.close()
            const { values, count, firstRow, ids } = rows
            const batch = check(firstRow, count, pq.dim, values)
            const table = idTable
            // every row's id, skipped rows too: pairs come back with the input's own row numbers
            if (table && ids) {
              if (Array.isArray(ids)) table.pushStrings(ids)
              else table.pushIntegers(ids)
            }
            controller.enqueue(buffers.offer(batch, buffer))
            const done = firstRow + count
            progress.update(name, { done, total: pq.rows, unit: "rows", bytes: Math.round(done * rowBytes) })
          },
        }, { highWaterMark: 0 })
      }),
  }
}

/** What describe found for vectors in memory, held until a run's scope closes (or the next describe). */
interface VectorsState {
  readonly rows: number
  readonly dim: number
  /** The batches still to read (rows known up front), or the temp .npy they were spooled to. */
  readonly feed?: VectorFeed
  readonly spool?: NpyFile
  readonly ids?: IdColumn
  readonly idsMemory: PendingAllowance
  readonly idsPlanned: number
  /** A make took it: its run's scope disposes of it. */
  owned: boolean
  readonly dispose: () => Promise<void>
}

let spools = 0

/**
 * Spool files a describe opened and no run took (a later stage refused its plan): closed when their
 * source is dropped, if no later describe of it closed them first.
 */
const unclaimed = new FinalizationRegistry<ByteSource>((source) => {
  try {
    source.close()
  } catch {
    // closed already
  }
})

/**
 * The embedding source for vectors in memory, planned and budgeted as a .npy file of float32 rows is:
 * rows are copied from the caller's arrays into the source's own pooled batch buffers (stages downstream
 * free or transfer a batch's buffer when done with it, which must never detach the caller's array),
 * in batches sized by the plan, and checked as a file's rows are (NaN/Inf, zero vectors).
 *
 * The rows must be known before planning. One value or an array of values says how many; for another
 * iterable, `options.rows` says (the batches are then read as the data moves, and a different count is
 * InvalidInput), or else describe reads the batches through into a temp .npy file (unlinked as soon as it
 * is open again for reading, so none is left behind whatever happens; its space is freed when the run's
 * scope closes), which the run then reads as a .npy file. Errors name the batch ("vectors batch 3",
 * numbered from 0; "vectors" for one value) and the row in the whole input.
 *
 * Memory: the plan holds three batches of float32 rows (as .npy) and the ids, as IdColumn (4 B a row
 * plus the UTF-8 text, or 8 B a row for integers); ids collected while spooling are planned as held.
 * The caller's own arrays are not in the budget: they exist before the run, and the source only reads them.
 */
function readVectors(input: EmbeddingVectorsInput, options: ReadEmbeddingsOptions): Source<EmbeddingRows, BatchPlan> {
  const name = "readEmbeddings"
  const zero = options.zeroVectors ?? "error"
  const checkBatch: RowCheck = (file, start, count, dim, values) =>
    void checkRows(file, zero, start, count, dim, values)
  const noCheck: RowCheck = () => {}
  let state: VectorsState | undefined
  let reads = 0
  const perRow = (s: VectorsState) => npyRowBytes(s.dim, 0)
  return {
    kind: "source",
    name,
    weight: 0.02,
    describe: () =>
      Effect.tryPromise({
        try: async () => {
          checkRowsOption(options.rows)
          if (state && !state.owned) await state.dispose()
          state = undefined
          if (reads++ > 0 && readOnce(input)) {
            throw new InvalidInput({
              file: VECTORS,
              reason: "the batches were read by an earlier run (an iterator is read once): pass a new one",
            })
          }
          state = await describeVectors(input, options.rows, checkBatch, noCheck)
          return { file: VECTORS, dim: state.dim, rows: state.rows, ids: state.ids } satisfies StreamInfo
        },
        catch: brookError,
      }),
    minimum: () => !state ? 0 : state.idsPlanned + perRow(state) * Math.min(state.rows, MIN_BATCH_ROWS),
    plan: (share) =>
      Effect.sync(() => {
        const s = state!
        const rows = rowsPerBatch(share, s.idsPlanned, perRow(s), s.rows, options.batchRows)
        const notes = `${rows} rows per batch, ${s.spool ? "spooled to a temp .npy" : "copied from memory"}`
        return { bytes: s.idsPlanned + rows * perRow(s), batchRows: rows, notes } satisfies BatchPlan
      }),
    make: (plan) =>
      Effect.gen(function* () {
        const s = state
        if (!s || s.owned) return yield* Effect.die(new Error("readEmbeddings: make without a describe"))
        s.owned = true
        yield* Effect.addFinalizer(() => Effect.promise(() => s.dispose()))
        const progress = yield* Progress
        s.idsMemory.bind(yield* allowance(name, s.idsPlanned))
        const check = rowChecker(VECTORS, zero)
        const batchRows = plan.batchRows
        const report = (u: { done: number; total: number; unit: string; bytes: number }) => progress.update(name, u)
        if (s.spool) return npyRows(s.spool, batchRows, check, report)
        const feed = s.feed!, dim = s.dim, table = s.ids
        const ids = table &&
          ((b: VectorBatch, from: number, to: number) => {
            const all = b.batch.ids!
            if (table.kind === "string") table.pushStrings((all as readonly string[]).slice(from, to))
            else table.pushIntegers((all as readonly number[]).slice(from, to))
          })
        const buffers = new BatchBuffers(batchRows * dim)
        let next = 0
        return new ReadableStream<EmbeddingRows>({
          async pull(controller) {
            const buffer = buffers.take()
            const count = await feed.fill(buffer, batchRows, ids)
            if (count === 0) return controller.close()
            const values = buffer.subarray(0, count * dim)
            controller.enqueue(buffers.offer(check(next, count, dim, values), buffer))
            next += count
            report({ done: next, total: s.rows, unit: "rows", bytes: next * dim * 4 })
          },
          cancel: () => feed.close(),
        }, { highWaterMark: 0 })
      }),
  }
}

/** An iterable that is its own iterator (a generator), or a stream: it can be read once only. */
function readOnce(input: EmbeddingVectorsInput): boolean {
  if (isEmbeddingVectors(input) || Array.isArray(input)) return false
  if (typeof ReadableStream === "function" && input instanceof ReadableStream) return true
  try {
    const i = input as Partial<Iterable<unknown> & AsyncIterable<unknown>>
    const it: unknown = i[Symbol.asyncIterator]?.() ?? i[Symbol.iterator]?.()
    return it === input
  } catch {
    return true // an iterable that cannot be read again
  }
}

/**
 * Opens vectors in memory: counts the rows of one value or an array of values (checking every batch
 * now, so bad input fails before planning), takes `rows` for another iterable (reading its first batch
 * for the dimension and ids), or spools the batches to a temp .npy file, collecting their ids.
 */
async function describeVectors(
  input: EmbeddingVectorsInput,
  rows: number | undefined,
  check: RowCheck,
  noCheck: RowCheck,
): Promise<VectorsState> {
  const idsMemory = new PendingAllowance("the input's ids")
  const feed = new VectorFeed(input, check, rows)
  try {
    await feed.open()
    const dim = feed.dim!
    const known = (n: number, idBytes: number, rest: VectorFeed): VectorsState => {
      const expected = { rows: n, bytes: idBytes }
      const ids = feed.ids ? new IdColumn(feed.ids, idsMemory.reserve, idsMemory.release, expected) : undefined
      return {
        rows: n,
        dim,
        feed: rest,
        ids,
        idsMemory,
        idsPlanned: ids ? IdColumn.plannedBytes(ids.kind, expected) : 0,
        owned: false,
        dispose: () => Promise.resolve(rest.close()),
      }
    }
    if (isEmbeddingVectors(input) || Array.isArray(input)) {
      // every batch is checked now; the run reads them again, checked as they are copied
      const { rows: n, idBytes } = await measure(feed)
      const again = new VectorFeed(input, noCheck, n)
      await again.open()
      return known(n, idBytes, again)
    }
    if (rows !== undefined) {
      // the id text is estimated from the first batch's; the table grows past it if need be
      const first = feed.first
      let text = 0
      if (first && feed.ids === "string") {
        for (const s of first.batch.ids as readonly string[]) text += utf8Length(s)
      }
      return known(rows, first ? Math.ceil((text / first.rows) * rows) : 0, feed)
    }
    return await spool(feed, dim, idsMemory)
  } catch (e) {
    feed.close()
    throw e
  }
}

/** Reads every batch of `feed` into a temp .npy file, and its ids into an IdColumn; opens the file again. */
async function spool(feed: VectorFeed, dim: number, idsMemory: PendingAllowance): Promise<VectorsState> {
  const file = path.join(
    tempDir(),
    `brook-vectors-${process.pid}-${Date.now().toString(36)}-${(spools++).toString(36)}.npy`,
  )
  const ids = feed.ids ? new IdColumn(feed.ids, idsMemory.reserve, idsMemory.release) : undefined
  const rows = await spoolNpy(feed, file, (b) => {
    if (!ids) return
    if (ids.kind === "string") ids.pushStrings(b.batch.ids as readonly string[])
    else ids.pushIntegers(b.batch.ids as readonly number[])
  })
  let npy: NpyFile
  try {
    npy = openNpy(file)
  } finally {
    // the open descriptor keeps the data; the name goes now, so no failure or exit can leave it behind
    try {
      fs.rmSync(file, { force: true })
    } catch {
      // a platform that cannot remove an open file: removed when the run ends, or at exit
      process.once("exit", () => fs.rmSync(file, { force: true }))
    }
  }
  if (npy.rows !== rows || npy.dim !== dim) {
    npy.close()
    throw new Error(`spooled ${rows} x ${dim} rows, read back ${npy.rows} x ${npy.dim}`)
  }
  let open = true
  const state: VectorsState = {
    rows,
    dim,
    spool: npy,
    ids,
    idsMemory,
    idsPlanned: ids?.held ?? 0,
    owned: false,
    dispose: () => {
      unclaimed.unregister(state)
      if (open) npy.close()
      open = false
      fs.rmSync(file, { force: true })
      return Promise.resolve()
    },
  }
  unclaimed.register(state, npy.source, state)
  return state
}

/**
 * Bytes per row of a .npy batch size: three batches of float32 rows, and one staging copy of the rows as
 * the file holds them (`staging` bytes a value: 2 for float16, 8 for float64, 0 for float32 read in place).
 */
const npyRowBytes = (dim: number, staging: number) => dim * (3 * 4 + staging)

/** Rows per batch from a share: what fits beside `fixed`, at most MAX_BATCH_ROWS (or `wanted`) and `total`. */
function rowsPerBatch(share: number, fixed: number, perRow: number, total: number, wanted?: number): number {
  const fit = Math.floor((share - fixed) / perRow)
  return Math.max(1, Math.min(wanted ?? MAX_BATCH_ROWS, fit, Math.max(1, total)))
}

/** The rows of an open .npy file in batches of `batchRows`, checked by `check`, reporting progress. */
function npyRows(
  npy: NpyFile,
  batchRows: number,
  check: ReturnType<typeof rowChecker>,
  progress: (u: { done: number; total: number; unit: string; bytes: number }) => void,
): ReadableStream<EmbeddingRows> {
  const staging = npyScratchBytes(npy, batchRows)
  const scratch = staging > 0 ? new Uint8Array(staging) : undefined
  let next = 0
  const buffers = new BatchBuffers(batchRows * npy.dim)
  const rowBytes = npy.dim * npy.itemSize
  return new ReadableStream<EmbeddingRows>({
    pull(controller) {
      if (next >= npy.rows) return controller.close()
      const count = Math.min(batchRows, npy.rows - next)
      const buffer = buffers.take()
      const values = buffer.subarray(0, count * npy.dim)
      readNpyRows(npy, next, count, values, scratch)
      controller.enqueue(buffers.offer(check(next, count, npy.dim, values), buffer))
      next += count
      progress({ done: next, total: npy.rows, unit: "rows", bytes: next * rowBytes })
    },
  }, { highWaterMark: 0 })
}

/** Batch buffers a consumer handed back (EmbeddingRows.recycle), reused for the next batches. */
class BatchBuffers {
  private readonly free: Float32Array[] = []
  constructor(private readonly length: number) {}
  take(): Float32Array {
    return this.free.pop() ?? new Float32Array(this.length)
  }
  /** `batch`, recyclable when its values are still in `buffer` (dropping zero rows copies them out). */
  offer(batch: EmbeddingRows, buffer: Float32Array): EmbeddingRows {
    return batch.values.buffer === buffer.buffer ? { ...batch, recycle: () => void this.free.push(buffer) } : batch
  }
}

/** Checks rows for NaN/Inf and zero vectors; drops zero rows when asked. */
function rowChecker(file: string, zero: "error" | "skip") {
  return (start: number, count: number, dim: number, values: Float32Array): EmbeddingRows => {
    const zeros = checkRows(file, zero, start, count, dim, values)
    if (!zeros) return { start, count, dim, values }
    const keep = count - zeros.length
    const out = new Float32Array(keep * dim)
    const rowIds = new Uint32Array(keep)
    let w = 0
    for (let r = 0, z = 0; r < count; r++) {
      if (z < zeros.length && zeros[z] === r) {
        z++
        continue
      }
      out.set(values.subarray(r * dim, (r + 1) * dim), w * dim)
      rowIds[w++] = start + r
    }
    return { start, count: keep, dim, values: out, rowIds }
  }
}

/**
 * Checks rows [start, start + count) held in `values` for NaN/Inf and, unless skipped, zero vectors,
 * throwing InvalidInput naming `file` and the row; returns the zero rows (numbered within `values`).
 */
function checkRows(
  file: string,
  zero: "error" | "skip",
  start: number,
  count: number,
  dim: number,
  values: Float32Array,
): number[] | undefined {
  let zeros: number[] | undefined
  for (let r = 0; r < count; r++) {
    let sq = 0
    const base = r * dim
    for (let k = 0; k < dim; k++) {
      const v = values[base + k]
      sq += v * v
    }
    if (!Number.isFinite(sq)) {
      for (let k = 0; k < dim; k++) {
        if (!Number.isFinite(values[base + k])) {
          throw new InvalidInput({
            file,
            row: start + r,
            reason: `value ${values[base + k]} at dimension ${k} (NaN and Inf have no cosine)`,
          })
        }
      }
      throw new InvalidInput({ file, row: start + r, reason: "vector norm overflows float64" })
    }
    if (sq === 0) {
      if (zero === "error") {
        throw new InvalidInput({
          file,
          row: start + r,
          reason: 'zero vector (cosine undefined; use zeroVectors: "skip" / --zero-vectors skip to drop it)',
        })
      }
      ;(zeros ??= []).push(r)
    }
  }
  return zeros
}
