/**
 * Parquet embeddings source: reads a LIST<FLOAT> / LIST<DOUBLE> (or DuckDB FLOAT[d]) column straight
 * into Float32Arrays, plus an optional id column: a whole row group at a time (readRowGroup), or page
 * by page in batches of rows (VectorRows), which needs memory for a batch and a page, not a row group.
 *
 * I/O is positioned reads with node:fs: the footer and the vector column's page headers at open, then
 * only the byte ranges of the needed column chunks (or pages). Runs unchanged on Bun and Deno (and on Node,
 * where ZSTD falls back to the pure-JS fzstd).
 * Every problem with the file is an InvalidInput (naming the file and a byte offset or row) or
 * a FormatUnsupported (codec or encoding brook does not decode).
 */
import { readAt as readFileAt } from "../core/files.ts"
import type { ColumnMetaData, FileMetaData, SchemaTree } from "hyparquet"
import { parquetMetadata } from "hyparquet"
import { deserializeTCompactProtocol } from "hyparquet/src/thrift.js"
import * as fs from "node:fs"
import { FormatUnsupported, InvalidInput, isBrookError } from "../core/errors.ts"
import { checkCodec } from "./parquet/compression.ts"
import { firstVectorLength } from "./parquet/dimension.ts"
import { IdDecoder } from "./parquet/ids.ts"
import { atOffset, type ByteSource, readPageHeader, visitParsedPage, walkPages } from "./parquet/pages.ts"
import {
  openStreamedPage,
  STREAM_BUFFER_BYTES,
  streamable,
  streamedLevelBytes,
  type StreamedPage,
} from "./parquet/page_stream.ts"
import { describeField, idKindOf, isVectorLeaf, type LeafColumn, leafOf, schemaTree } from "./parquet/schema.ts"
import { VectorDecoder } from "./parquet/vectors.ts"

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

/** What one row group decodes to: `count` vectors of `dim` values, row-major. */
export interface RowGroupVectors {
  readonly values: Float32Array
  readonly count: number
  readonly ids?: string[] | Float64Array
}

interface Chunk {
  readonly start: number
  readonly end: number
  readonly codec: string
}

