/**
 * Large data pages decoded a piece at a time. DuckDB writes a list column's pages as large as ~100 MB;
 * decoded whole, a page costs its compressed bytes, its decompressed bytes and its values once more.
 * A PLAIN page that is SNAPPY-compressed or not compressed can instead be read as a stream: its levels
 * whole (a few bytes per row), then its values in pieces, in a few MiB whatever the page's size.
 */
import type { PageHeader } from "hyparquet"
import { bitWidth, isConstant } from "./hybrid.ts"
import { levelSections } from "./levels.ts"
import { type ChunkBytes, checkLevelEncodings, type DataPage, dataPage, type LevelBounds } from "./pages.ts"
import { SnappyStream } from "./snappy.ts"

/** Bytes a streamed page holds besides its levels: SnappyStream's history, output and input. */
export const STREAM_BUFFER_BYTES = 3 << 20

/** A page's bytes in order, a piece at a time. */
interface ByteStream {
  readonly remaining: number
  take(dst: Uint8Array): void
}

/** The bytes of a stretch of the file that is not compressed. */
class PlainStream implements ByteStream {
  private at: number
  constructor(private readonly read: ChunkBytes, start: number, private readonly end: number) {
    this.at = start
  }
  get remaining(): number {
    return this.end - this.at
  }
  take(dst: Uint8Array): void {
    if (dst.length > this.remaining) throw new Error(`page ends ${dst.length - this.remaining} bytes early`)
    dst.set(this.read.at(this.at, dst.length))
    this.at += dst.length
  }
}

/** True for a data page worth streaming: over `minBytes` decompressed, PLAIN, SNAPPY or not compressed. */
export function streamable(header: PageHeader, codec: string, minBytes: number): boolean {
  if (header.uncompressed_page_size <= minBytes) return false
  const v1 = header.type === "DATA_PAGE" && header.data_page_header
  const v2 = header.type === "DATA_PAGE_V2" && header.data_page_header_v2
  if (v1) return v1.encoding === "PLAIN" && (codec === "SNAPPY" || codec === "UNCOMPRESSED")
  if (v2) {
    return v2.encoding === "PLAIN" && (codec === "SNAPPY" || codec === "UNCOMPRESSED" || v2.is_compressed === false)
  }
  return false
}

/** A data page being streamed: `levels` is the page with its levels only; `values` yields the values. */
export interface StreamedPage {
  readonly levels: DataPage
  readonly values: ByteStream
}

/**
 * Opens the streamable data page whose header is at `offset` (body at `bodyStart`): reads its levels
 * (decompressing as far as they go) and leaves the values to be taken. Plain Errors for corrupt bytes.
 */
export function openStreamedPage(
  read: ChunkBytes,
  header: PageHeader,
  offset: number,
  bodyStart: number,
  codec: string,
  leaf: LevelBounds,
): StreamedPage {
  const file = read.name
  checkLevelEncodings(file, header, leaf)
  const size = header.compressed_page_size
  const v2 = header.data_page_header_v2
  if (header.type === "DATA_PAGE_V2" && v2) {
    const levelBytes = v2.repetition_levels_byte_length + v2.definition_levels_byte_length
    if (!(v2.repetition_levels_byte_length >= 0 && v2.definition_levels_byte_length >= 0 && levelBytes <= size)) {
      throw new Error(`level lengths (${levelBytes} bytes) exceed the page (${size} bytes)`)
    }
    const bytes = new Uint8Array(read.at(bodyStart, levelBytes))
    const compressed = v2.is_compressed !== false && codec === "SNAPPY"
    const values = compressed
      ? new SnappyStream((offset, length) => read.at(offset, length), bodyStart + levelBytes, size - levelBytes)
      : new PlainStream(read, bodyStart + levelBytes, bodyStart + size)
    return { levels: dataPage(offset, header, bytes), values }
  }
  const stream: ByteStream = codec === "SNAPPY"
    ? new SnappyStream((offset, length) => read.at(offset, length), bodyStart, size)
    : new PlainStream(read, bodyStart, bodyStart + size)
  // v1: the length-prefixed level sections come first in the (decompressed) page
  const parts: Uint8Array[] = []
  for (const max of [leaf.maxRepetition, leaf.maxDefinition]) {
    if (max === 0) continue
    const prefix = new Uint8Array(4)
    stream.take(prefix)
    const length = (prefix[0] | (prefix[1] << 8) | (prefix[2] << 16) | (prefix[3] << 24)) >>> 0
    if (length > stream.remaining) throw new Error("levels run past the page")
    const section = new Uint8Array(length)
    stream.take(section)
    parts.push(prefix, section)
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    bytes.set(p, at)
    at += p.length
  }
  return { levels: dataPage(offset, header, bytes), values: stream }
}

/**
 * What checking a streamed page's levels holds: the levels, plus one byte per entry for each level
 * when the definition levels are not one run of the maximum (they are then decoded entry by entry).
 */
export function streamedLevelBytes(page: DataPage, leaf: LevelBounds): number {
  const s = levelSections(page, page.bytes, leaf)
  const n = page.numValues
  const constant = leaf.maxRepetition === 1 &&
    isConstant(page.bytes, s.definitionStart, s.definitionEnd, bitWidth(leaf.maxDefinition), n, leaf.maxDefinition)
  return page.bytes.length + (constant ? 0 : 2 * n)
}
