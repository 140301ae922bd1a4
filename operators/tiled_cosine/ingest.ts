/**
 * Ingest: the rows as they arrive, normalised, packed and (int8 screen) quantised, into the shared heap or
 * through staging buffers into spill files.
 */
import * as fs from "node:fs"
import type { EmbeddingRows } from "../../core/batches.ts"
import { InvalidInput } from "../../core/errors.ts"
import { writeAll } from "../../core/files.ts"
import { packed8Bytes, packedBytes, packNormalised, quantiseRows } from "./kernel.ts"
import { metaTable, STAGING_ROWS } from "./plan.ts"
import type { Region } from "./region.ts"
import type { SpillFiles } from "./spill.ts"

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
export class Ingest {
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