interface OpenFile {
  fd: number | undefined
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
/** Values per piece of a streamed page. */
const STREAM_VALUES = 1 << 18

const state = new WeakMap<ParquetEmbeddings, OpenFile>()
const MAGIC = 0x31524150 // "PAR1" little-endian
const ENCRYPTED = 0x45524150 // "PARE": encrypted footer

/**
 * Opens `file` and reads its footer (and the first page(s) of the vector column to learn `dim`).
 *
 * - `column`: name of the vector column; default the first LIST<FLOAT> / LIST<DOUBLE> column.
 * - `idColumn`: name of the id column (strings or INT32/INT64); default a column named "id" when
 *   it holds strings or integers; `null` reads no ids.
 */
export function openParquetEmbeddings(file: string, options: OpenOptions = {}): ParquetEmbeddings {
  let fd: number
  try {
    fd = fs.openSync(file, "r")
  } catch (e) {
    throw new InvalidInput({ file, reason: `cannot open: ${e instanceof Error ? e.message : String(e)}` })
  }
  try {
    return open(file, fd, options)
  } catch (e) {
    fs.closeSync(fd)
    if (isBrookError(e)) throw e
    throw new InvalidInput({ file, reason: `cannot read: ${e instanceof Error ? e.message : String(e)}` })
  }
}

/**
 * Decodes row group `index`: the vector column into `values` (count*dim floats, DOUBLE rounded to
 * float32) and, if the file has an id column, its ids (strings, or integers as doubles).
 * Throws RangeError for an index out of range or a closed file.
 */
export function readRowGroup(pq: ParquetEmbeddings, index: number): RowGroupVectors {
  const s = state.get(pq)
  if (!s || s.fd === undefined) throw new RangeError(`${pq.file}: Parquet file is closed`)
  const group = pq.rowGroups[index]
  if (!group) throw new RangeError(`${pq.file}: no row group ${index} (the file has ${pq.rowGroups.length})`)
  const fd = s.fd
  const { vector } = s.chunks[index]
  const values = decodeChunk(pq.file, fd, vector, (read) => {
    const decoder = new VectorDecoder({
      file: pq.file,
      leaf: s.vector,
      dim: pq.dim,
      firstRow: group.firstRow,
      rows: group.rows,
    })
    walkPages(pq.file, read, vector, s.vector, decoder)
    return decoder.finish()
  })
  const ids = groupIds(pq, s, index)
  return ids ? { values, count: group.rows, ids } : { values, count: group.rows }
}

/** The ids of row group `index` (its whole id chunk, read and decoded), or undefined without an id column. */
function groupIds(pq: ParquetEmbeddings, s: OpenFile, index: number): string[] | Float64Array | undefined {
  const chunk = s.chunks[index].id, group = pq.rowGroups[index]
  if (!chunk || !s.id) return undefined
  const { leaf, kind } = s.id
  return decodeChunk(pq.file, s.fd!, chunk, (read) => {
    const decoder = new IdDecoder(pq.file, leaf, kind, group.firstRow, group.rows)
    walkPages(pq.file, read, chunk, leaf, decoder)
    return decoder.finish()
  })
}

function open(file: string, fd: number, options: OpenOptions): ParquetEmbeddings {
  const { metadata, footerStart } = readFooter(file, fd)
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
  const s: OpenFile = { fd, vector, id, chunks, streamPageBytes }
  const dim = firstRowLength(file, fd, s, rowGroups)
  const pq: ParquetEmbeddings = {
    file,
    dim,
    rows,
    rowGroups,
    pages: pageBounds(file, fd, chunks.map((c) => c.vector), vector, streamPageBytes),
    vectorColumn: vector.name,
    ...(id ? { idColumn: id.leaf.name, idKind: id.kind } : {}),
    close() {
      if (s.fd !== undefined) fs.closeSync(s.fd)
      s.fd = undefined
    },
  }
  state.set(pq, s)
  return pq
}

/** Checks both magics and the footer length, then parses the footer (only the footer is read). */
function readFooter(file: string, fd: number): { metadata: FileMetaData; footerStart: number } {
  const size = fs.fstatSync(fd).size
  if (size < 12) throw new InvalidInput({ file, offset: 0, reason: `${size} bytes is too short for a Parquet file` })
  const head = readAt(file, fd, 0, 4)
  const tail = readAt(file, fd, size - 8, 8)
  if (u32(head, 0) === ENCRYPTED || u32(tail, 4) === ENCRYPTED) {
    throw new FormatUnsupported({ file, format: "encrypted Parquet", reason: "the footer is encrypted" })
  }
  if (u32(head, 0) !== MAGIC) {
    throw new InvalidInput({ file, offset: 0, reason: "not a Parquet file (it does not start with PAR1)" })
  }
  if (u32(tail, 4) !== MAGIC) {
    throw new InvalidInput({ file, offset: size - 4, reason: "no PAR1 at the end: truncated or not a Parquet file" })
  }
  const length = u32(tail, 0)
  if (length > size - 12) {
    throw new InvalidInput({
      file,
      offset: size - 8,
      reason: `footer length ${length} points outside the file (${size} bytes)`,
    })
  }
  const footerStart = size - 8 - length
  const footer = readAt(file, fd, footerStart, length + 8)
  checkFooter(file, footer.subarray(0, length), footerStart)
  const metadata = atOffset(
    file,
    footerStart,
    "corrupt footer",
    () => plainly(() => parquetMetadata(footer, { geoparquet: false })),
  )
  return { metadata, footerStart }
}

/** For what checkFooter does not foresee: a JavaScript engine's words (a TypeError) are no message for a user. */
function plainly<T>(f: () => T): T {
  try {
    return f()
  } catch (e) {
    if (e instanceof TypeError) throw new Error("a FileMetaData field is missing or of the wrong kind")
    throw e
  }
}

const PHYSICAL_TYPES = 8 // BOOLEAN .. FIXED_LEN_BYTE_ARRAY

/**
 * Checks the footer's Thrift FileMetaData for what hyparquet's conversion of it takes for granted, and
 * names the first thing wrong in Parquet's terms: a schema, physical types that exist (PARQUET-1481 has
 * a column of type -7), no more column chunks in a row group than the schema has leaf columns.
 */
function checkFooter(file: string, meta: Uint8Array, footerStart: number): void {
  const bad = (reason: string): never => {
    throw new InvalidInput({ file, offset: footerStart, reason: `corrupt footer: ${reason}` })
  }
  // deno-lint-ignore no-explicit-any
  let raw: { [k: string]: any }
  try {
    raw = deserializeTCompactProtocol({ view: new DataView(meta.buffer, meta.byteOffset, meta.length), offset: 0 })
  } catch {
    return bad("the FileMetaData is not Thrift's compact protocol, or runs past the footer")
  }
  const isType = (t: unknown) => Number.isInteger(t) && (t as number) >= 0 && (t as number) < PHYSICAL_TYPES
  const schema = raw.field_2
  if (!Array.isArray(schema) || schema.length === 0) bad("no schema")
  // elements in depth-first order: each names how many of the following are its children
  let leaves = 0, open = 1
  schema.forEach((e: Record<string, unknown> | undefined, k: number) => {
    if (typeof e !== "object" || e === null) return bad(`schema element ${k} is not a struct`)
    const name = e.field_4 instanceof Uint8Array ? new TextDecoder().decode(e.field_4) : "?"
    const children = e.field_5 ?? 0
    if (!(Number.isInteger(children) && (children as number) >= 0)) {
      bad(`schema element ${k} (${name}) has ${children} children`)
    }
    if (open > 0) open += (children as number) - 1
    if (e.field_1 === undefined) return
    if (!isType(e.field_1)) {
      bad(
        `schema element ${k} (${name}) has physical type ${e.field_1}, not one of Parquet's ${PHYSICAL_TYPES}` +
          " (0 BOOLEAN to 7 FIXED_LEN_BYTE_ARRAY)",
      )
    }
    leaves++
  })
  if (open > 0) bad(`the schema's groups count ${open} more children than the schema has elements`)
  const groups = raw.field_4
  if (!Array.isArray(groups)) return bad("no list of row groups")
  groups.forEach((g: Record<string, unknown> | undefined, k: number) => {
    const chunks = g?.field_1
    if (!Array.isArray(chunks)) return bad(`row group ${k} has no list of column chunks`)
    if (chunks.length > leaves) {
      bad(`row group ${k} has ${chunks.length} column chunks for the schema's ${leaves} leaf column(s)`)
    }
    chunks.forEach((c: Record<string, Record<string, unknown> | undefined> | undefined, j: number) => {
      const m = c?.field_3
      if (m === undefined) return
      if (!isType(m.field_1)) bad(`row group ${k}, column chunk ${j} has physical type ${m.field_1}`)
      if (!Array.isArray(m.field_3)) bad(`row group ${k}, column chunk ${j} has no path in the schema`)
    })
  })
}

function vectorColumn(file: string, root: SchemaTree, name: string | undefined): LeafColumn {
  const fields = root.children
  if (name !== undefined) {
    const field = fields.find((f) => f.element.name === name)
    if (!field) throw new InvalidInput({ file, reason: `no vector column "${name}"; columns: ${listColumns(root)}` })
    const leaf = leafOf(root, field)
    if (!leaf || !isVectorLeaf(leaf)) {
      throw new InvalidInput({
        file,
        reason: `column "${name}" is ${describeField(root, field)}, not a list of FLOAT or DOUBLE; columns: ${
          listColumns(root)
        }`,
      })
    }
    return leaf
  }
  for (const field of fields) {
    const leaf = leafOf(root, field)
    if (leaf && isVectorLeaf(leaf)) return leaf
  }
  throw new InvalidInput({
    file,
    reason: `no LIST<FLOAT> or LIST<DOUBLE> vector column; columns: ${listColumns(root)}`,
  })
}

function idColumn(
  file: string,
  root: SchemaTree,
  name: string | null | undefined,
): { leaf: LeafColumn; kind: "string" | "integer" } | undefined {
  if (name === null) return undefined
  const field = root.children.find((f) => f.element.name === (name ?? "id"))
  const leaf = field && leafOf(root, field)
  const kind = leaf && idKindOf(leaf)
  if (leaf && kind) return { leaf, kind }
  if (name === undefined) return undefined // no usable "id" column: no ids
  if (!field) throw new InvalidInput({ file, reason: `no id column "${name}"; columns: ${listColumns(root)}` })
  throw new InvalidInput({
    file,
    reason: `id column "${name}" is ${describeField(root, field)}; ids must be strings (BYTE_ARRAY) or INT32/INT64`,
  })
}

const listColumns = (root: SchemaTree) =>
  root.children.map((f) => `${f.element.name} (${describeField(root, f)})`).join(", ") || "none"

type ChunkInfo = Chunk & { uncompressed: number }

/** Byte range and codec of a leaf's column chunk in row group `g`, checked against the file. */
function columnChunk(
  file: string,
  metadata: FileMetaData,
  g: number,
  leaf: LeafColumn,
  footerStart: number,
): ChunkInfo {
  const path = leaf.path.join(".")
  const column = metadata.row_groups[g].columns.find((c) => c.meta_data?.path_in_schema.join(".") === path)
  const meta: ColumnMetaData | undefined = column?.meta_data
  if (!column || !meta) {
    throw new InvalidInput({ file, offset: footerStart, reason: `row group ${g} has no column chunk for ${path}` })
  }
  if (column.file_path) {
    throw new FormatUnsupported({
      file,
      format: "Parquet external column chunks",
      reason: `${path} is in ${column.file_path}`,
    })
  }
  checkCodec(file, leaf.name, meta.codec)
  const data = Number(meta.data_page_offset)
  const dict = meta.dictionary_page_offset === undefined ? undefined : Number(meta.dictionary_page_offset)
  const start = dict !== undefined && dict > 0 && dict < data ? dict : data
  const end = start + Number(meta.total_compressed_size)
  if (!(start >= 4 && end >= start && end <= footerStart)) {
    throw new InvalidInput({
      file,
      offset: start,
      reason:
        `column chunk ${path} of row group ${g} (bytes ${start}..${end}) lies outside the data (4..${footerStart})`,
    })
  }
  return { start, end, codec: meta.codec, uncompressed: Number(meta.total_uncompressed_size) }
}

/**
 * The largest page of the given column chunks, from their page headers (a small read per page); of a
 * page to be streamed, its levels (read and decompressed as far as they go).
 */
function pageBounds(
  file: string,
  fd: number,
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
  const read: ByteSource = (offset, n) => readAt(file, fd, offset, n)
  for (const chunk of chunks) {
    if (chunk.codec === "GZIP" || chunk.codec === "ZSTD") b.allocates = true
    for (let pos = chunk.start; pos < chunk.end;) {
      const { header, bodyStart, bodyEnd } = readPageHeader(file, read, pos, chunk.end)
      if (streamable(header, chunk.codec, streamPageBytes)) {
        const at = pos
        const { levels } = atOffset(
          file,
          at,
          "corrupt data page",
          () => openStreamedPage(file, read, header, at, bodyStart, chunk.codec, leaf),
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
  private readonly read: ByteSource
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
    const s = state.get(pq)
    if (!s || s.fd === undefined) throw new RangeError(`${pq.file}: Parquet file is closed`)
    const fd = s.fd
    this.width = s.vector.element.type === "DOUBLE" ? 8 : 4
    this.page = new Uint8Array(pq.pages.uncompressed)
    this.read = (offset, n) => {
      if (n > this.scratch.length) this.scratch = new Uint8Array(Math.max(n, 2 * this.scratch.length))
      return readInto(pq.file, fd, offset, this.scratch.subarray(0, n))
    }
  }

  /**
   * The next rows: their values (count * dim, in `into` when it has room, else a fresh array), their
   * first row and ids; undefined after the last.
   */
  next(
    into?: Float32Array,
  ): { values: Float32Array; count: number; firstRow: number; ids?: string[] | Float64Array } | undefined {
    const pq = this.pq, s = state.get(pq)!
    if (s.fd === undefined) throw new RangeError(`${pq.file}: Parquet file is closed`)
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
      () => readPageHeader(file, this.read, at, chunk.end),
    )
    if (!streamable(page.header, chunk.codec, s.streamPageBytes)) {
      this.pos = atOffset(
        file,
        chunk.start,
        "corrupt column chunk",
        () => visitParsedPage(file, this.read, chunk.codec, s.vector, at, page, decoder, this.page),
      )
      return
    }
    const opened = atOffset(file, at, "corrupt data page", () => {
      const streamed = openStreamedPage(file, this.read, page.header, at, page.bodyStart, chunk.codec, s.vector)
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

/** Reads a whole column chunk with one positioned read and decodes it; stray errors get its offset. */
function decodeChunk<T>(file: string, fd: number, chunk: Chunk, decode: (read: ByteSource) => T): T {
  const bytes = readAt(file, fd, chunk.start, chunk.end - chunk.start)
  const read: ByteSource = (offset, length) => bytes.subarray(offset - chunk.start, offset - chunk.start + length)
  return atOffset(file, chunk.start, "corrupt column chunk", () => decode(read))
}

/** Vector length: the first row of the first non-empty row group (0 for a file without rows). */
function firstRowLength(file: string, fd: number, s: OpenFile, rowGroups: ParquetEmbeddings["rowGroups"]): number {
  const g = rowGroups.findIndex((rg) => rg.rows > 0)
  if (g < 0) return 0
  const chunk = s.chunks[g].vector
  const read: ByteSource = (offset, n) => readAt(file, fd, offset, n)
  return atOffset(
    file,
    chunk.start,
    "corrupt column chunk",
    () => firstVectorLength(file, read, chunk, s.vector, rowGroups[g].firstRow),
  )
}

/** Exactly `length` bytes at `offset`, or InvalidInput when the file ends first. */
function readAt(file: string, fd: number, offset: number, length: number): Uint8Array {
  return readInto(file, fd, offset, new Uint8Array(length))
}

/** Fills `bytes` from `offset`, or throws InvalidInput when the file ends first. */
function readInto(file: string, fd: number, offset: number, bytes: Uint8Array): Uint8Array {
  const got = readFileAt(fd, bytes, offset)
  if (got < bytes.length) {
    throw new InvalidInput({
      file,
      offset: offset + got,
      reason: `file ends while reading ${bytes.length} bytes at ${offset}`,
    })
  }
  return bytes
}

const u32 = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0
