/**
 * Embedding vectors a library user holds in memory, for readEmbeddings: one `{ vectors, dim, ids? }`
 * value or an iterable (sync or async) of such batches. This file reads the batches in order and
 * checks each one (shape, dimension, ids, and the rows through the check it is given, naming the batch),
 * copies their rows into the source's own buffers, and spools them to a .npy file when their row count
 * is not known up front. The caller's arrays are only read, never handed on.
 */
import * as fs from "node:fs"
import { InvalidInput, InvalidOption } from "../../core/errors.ts"
import { writeAll } from "../../core/files.ts"

/** Rows of embedding vectors in memory: `vectors.length / dim` rows, row-major. */
export interface EmbeddingVectors {
  readonly vectors: Float32Array
  readonly dim: number
  /** One id per row (all strings or all integers), written by the sinks in place of row numbers. */
  readonly ids?: readonly string[] | readonly number[]
}

/** What readEmbeddings takes besides a file path: one value, or batches of the same dimension. */
export type EmbeddingVectorsInput =
  | EmbeddingVectors
  | Iterable<EmbeddingVectors>
  | AsyncIterable<EmbeddingVectors>

/** The name of in-memory input in errors and StreamInfo.file. */
export const VECTORS = "vectors"

/** Checks a batch's rows (NaN/Inf, zero vectors) and throws InvalidInput naming `file`. */
export type RowCheck = (file: string, start: number, count: number, dim: number, values: Float32Array) => void

/** A batch as read: its rows, its first row number in the whole input, its name for errors. */
export interface VectorBatch {
  readonly batch: EmbeddingVectors
  readonly rows: number
  readonly start: number
  readonly name: string
}

export const isEmbeddingVectors = (x: unknown): x is EmbeddingVectors =>
  typeof x === "object" && x !== null && "vectors" in x && "dim" in x

/**
 * Whether the input's row count is known without reading it through: one value or an array of values
 * (their lengths say), or `rows` given by the caller.
 */
export const knownRows = (input: EmbeddingVectorsInput, rows: number | undefined): boolean =>
  rows !== undefined || isEmbeddingVectors(input) || Array.isArray(input)

/**
 * The caller's batches in order, each checked before it is used: a Float32Array whose length divides
 * by `dim`, the dimension of the first batch, ids on every batch or on none (as many as rows, all of
 * the first batch's kind), the rows through `check`; and no more rows than `expected` (fewer are
 * refused at the end). Holds at most one batch of the caller's (two while `open` looks ahead).
 */
export class VectorFeed {
  dim: number | undefined
  /** Kind of ids the batches carry; undefined: none. */
  ids: "string" | "integer" | undefined
  /** Rows read so far. */
  rows = 0
  private iterator: Iterator<EmbeddingVectors> | AsyncIterator<EmbeddingVectors> | undefined
  private index = 0
  private head: VectorBatch | undefined
  private hasIds: boolean | undefined
  private ended = false
  /** The batch being copied (fill) and the rows of it copied so far. */
  private current: VectorBatch | undefined
  private offset = 0

  constructor(
    private readonly input: EmbeddingVectorsInput,
    private readonly check: RowCheck,
    private readonly expected?: number,
  ) {}

  /** Starts reading: looks ahead to the first batch that has rows, to learn the dimension and the ids. */
  async open(): Promise<void> {
    const input = this.input
    const single = isEmbeddingVectors(input)
    const iterable = (single ? [input] : input ?? {}) as Partial<
      Iterable<EmbeddingVectors> & AsyncIterable<EmbeddingVectors>
    >
    if (typeof iterable[Symbol.asyncIterator] !== "function" && typeof iterable[Symbol.iterator] !== "function") {
      throw new InvalidInput({
        file: VECTORS,
        reason: "expected a file path, { vectors: Float32Array, dim, ids? } or an iterable of them",
      })
    }
    this.iterator = iterable[Symbol.asyncIterator]?.() ?? iterable[Symbol.iterator]!()
    let b: VectorBatch | undefined
    while ((b = await this.pull()) && b.rows === 0);
    this.head = b
    if (this.dim === undefined) throw new InvalidInput({ file: VECTORS, reason: "no batches, so no dimension" })
  }

  /** The first batch that has rows, while `open` holds it (before `next` returns it). */
  get first(): VectorBatch | undefined {
    return this.head
  }

