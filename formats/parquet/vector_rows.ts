/**
 * VectorRows: the vectors (and ids) of a Parquet file page by page, in batches of rows, holding a batch and a
 * page rather than a row group. Pages over the streaming threshold are read a piece at a time.
 */
import { readExactly } from "../../core/byte_source.ts"
import type { Chunk } from "./column_chunk.ts"
import { openedFile, type OpenFile, type ParquetEmbeddings } from "./embeddings.ts"
import { openStreamedPage, STREAM_BUFFER_BYTES, streamable, type StreamedPage } from "./page_stream.ts"
import { atOffset, type ChunkBytes, readPageHeader, visitParsedPage } from "./pages.ts"
import { groupIds } from "./row_group.ts"
import { valueWidth } from "./schema.ts"
import { VectorDecoder } from "./vectors.ts"

/** Values per piece of a streamed page. */
const STREAM_VALUES = 1 << 18

/**
 * The vectors (and ids) of a Parquet file in order, row group after row group, page by page: each
 * `next()` is at most `batchRows` rows of one row group. Holds one page (compressed and decompressed),
 * the dictionary, a window of `batchRows` rows plus a page's values, and the current row group's ids.
 * Errors are those of readRowGroup, at the same rows and offsets.
 */
export class VectorRows {
  private group = -1
  private decoder: VectorDecoder | undefined
  private pos = 0
  private finished = false
  private taken = 0
  private ids: string[] | Float64Array | undefined
  /** The page being read a piece at a time, the file offset of its header, and its values not read yet. */
  private stream: { page: StreamedPage; at: number; left: number } | undefined
  private piece = new Uint8Array(0)
  /** Bytes per PLAIN value of the vector column. */
  private readonly width: number
  private readonly read: ChunkBytes
  /** Page reads and decompressed pages reuse these, so that reading leaves little garbage behind. */
  private scratch = new Uint8Array(4096)
  private readonly page: Uint8Array

  /**
   * Bytes a VectorRows holds besides its batch (rows of the window included there): the largest page
   * read whole, as read and decompressed (into reused buffers; GZIP and ZSTD allocate their output once
   * more), its values and a row in the decoder's window, a dictionary as float32 and its indices (with
   * dictionary pages); for streamed pages, SnappyStream's buffers, their largest levels and a piece of
   * values (read, and in the window); and one row group's id chunk, read and decoded.
   */
  static fixedBytes(pq: ParquetEmbeddings): number {
    const p = pq.pages
    const ids = Math.max(0, ...pq.rowGroups.map((g) => g.idBytes))
    const whole = p.compressed + (p.allocates ? 2 : 1) * p.uncompressed + 4 * (p.values + pq.dim) +
      (p.dictionary > 0 ? 4 * p.dictionary + 4 * p.values : 0)
    const streamed = p.streamed ? STREAM_BUFFER_BYTES + p.streamedLevels + (8 + 4) * STREAM_VALUES : 0
    return whole + streamed + 2 * ids
  }

  constructor(private readonly pq: ParquetEmbeddings, private readonly batchRows: number) {
    const s = openedFile(pq)
    const src = s.src!
    this.width = valueWidth(s.vector) ?? 4
    this.page = new Uint8Array(pq.pages.uncompressed)
    this.read = {
      name: pq.file,
      at: (offset, n) => {
        if (n > this.scratch.length) this.scratch = new Uint8Array(Math.max(n, 2 * this.scratch.length))
        return readExactly(src, offset, this.scratch.subarray(0, n))
      },
    }
  }

  /**
   * The next rows: their values (count * dim, in `into` when it has room, else a fresh array), their
   * first row and ids; undefined after the last.
   */
  next(
    into?: Float32Array,
  ): { values: Float32Array; count: number; firstRow: number; ids?: string[] | Float64Array } | undefined {
    const pq = this.pq, s = openedFile(pq)
    for (;;) {
      if (!this.decoder) {
        if (++this.group >= pq.rowGroups.length) return undefined
        this.startGroup(s)
      }
      const decoder = this.decoder!
      const chunk = s.chunks[this.group].vector
      if (this.pos >= chunk.end && !this.stream && !this.finished) {
        decoder.finish()
        this.finished = true
      }
      const ready = decoder.completeRows() - this.taken
      if (ready >= this.batchRows || (this.finished && ready > 0)) {
        const count = Math.min(ready, this.batchRows)
        const values = into && into.length >= count * pq.dim
          ? into.subarray(0, count * pq.dim)
          : new Float32Array(count * pq.dim)
        values.set(decoder.take(count))
        const firstRow = pq.rowGroups[this.group].firstRow + this.taken
        const ids = this.ids && this.ids.slice(this.taken, this.taken + count)
        this.taken += count
        return ids ? { values, count, firstRow, ids } : { values, count, firstRow }
      }
      if (this.finished) {
        this.decoder = undefined
        continue
      }
      if (this.stream) this.streamPiece(decoder)
      else this.nextPage(s, chunk, decoder)
    }
  }

  /** Reads the page at `pos`: whole, or the levels of a page to stream (its values come piece by piece). */
  private nextPage(s: OpenFile, chunk: Chunk, decoder: VectorDecoder): void {
    const file = this.pq.file, at = this.pos
    const page = atOffset(
      file,
      chunk.start,
      "corrupt column chunk",
      () => readPageHeader(this.read, at, chunk.end),
    )
    if (!streamable(page.header, chunk.codec, s.streamPageBytes)) {
      this.pos = atOffset(
        file,
        chunk.start,
        "corrupt column chunk",
        () => visitParsedPage(this.read, chunk.codec, s.vector, at, page, decoder, this.page),
      )
      return
    }
    const opened = atOffset(file, at, "corrupt data page", () => {
      const streamed = openStreamedPage(this.read, page.header, at, page.bodyStart, chunk.codec, s.vector)
      decoder.checkLevels(streamed.levels)
      return streamed
    })
    this.stream = { page: opened, at, left: opened.levels.numValues }
    this.pos = page.bodyEnd
  }

  /** The next piece of the streamed page's values into the decoder. */
  private streamPiece(decoder: VectorDecoder): void {
    const stream = this.stream!
    if (stream.left === 0) {
      this.stream = undefined
      return
    }
    const count = Math.min(stream.left, STREAM_VALUES)
    if (this.piece.length < count * this.width) this.piece = new Uint8Array(STREAM_VALUES * this.width)
    const bytes = this.piece.subarray(0, count * this.width)
    atOffset(this.pq.file, stream.at, "corrupt data page", () => {
      stream.page.values.take(bytes)
      decoder.appendPlain(bytes, count)
    })
    stream.left -= count
  }

  private startGroup(s: OpenFile): void {
    const pq = this.pq, g = pq.rowGroups[this.group], chunk = s.chunks[this.group]
    const window = this.batchRows * pq.dim + Math.max(pq.pages.values, pq.pages.streamed ? STREAM_VALUES : 0) + pq.dim
    this.decoder = new VectorDecoder(
      { file: pq.file, leaf: s.vector, dim: pq.dim, firstRow: g.firstRow, rows: g.rows },
      Math.min(window, g.rows * pq.dim),
    )
    this.pos = chunk.vector.start
    this.stream = undefined
    this.finished = false
    this.taken = 0
    this.ids = groupIds(pq, s, this.group)
  }
}
