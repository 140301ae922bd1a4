/**
 * readEmbeddings: the embedding source. Reads .npy (float32/float64) or Parquet (LIST<FLOAT|DOUBLE>
 * or FLOAT[d] column, optional id column) one batch of rows at a time (Parquet: page by page, so a
 * row group of any size needs a page's memory, not the group's), straight into Float32Arrays, and
 * checks every row: same length, finite, non-zero.
 */
import * as Effect from "effect/Effect"
import type { EmbeddingRows, StreamInfo } from "../core/batches.ts"
import { IdColumn } from "../core/id_column.ts"
import { allowance, MemoryBudget, PendingAllowance } from "../core/budget.ts"
import { BudgetExceeded, InvalidInput } from "../core/errors.ts"
import type { Plan, Source } from "../core/operator.ts"
import { Progress } from "../core/progress.ts"
import { openNpy, readNpyRows } from "../formats/npy.ts"
import { openParquetEmbeddings } from "../formats/parquet/embeddings.ts"
import { VectorRows } from "../formats/parquet/vector_rows.ts"

export interface ReadEmbeddingsOptions {
  /** Parquet: the vector column (default: the first list column). */
  readonly column?: string
  /** Parquet: the id column (default "id" when present; null for none). */
  readonly idColumn?: string | null
  /** A zero vector has no cosine: fail (default) or drop the row, keeping the others' row numbers. */
  readonly zeroVectors?: "error" | "skip"
  /** Rows per batch (default: sized from the budget). */
  readonly batchRows?: number
}

/** Rows per .npy batch at most: large enough to amortise reads, small enough to keep queues short. */
const MAX_BATCH_ROWS = 16384
const MIN_BATCH_ROWS = 64

type Opened =
  | { kind: "npy"; rows: number; dim: number; itemSize: number }
  | {
    kind: "parquet"
    rows: number
    dim: number
    pageBytes: number
    idKind?: "string" | "integer"
    /** The id column's uncompressed bytes: about its ids' text (PLAIN adds 4 B per value). */
    idText: number
  }

const isParquet = (file: string) => /\.parq(uet)?$/i.test(file)

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
  return { kind: "npy", rows: npy.rows, dim: npy.dim, itemSize: npy.dtype === "f4" ? 4 : 8 }
}

/** The embedding source for `file` (.npy, .parquet). */
export function readEmbeddings(file: string, options: ReadEmbeddingsOptions = {}): Source<EmbeddingRows> {
  const name = "readEmbeddings"
  let opened: Opened | undefined
  let idTable: IdColumn | undefined
  // bytes per row of a batch size: three batches live at once (one being read, one queued past the
  // queue's byte bound, as a WHATWG queue accepts a chunk whenever it is below its mark, one being
  // consumed), each row float32 plus a float64 staging copy for npy f8; Parquet adds the decoder's
  // window, which holds a batch of rows besides a page
  const perRowBytes = (o: Opened) =>
    o.kind === "npy" ? 3 * o.dim * (4 + (o.itemSize === 8 ? 8 : 0)) : (3 * 4 + 4) * o.dim
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
        catch: (e) => e as InvalidInput,
      }),
    minimum: () => !opened ? 0 : fixedBytes(opened) + perRowBytes(opened) * Math.min(opened.rows, MIN_BATCH_ROWS),
    plan: (share) =>
      Effect.suspend(() => {
        const o = opened!
        const perRow = perRowBytes(o) || 1
        const fixed = fixedBytes(o)
        const fit = Math.floor((share - fixed) / perRow)
        const rows = Math.max(1, Math.min(options.batchRows ?? MAX_BATCH_ROWS, fit, Math.max(1, o.rows)))
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
        return Effect.succeed<Plan>({ bytes, batchRows: rows, notes })
      }),
    make: (plan) =>
      Effect.gen(function* () {
        const budget = yield* MemoryBudget
        const progress = yield* Progress
        yield* budget.reserve(name, plan.bytes)
        const check = rowChecker(file, options.zeroVectors ?? "error")
        const o = opened!
        idsMemory!.bind(yield* allowance(name, idsBytes(o)))
        if (o.kind === "npy") {
          const npy = yield* Effect.acquireRelease(
            Effect.sync(() => openNpy(file)),
            (f) => Effect.sync(() => f.close()),
          )
          const batchRows = plan.batchRows as number
          const scratch = npy.dtype === "f8" ? new Uint8Array(batchRows * npy.dim * 8) : undefined
          let next = 0
          const buffers = new BatchBuffers(batchRows * npy.dim)
          const rowBytes = npy.dim * (npy.dtype === "f8" ? 8 : 4)
          return new ReadableStream<EmbeddingRows>({
            pull(controller) {
              if (next >= npy.rows) return controller.close()
              const count = Math.min(batchRows, npy.rows - next)
              const buffer = buffers.take()
              const values = buffer.subarray(0, count * npy.dim)
              readNpyRows(npy, next, count, values, scratch)
              controller.enqueue(buffers.offer(check(next, count, npy.dim, values), buffer))
              next += count
              progress.update(name, { done: next, total: npy.rows, unit: "rows", bytes: next * rowBytes })
            },
          }, { highWaterMark: 0 })
        }
        const pq = yield* Effect.acquireRelease(
          Effect.sync(() => openParquetEmbeddings(file, { column: options.column, idColumn: options.idColumn })),
          (f) => Effect.sync(() => f.close()),
        )
        const batchRows = plan.batchRows as number
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