  /** The next batch, checked; undefined at the end (after checking the row count). */
  async next(): Promise<VectorBatch | undefined> {
    if (this.head) {
      const h = this.head
      this.head = undefined
      return h
    }
    return await this.pull()
  }

  /**
   * Copies the next rows, up to `maxRows`, into `out` (row-major), handing each piece's ids to `ids`;
   * returns the rows copied (fewer than `maxRows` only at the end).
   */
  async fill(
    out: Float32Array,
    maxRows: number,
    ids?: (b: VectorBatch, from: number, to: number) => void,
  ): Promise<number> {
    const dim = this.dim!
    let copied = 0
    while (copied < maxRows) {
      if (!this.current || this.offset === this.current.rows) {
        this.current = await this.next()
        this.offset = 0
        if (!this.current) break
        continue
      }
      const c = this.current
      const take = Math.min(maxRows - copied, c.rows - this.offset)
      out.set(c.batch.vectors.subarray(this.offset * dim, (this.offset + take) * dim), copied * dim)
      ids?.(c, this.offset, this.offset + take)
      this.offset += take
      copied += take
      // let the caller's batch go as soon as it is copied
      if (this.offset === c.rows) this.current = undefined
    }
    return copied
  }

  /**
   * Stops reading early: asks the caller's iterator to return, so that a generator runs its `finally`
   * blocks. Not awaited: an iterator stuck in its own wait must not hold up the end of the run.
   */
  close(): void {
    const it = this.iterator
    this.iterator = undefined
    this.current = this.head = undefined
    if (!it || this.ended) return
    this.ended = true
    try {
      const done = it.return?.()
      if (done instanceof Promise) done.catch(() => {})
    } catch {
      // the caller's iterator failed while finishing: the run has its own outcome already
    }
  }

  private async pull(): Promise<VectorBatch | undefined> {
    if (this.ended || !this.iterator) return undefined
    const r = await this.iterator.next()
    if (r.done) {
      this.ended = true
      if (this.expected !== undefined && this.rows !== this.expected) {
        throw new InvalidInput({
          file: VECTORS,
          row: this.rows,
          reason: `the batches hold ${this.rows} rows, but options.rows is ${this.expected}`,
        })
      }
      return undefined
    }
    const name = isEmbeddingVectors(this.input) ? VECTORS : `${VECTORS} batch ${this.index}`
    this.index++
    const batch = r.value
    const rows = this.shape(batch, name)
    const start = this.rows
    if (this.expected !== undefined && start + rows > this.expected) {
      throw new InvalidInput({
        file: name,
        row: this.expected,
        reason: `options.rows is ${this.expected}, and this batch brings the rows to ${start + rows}`,
      })
    }
    this.checkIds(batch, name, start, rows)
    this.check(name, start, rows, this.dim!, batch.vectors)
    this.rows += rows
    return { batch, rows, start, name }
  }

  /** Rows of `b`, checking its vectors and dimension. */
  private shape(b: EmbeddingVectors, name: string): number {
    const start = this.rows
    if (!isEmbeddingVectors(b)) {
      throw new InvalidInput({ file: name, row: start, reason: "expected { vectors: Float32Array, dim, ids? }" })
    }
    if (!(b.vectors instanceof Float32Array)) {
      const got = (b.vectors as object | null)?.constructor?.name ?? String(b.vectors)
      throw new InvalidInput({ file: name, row: start, reason: `vectors must be a Float32Array, not ${got}` })
    }
    if (!Number.isSafeInteger(b.dim) || b.dim < 1) {
      throw new InvalidInput({ file: name, row: start, reason: `dim ${b.dim} is not a positive integer` })
    }
    if (this.dim !== undefined && b.dim !== this.dim) {
      throw new InvalidInput({
        file: name,
        row: start,
        reason: `dim ${b.dim} differs from the first batch's ${this.dim}`,
      })
    }
    if (b.vectors.length % b.dim !== 0) {
      throw new InvalidInput({
        file: name,
        row: start + Math.floor(b.vectors.length / b.dim),
        reason: `${b.vectors.length} values are not whole rows of dim ${b.dim} (${b.vectors.length % b.dim} left over)`,
      })
    }
    this.dim = b.dim
    return b.vectors.length / b.dim
  }

