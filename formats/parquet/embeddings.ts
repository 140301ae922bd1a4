/**
 * A Parquet file of embeddings, opened: a LIST<FLOAT> / LIST<DOUBLE> (or DuckDB FLOAT[d]) column read
 * straight into Float32Arrays, plus an optional id column: a whole row group at a time (row_group.ts), or page
 * by page in batches of rows (vector_rows.ts), which needs memory for a batch and a page, not a row group.
 *
 * I/O is positioned reads through the file's ByteSource: the footer and the vector column's page headers at open, then
 * only the byte ranges of the needed column chunks (or pages). Runs unchanged on Bun and Deno (and on Node,
 * where ZSTD falls back to the pure-JS fzstd).
 * Every problem with the file is an InvalidInput (naming the file and a byte offset or row) or
 * a FormatUnsupported (codec or encoding brook does not decode).
 */
import { type ByteSource, openFile, readExactly } from "../../core/byte_source.ts"
import { InvalidInput, isBrookError } from "../../core/errors.ts"
import { type Chunk, columnChunk } from "./column_chunk.ts"
import { firstVectorLength } from "./dimension.ts"
import { plainly, readFooter } from "./metadata.ts"
import { atOffset, type ChunkBytes, readPageHeader } from "./pages.ts"
import { openStreamedPage, streamable, streamedLevelBytes } from "./page_stream.ts"
import { idColumn, type LeafColumn, schemaTree, vectorColumn } from "./schema.ts"

/**
 * An open Parquet file of embeddings: its footer is parsed and `dim` read from the levels at the
 * start of the first data page; no values have been read yet.
 */
export interface ParquetEmbeddings {
  readonly file: string
  /** Vector length, from the first row; every row must have it. */
  readonly dim: number
  /** Total rows (from metadata). */
  readonly rows: number
  /**
   * Per row group: rows, absolute first row, uncompressed size of the column chunks read; the id
   * chunk's compressed plus uncompressed bytes, and its uncompressed bytes alone (0 without ids).
   */
  readonly rowGroups: ReadonlyArray<{ rows: number; firstRow: number; bytes: number; idBytes: number; idText: number }>
  /**
   * The vector column's largest page over the file, from its page headers: bytes compressed and
   * uncompressed, entries (values) of a data page, and entries of a dictionary page.
   */
  readonly pages: {
    readonly compressed: number
    readonly uncompressed: number
    readonly values: number
    readonly dictionary: number
    /** A codec whose decompression allocates its output (GZIP, ZSTD) rather than reusing a buffer. */
    readonly allocates: boolean
    /**
     * Pages read a piece at a time are left out of the figures above: their largest levels (and the
     * entry-by-entry decoding of irregular ones, see streamedLevelBytes), 0 when there are none.
     */
    readonly streamedLevels: number
    readonly streamed: boolean
  }
  /** Name of the top-level vector column. */
  readonly vectorColumn: string
  /** Name of the top-level id column, if any. */
  readonly idColumn?: string
  readonly idKind?: "string" | "integer"
  /** Closes the file descriptor; further reads throw. Idempotent. */
  close(): void
}

/** What an open ParquetEmbeddings reads through, kept out of its public face. */
export interface OpenFile {
  src: ByteSource | undefined
  readonly vector: LeafColumn
  readonly id?: { leaf: LeafColumn; kind: "string" | "integer" }
  /** Per row group: the vector chunk and the id chunk. */
  readonly chunks: ReadonlyArray<{ vector: Chunk; id?: Chunk }>
  readonly streamPageBytes: number
}

export interface OpenOptions {
  readonly column?: string
  readonly idColumn?: string | null
  /**
   * Data pages over this many bytes decompressed are read a piece at a time when they can be (PLAIN
   * values, SNAPPY or no compression; see page_stream.ts). Default 8 MiB.
   */
  readonly streamPageBytes?: number
}

/** Default OpenOptions.streamPageBytes. */
export const STREAM_PAGE_BYTES = 8 << 20

const state = new WeakMap<ParquetEmbeddings, OpenFile>()

/** The open file behind `pq`; RangeError once it is closed. */
export function openedFile(pq: ParquetEmbeddings): OpenFile {
  const s = state.get(pq)
  if (!s || s.src === undefined) throw new RangeError(`${pq.file}: Parquet file is closed`)
  return s
}

/**
 * Opens `file` and reads its footer (and the first page(s) of the vector column to learn `dim`).
 *
 * - `column`: name of the vector column; default the first LIST<FLOAT> / LIST<DOUBLE> column.
 * - `idColumn`: name of the id column (strings or INT32/INT64); default a column named "id" when
 *   it holds strings or integers; `null` reads no ids.
 */
