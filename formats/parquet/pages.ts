/**
 * Walks the pages of one column chunk: parses each page header (hyparquet's thrift reader), checks
 * it stays inside the chunk, and decompresses the body. Any failure on a page becomes an
 * InvalidInput at that page's byte offset; brook's own errors pass through unchanged.
 */
import type { PageHeader } from "hyparquet"
import { parquetHeader } from "hyparquet/src/column.js"
import { FormatUnsupported, InvalidInput, isBrookError } from "../../core/errors.ts"
import { decompress } from "./compression.ts"

/**
 * The bytes of a column chunk's file: its name (errors name it) and `at(offset, length)`, a view into the chunk
 * read whole, or a read through the file's ByteSource.
 */
export interface ChunkBytes {
  readonly name: string
  at(offset: number, length: number): Uint8Array
}

/** A data page ready to decode: levels and values, all uncompressed. */
export interface DataPage {
  /** Absolute byte offset of the page header in the file (for errors). */
  readonly offset: number
  readonly v2: boolean
  /** Levels plus values in v1 layout; v2: levels (uncompressed) then values, already decompressed. */
  readonly bytes: Uint8Array
  /** Entries in the page (levels count, nulls included). */
  readonly numValues: number
  readonly encoding: string
  /** v2 only: byte lengths of the two level sections at the start of `bytes`. */
  readonly repetitionBytes: number
  readonly definitionBytes: number
}

/** A dictionary page: PLAIN values, uncompressed. */
export interface DictionaryPage {
  readonly offset: number
  readonly bytes: Uint8Array
  readonly numValues: number
}

/** Receives the pages of a column chunk, in order. */
export interface PageVisitor {
  dictionary(page: DictionaryPage): void
  data(page: DataPage): void
}

/** Runs `f`, turning anything but a brook error into InvalidInput at `offset`. */
export function atOffset<T>(file: string, offset: number, what: string, f: () => T): T {
  try {
    return f()
  } catch (e) {
    if (isBrookError(e)) throw e
    throw new InvalidInput({ file, offset, reason: `${what}: ${e instanceof Error ? e.message : String(e)}` })
  }
}

/**
 * Visits the pages of the column chunk `[start, end)` of `leaf` through `read` (a view of the
 * loaded chunk, or file reads).
 */
export function walkPages(
  read: ChunkBytes,
  chunk: { start: number; end: number; codec: string },
  leaf: LevelBounds,
  visit: PageVisitor,
): void {
  for (let pos = chunk.start; pos < chunk.end;) pos = visitPage(read, chunk, leaf, pos, visit)
}

/**
 * Visits the page at `pos` of the column chunk (walkPages' step); returns where the next page starts.
 * `into`: where to decompress the page when it has room (reused from page to page; SNAPPY only).
 */
export function visitPage(
  read: ChunkBytes,
  chunk: { start: number; end: number; codec: string },
  leaf: LevelBounds,
  pos: number,
  visit: PageVisitor,
  into?: Uint8Array,
): number {
  return visitParsedPage(read, chunk.codec, leaf, pos, readPageHeader(read, pos, chunk.end), visit, into)
}

/** visitPage for the page at `pos` whose header readPageHeader has parsed already. */
export function visitParsedPage(
  read: ChunkBytes,
  codec: string,
  leaf: LevelBounds,
  pos: number,
  { header, bodyStart, bodyEnd }: PageAt,
  visit: PageVisitor,
  into?: Uint8Array,
): number {
  const file = read.name
  const size = header.compressed_page_size
  const body = read.at(bodyStart, size)
  const offset = pos
  pos = bodyEnd
  if (header.type === "DICTIONARY_PAGE") {
    const dph = header.dictionary_page_header
    if (!dph) throw new InvalidInput({ file, offset, reason: "dictionary page without its header" })
    const bytes = atOffset(
      file,
      offset,
      "corrupt dictionary page",
      () => decompress(codec, body, header.uncompressed_page_size, into),
    )
    atOffset(
      file,
      offset,
      "corrupt dictionary page",
      () => visit.dictionary({ offset, bytes, numValues: dph.num_values }),
    )
  } else if (header.type === "DATA_PAGE") {
    const dph = header.data_page_header
    if (!dph) throw new InvalidInput({ file, offset, reason: "data page without its header" })
    checkLevelEncodings(file, header, leaf)
    const bytes = atOffset(
      file,
      offset,
      "corrupt data page",
      () => decompress(codec, body, header.uncompressed_page_size, into),
    )
    const page = dataPage(offset, header, bytes)
    atOffset(file, offset, "corrupt data page", () => visit.data(page))
  } else if (header.type === "DATA_PAGE_V2") {
    const dph = header.data_page_header_v2
    if (!dph) throw new InvalidInput({ file, offset, reason: "data page v2 without its header" })
    const levels = dph.repetition_levels_byte_length + dph.definition_levels_byte_length
    if (!(dph.repetition_levels_byte_length >= 0 && dph.definition_levels_byte_length >= 0 && levels <= size)) {
      throw new InvalidInput({
        file,
        offset,
        reason: `level lengths (${levels} bytes) exceed the page (${size} bytes)`,
      })
    }
    let bytes = body
    if (dph.is_compressed !== false && codec !== "UNCOMPRESSED") {
      // levels (never compressed), then the values decompressed after them: in `into` when it has room
      const joined = into && into.length >= header.uncompressed_page_size ? into : undefined
      const values = atOffset(
        file,
        offset,
        "corrupt data page",
        () =>
          decompress(codec, body.subarray(levels), header.uncompressed_page_size - levels, joined?.subarray(levels)),
      )
      bytes = joined ? joined.subarray(0, levels + values.length) : new Uint8Array(levels + values.length)
      bytes.set(body.subarray(0, levels))
      if (values.buffer !== bytes.buffer || values.byteOffset !== bytes.byteOffset + levels) bytes.set(values, levels)
    }
    const page = dataPage(offset, header, bytes)
    atOffset(file, offset, "corrupt data page", () => visit.data(page))
  }
  // INDEX_PAGE and unknown page types are skipped
  return pos
}