  private checkIds(b: EmbeddingVectors, name: string, start: number, rows: number): void {
    const ids = b.ids
    const has = ids !== undefined && ids !== null
    if (this.hasIds !== undefined && has !== this.hasIds) {
      throw new InvalidInput({
        file: name,
        row: start,
        reason: has ? "ids on this batch, but not on the first" : "no ids on this batch, but ids on the first",
      })
    }
    this.hasIds = has
    if (!has) return
    if (!Array.isArray(ids)) throw new InvalidInput({ file: name, row: start, reason: "ids must be an array" })
    if (ids.length !== rows) {
      throw new InvalidInput({
        file: name,
        row: start + Math.min(ids.length, rows),
        reason: `${ids.length} ids for ${rows} rows`,
      })
    }
    for (let r = 0; r < rows; r++) {
      const id = ids[r]
      const kind = typeof id === "string" ? "string" : Number.isSafeInteger(id) ? "integer" : undefined
      if (kind === undefined) {
        throw new InvalidInput({
          file: name,
          row: start + r,
          reason: `id ${String(id)} (${typeof id}): ids are strings or integers`,
        })
      }
      this.ids ??= kind
      if (kind !== this.ids) {
        throw new InvalidInput({
          file: name,
          row: start + r,
          reason: `id ${String(id)} is ${kind === "string" ? "a string" : "an integer"}, the first was ${
            this.ids === "string" ? "a string" : "an integer"
          }: ids are all strings or all integers`,
        })
      }
    }
  }
}

/** Checks `rows` as the caller's row count. */
export function checkRowsOption(rows: number | undefined): void {
  if (rows !== undefined && !(Number.isSafeInteger(rows) && rows >= 0)) {
    throw new InvalidOption({ option: "rows", reason: `${rows} is not a row count` })
  }
}

/**
 * Rows and id text of an input whose rows are known: one value or an array of them, read through (not
 * copied) to check every batch's shape and ids; the rows' values are checked as they are copied.
 */
export async function measure(feed: VectorFeed): Promise<{ rows: number; idBytes: number }> {
  let idBytes = 0
  for (let b = await feed.next(); b; b = await feed.next()) {
    if (feed.ids === "string") { for (const s of b.batch.ids as readonly string[]) idBytes += utf8Length(s) }
  }
  return { rows: feed.rows, idBytes }
}

/** Bytes of `s` in UTF-8. */
export function utf8Length(s: string): number {
  let n = s.length
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k)
    if (c < 0x80) continue
    if (c < 0x800) n += 1
    else if (c >= 0xd800 && c < 0xdc00 && k + 1 < s.length && (s.charCodeAt(k + 1) & 0xfc00) === 0xdc00) {
      n += 2 // a pair of two units: 4 bytes
      k++
    } else n += 2
  }
  return n
}

/** Bytes of the spool file's header: a .npy v1 header padded so that the data starts 64-byte aligned. */
export const NPY_HEADER_BYTES = 128

/** A .npy version 1.0 header for `rows` x `dim` little-endian float32 in C order, NPY_HEADER_BYTES long. */
export function npyHeader(rows: number, dim: number): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`
  const text = dict.padEnd(NPY_HEADER_BYTES - 10 - 1, " ") + "\n"
  if (text.length !== NPY_HEADER_BYTES - 10) throw new RangeError(`npy header for shape (${rows}, ${dim}) too long`)
  const out = new Uint8Array(NPY_HEADER_BYTES)
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]) // \x93NUMPY 1.0
  new DataView(out.buffer).setUint16(8, text.length, true)
  for (let k = 0; k < text.length; k++) out[10 + k] = text.charCodeAt(k)
  return out
}

/**
 * Writes every batch of `feed` to a new .npy file `file` (created, not overwritten), straight from the
 * caller's arrays, handing each batch to `each` (its ids); the header, written last, carries the row
 * count. Removes the file when anything fails. Returns the rows written.
 */
export async function spoolNpy(feed: VectorFeed, file: string, each: (b: VectorBatch) => void): Promise<number> {
  const fd = fs.openSync(file, "wx")
  try {
    writeAll(fd, new Uint8Array(NPY_HEADER_BYTES))
    for (let b = await feed.next(); b; b = await feed.next()) {
      const v = b.batch.vectors
      writeAll(fd, new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
      each(b)
    }
    const header = npyHeader(feed.rows, feed.dim!)
    if (fs.writeSync(fd, header, 0, header.length, 0) !== header.length) throw new Error(`short write to ${file}`)
    fs.closeSync(fd)
    return feed.rows
  } catch (e) {
    try {
      fs.closeSync(fd)
    } catch {
      // closed already
    }
    fs.rmSync(file, { force: true })
    throw e
  }
}
