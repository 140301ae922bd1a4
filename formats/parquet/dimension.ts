/**
 * The vector length of a file: the number of values in its first row, found from the levels at
 * the start of the vector column's first data page. Only the page header and a growing prefix of
 * the page are read and decompressed (levels come before values), so opening a file whose pages
 * are 100 MB costs a few reads, not a page decode.
 */
import { InvalidInput } from "../../core/errors.ts"
import { decompress, decompressPrefix } from "./compression.ts"
import { bitWidth, decodeHybrid } from "./hybrid.ts"
import { levelSections } from "./levels.ts"
import { atOffset, type ChunkBytes, checkLevelEncodings, readPageHeader } from "./pages.ts"
import type { LeafColumn } from "./schema.ts"

const FIRST_PREFIX = 1 << 16
/** Longest first row searched for (entries per page), so a corrupt level run cannot blow memory. */
const MAX_DIM = 1 << 24

/**
 * Values in the first row of the chunk `[start, end)`, whose first row is row `firstRow` of the
 * file. Throws InvalidInput when that row is null, empty or has a null element. `prefix` is the
 * first number of page bytes tried (8 times more each time they are not enough).
 */
export function firstVectorLength(
  read: ChunkBytes,
  chunk: { start: number; end: number; codec: string },
  leaf: LeafColumn,
  firstRow: number,
  prefix = FIRST_PREFIX,
): number {
  const file = read.name
  let length = -1 // -1 until the first row starts
  let pos = chunk.start
  while (pos < chunk.end) {
    const { header, bodyStart, bodyEnd } = readPageHeader(read, pos, chunk.end)
    const offset = pos
    pos = bodyEnd
    const v1 = header.data_page_header
    const v2 = header.data_page_header_v2
    if (header.type === "DATA_PAGE" && v1) {
      checkLevelEncodings(file, header, leaf)
      for (let want = prefix;; want *= 8) {
        const size = Math.min(header.compressed_page_size, want)
        const whole = size === header.compressed_page_size
        const body = read.at(bodyStart, size)
        const bytes = atOffset(
          file,
          offset,
          "corrupt data page",
          () =>
            whole
              ? decompress(chunk.codec, body, header.uncompressed_page_size)
              : decompressPrefix(chunk.codec, body, header.uncompressed_page_size, want),
        )
        const page = { v2: false, repetitionBytes: 0, definitionBytes: 0 }
        const scan = atOffset(file, offset, "corrupt data page", () => scanLevels(bytes, page, v1.num_values, whole))
        if (scan === "more") continue
        take(scan)
        if (scan.rowEnds) return length
        break
      }
    } else if (header.type === "DATA_PAGE_V2" && v2) {
      // v2 levels are never compressed: read just them
      const levelBytes = v2.repetition_levels_byte_length + v2.definition_levels_byte_length
      if (!(levelBytes >= 0 && levelBytes <= header.compressed_page_size)) {
        throw new InvalidInput({ file, offset, reason: `level lengths (${levelBytes} bytes) exceed the page` })
      }
      const bytes = read.at(bodyStart, levelBytes)
      const page = {
        v2: true,
        repetitionBytes: v2.repetition_levels_byte_length,
        definitionBytes: v2.definition_levels_byte_length,
      }
      const scan = atOffset(file, offset, "corrupt data page", () => scanLevels(bytes, page, v2.num_values, true))
      if (scan === "more") throw new InvalidInput({ file, offset, reason: "levels end early" })
      take(scan)
      if (scan.rowEnds) return length
    }
  }
  if (length <= 0) {
    throw new InvalidInput({ file, offset: chunk.start, reason: "the vector column chunk holds no values" })
  }
  return length // the first row runs to the end of the chunk

  /** Adds the first row's values among a page's first `entries` level entries. */
  function take(scan: { repetition: Uint8Array; definition: Uint8Array; entries: number }): void {
    const { repetition, definition, entries } = scan
    for (let i = 0; i < entries; i++) {
      if (repetition[i] === 0) {
        length = 0
      } else if (length < 0) {
        throw new InvalidInput({ file, offset: chunk.start, reason: "column chunk starts in the middle of a row" })
      }
      const d = definition[i]
      if (d === leaf.maxDefinition) length++
      else if (d >= leaf.entryDefinition) {
        throw new InvalidInput({ file, row: firstRow, reason: `null element at position ${length} of the vector` })
      } else if (d === leaf.emptyListDefinition) {
        throw new InvalidInput({ file, row: firstRow, reason: "the first vector is empty, so there is no dimension" })
      } else {
        throw new InvalidInput({ file, row: firstRow, reason: "vector is null" })
      }
    }
  }

  /**
   * Decodes the levels of the page's first entries, up to the start of the second row (or all
   * `n`). "more" when `bytes`, a prefix of the page, was not enough.
   */
  function scanLevels(
    bytes: Uint8Array,
    page: { v2: boolean; repetitionBytes: number; definitionBytes: number },
    n: number,
    whole: boolean,
  ) {
    if (!(n >= 0)) throw new Error(`negative value count ${n}`)
    const s = levelSections(page, bytes, leaf, !whole)
    // entries up to (not including) the next row start after the first entry of this row;
    // decode a few entries first, more only while no row start shows up
    const repEnd = Math.min(s.repetitionEnd, bytes.length)
    const from = length < 0 ? 1 : 0
    let repetition: Uint8Array
    let got: number
    let entries: number
    for (let count = Math.min(n, 1024);; count = Math.min(n, count * 8)) {
      repetition = new Uint8Array(count)
      got = decodeHybrid(bytes, s.repetitionStart, repEnd, bitWidth(leaf.maxRepetition), repetition, count, !whole)
      entries = repetition.subarray(0, got).indexOf(0, from)
      if (entries >= 0 || got < count || count === n) break
      if (count >= MAX_DIM) {
        throw new InvalidInput({ file, row: firstRow, reason: `the first vector has over ${MAX_DIM} values` })
      }
    }
    const rowEnds = entries >= 0
    if (!rowEnds) {
      if (got < n) return "more" as const
      entries = n
    }
    const definition = new Uint8Array(entries)
    const defs = decodeHybrid(
      bytes,
      s.definitionStart,
      Math.min(s.definitionEnd, bytes.length),
      bitWidth(leaf.maxDefinition),
      definition,
      entries,
      !whole,
    )
    if (defs < entries) return "more" as const
    return { repetition, definition, entries, rowEnds }
  }
}