/** The DataPage of a (v1 or v2) data page header at `offset`, its (decompressed) bytes being `bytes`. */
export function dataPage(offset: number, header: PageHeader, bytes: Uint8Array): DataPage {
  const v2 = header.data_page_header_v2
  if (header.type === "DATA_PAGE_V2" && v2) {
    return {
      offset,
      v2: true,
      bytes,
      numValues: v2.num_values,
      encoding: v2.encoding,
      repetitionBytes: v2.repetition_levels_byte_length,
      definitionBytes: v2.definition_levels_byte_length,
    }
  }
  const v1 = header.data_page_header!
  return {
    offset,
    v2: false,
    bytes,
    numValues: v1.num_values,
    encoding: v1.encoding,
    repetitionBytes: 0,
    definitionBytes: 0,
  }
}

/** Max levels of a column: which level sections its data pages hold. */
export type LevelBounds = { readonly maxRepetition: number; readonly maxDefinition: number }

/** Throws FormatUnsupported for v1 levels not RLE-encoded (the deprecated BIT_PACKED). */
export function checkLevelEncodings(file: string, header: PageHeader, leaf: LevelBounds): void {
  const dph = header.data_page_header
  if (!dph) return
  if (leaf.maxRepetition > 0 && dph.repetition_level_encoding !== "RLE") {
    unsupportedEncoding(file, `${dph.repetition_level_encoding} repetition levels`)
  }
  if (leaf.maxDefinition > 0 && dph.definition_level_encoding !== "RLE") {
    unsupportedEncoding(file, `${dph.definition_level_encoding} definition levels`)
  }
}

/** Throws FormatUnsupported for an encoding the decoder does not read. */
export function unsupportedEncoding(file: string, encoding: string): never {
  throw new FormatUnsupported({ file, format: `Parquet ${encoding} encoding`, reason: "brook does not decode it" })
}

/** A parsed page header and where its body lies. */
export interface PageAt {
  readonly header: PageHeader
  readonly bodyStart: number
  readonly bodyEnd: number
}

/**
 * Parses the page header at `pos` and checks the page body stays inside the chunk (`end`).
 * Header bytes are read in a window that grows when the header does not fit in it.
 */
export function readPageHeader(read: ChunkBytes, pos: number, end: number): PageAt {
  const file = read.name
  const header = parseHeader(read, pos, end)
  const bodyStart = pos + header.length
  const size = header.header.compressed_page_size
  const uncompressed = header.header.uncompressed_page_size
  if (!(size >= 0) || !(uncompressed >= 0)) {
    throw new InvalidInput({
      file,
      offset: pos,
      reason: `corrupt page header: page sizes ${size ?? "(none)"} compressed, ${
        uncompressed ?? "(none)"
      } uncompressed`,
    })
  }
  if (bodyStart + size > end) {
    throw new InvalidInput({
      file,
      offset: pos,
      reason: `page of ${size} bytes runs past the end of its column chunk (at ${end})`,
    })
  }
  return { header: header.header, bodyStart, bodyEnd: bodyStart + size }
}

function parseHeader(read: ChunkBytes, pos: number, end: number): { header: PageHeader; length: number } {
  let window = Math.min(end - pos, 4096)
  for (;;) {
    const bytes = read.at(pos, window)
    const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 }
    try {
      const header = parquetHeader(reader)
      return { header, length: reader.offset }
    } catch (e) {
      if (window < end - pos) {
        window = Math.min(end - pos, window * 16)
        continue
      }
      throw new InvalidInput({
        file: read.name,
        offset: pos,
        reason: `corrupt page header: ${e instanceof Error ? e.message : String(e)}`,
      })
    }
  }
}