export function openParquetEmbeddings(file: string, options: OpenOptions = {}): ParquetEmbeddings {
  const src = openFile(file)
  try {
    return open(src, options)
  } catch (e) {
    src.close()
    if (isBrookError(e)) throw e
    throw new InvalidInput({ file, reason: `cannot read: ${e instanceof Error ? e.message : String(e)}` })
  }
}

function open(src: ByteSource, options: OpenOptions): ParquetEmbeddings {
  const file = src.name
  const { metadata, footerStart } = readFooter(src)
  const root = atOffset(file, footerStart, "corrupt schema in the footer", () => plainly(() => schemaTree(metadata)))
  const vector = vectorColumn(file, root, options.column)
  const id = idColumn(file, root, options.idColumn)

  const chunks = metadata.row_groups.map((_, g) => ({
    vector: columnChunk(file, metadata, g, vector, footerStart),
    id: id && columnChunk(file, metadata, g, id.leaf, footerStart),
  }))
  let firstRow = 0
  const rowGroups = metadata.row_groups.map((rg, g) => {
    const rows = Number(rg.num_rows)
    const id = chunks[g].id
    const group = {
      rows,
      firstRow,
      bytes: chunks[g].vector.uncompressed + (id?.uncompressed ?? 0),
      idBytes: id ? id.end - id.start + id.uncompressed : 0,
      idText: id?.uncompressed ?? 0,
    }
    firstRow += rows
    return group
  })
  const rows = Number(metadata.num_rows)
  if (firstRow !== rows) {
    throw new InvalidInput({
      file,
      offset: footerStart,
      reason: `row groups hold ${firstRow} rows, the footer says ${rows}`,
    })
  }

  const streamPageBytes = options.streamPageBytes ?? STREAM_PAGE_BYTES
  const s: OpenFile = { src, vector, id, chunks, streamPageBytes }
  const dim = firstRowLength(src, s, rowGroups)
  const pq: ParquetEmbeddings = {
    file,
    dim,
    rows,
    rowGroups,
    pages: pageBounds(src, chunks.map((c) => c.vector), vector, streamPageBytes),
    vectorColumn: vector.name,
    ...(id ? { idColumn: id.leaf.name, idKind: id.kind } : {}),
    close() {
      s.src?.close()
      s.src = undefined
    },
  }
  state.set(pq, s)
  return pq
}

/**
 * The largest page of the given column chunks, from their page headers (a small read per page); of a
 * page to be streamed, its levels (read and decompressed as far as they go).
 */
function pageBounds(
  src: ByteSource,
  chunks: readonly Chunk[],
  leaf: LeafColumn,
  streamPageBytes: number,
): ParquetEmbeddings["pages"] {
  const b = {
    compressed: 0,
    uncompressed: 0,
    values: 0,
    dictionary: 0,
    allocates: false,
    streamedLevels: 0,
    streamed: false,
  }
  const file = src.name
  const read: ChunkBytes = { name: file, at: (offset, n) => readExactly(src, offset, new Uint8Array(n)) }
  for (const chunk of chunks) {
    if (chunk.codec === "GZIP" || chunk.codec === "ZSTD") b.allocates = true
    for (let pos = chunk.start; pos < chunk.end;) {
      const { header, bodyStart, bodyEnd } = readPageHeader(read, pos, chunk.end)
      if (streamable(header, chunk.codec, streamPageBytes)) {
        const at = pos
        const { levels } = atOffset(
          file,
          at,
          "corrupt data page",
          () => openStreamedPage(read, header, at, bodyStart, chunk.codec, leaf),
        )
        b.streamed = true
        b.streamedLevels = Math.max(b.streamedLevels, streamedLevelBytes(levels, leaf))
      } else {
        b.compressed = Math.max(b.compressed, header.compressed_page_size)
        b.uncompressed = Math.max(b.uncompressed, header.uncompressed_page_size)
        const entries = header.data_page_header?.num_values ?? header.data_page_header_v2?.num_values ?? 0
        b.values = Math.max(b.values, entries)
        b.dictionary = Math.max(b.dictionary, header.dictionary_page_header?.num_values ?? 0)
      }
      pos = bodyEnd
    }
  }
  return b
}

/** Vector length: the first row of the first non-empty row group (0 for a file without rows). */
function firstRowLength(src: ByteSource, s: OpenFile, rowGroups: ParquetEmbeddings["rowGroups"]): number {
  const file = src.name
  const g = rowGroups.findIndex((rg) => rg.rows > 0)
  if (g < 0) return 0
  const chunk = s.chunks[g].vector
  const read: ChunkBytes = { name: file, at: (offset, n) => readExactly(src, offset, new Uint8Array(n)) }
  return atOffset(
    file,
    chunk.start,
    "corrupt column chunk",
    () => firstVectorLength(read, chunk, s.vector, rowGroups[g].firstRow),
  )
}
