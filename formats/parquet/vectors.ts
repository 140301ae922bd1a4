/**
 * Decodes the pages of a LIST<FLOAT|DOUBLE|FLOAT16> column chunk straight into one Float32Array of
 * rows*dim values (DOUBLE rounded, FLOAT16 widened exactly), checking every row has exactly `dim` non-null values. Values are PLAIN,
 * dictionary (PLAIN_DICTIONARY / RLE_DICTIONARY) or BYTE_STREAM_SPLIT encoded.
 */
import { InvalidInput } from "../../core/errors.ts"
import { float16ToFloat32 } from "../float16.ts"
import { bitWidth, decodeHybrid, isConstant, walkRuns } from "./hybrid.ts"
import { LevelDecoder, type LevelSections, levelSections } from "./levels.ts"
import { type DataPage, type DictionaryPage, type PageVisitor, unsupportedEncoding } from "./pages.ts"
import { type LeafColumn, valueWidth } from "./schema.ts"

/** Where a row group's vectors go and what they must look like. */
export interface VectorTarget {
  readonly file: string
  readonly leaf: LeafColumn
  readonly dim: number
  /** Absolute number of the row group's first row (for errors). */
  readonly firstRow: number
  /** Rows the row group holds (from metadata). */
  readonly rows: number
}

/**
 * Page visitor filling `values`; call `finish()` after the last page.
 *
 * By default `values` holds the whole row group. Given a smaller `window` (values), it is a window over
 * the group's values instead: the caller takes complete rows out as pages arrive (`completeRows`,
 * `take`), and a page's values go after what has not been taken yet, moved to the front when the
 * window's end is reached (it grows only for a page larger than planned).
 */
export class VectorDecoder implements PageVisitor {
  values: Float32Array
  private bytesOut: Uint8Array
  private readonly levels: LevelDecoder
  /** Bytes per value as the file holds it: 2 (FLOAT16), 4 (FLOAT) or 8 (DOUBLE). */
  private readonly width: number
  private dict: Float32Array | undefined
  private indices = new Uint32Array(0)
  /** Row (within the group) being filled, -1 before the first. */
  private row = -1
  private rowLength = 0
  /** Values written so far, and level entries seen (a streamed page's run ahead of its values). */
  private written = 0
  private entries = 0
  /** The group's value number at values[0], and of the first value not taken yet. */
  private base = 0
  private taken = 0

  constructor(private readonly t: VectorTarget, window = t.rows * t.dim) {
    this.values = new Float32Array(window)
    this.bytesOut = new Uint8Array(this.values.buffer)
    this.levels = new LevelDecoder(t.leaf)
    this.width = valueWidth(t.leaf) ?? 4
  }

  /** Rows of the group whose values are all in (the row being filled counts once it has `dim`, a
   * streamed page's rows once their values have come). */
  completeRows(): number {
    const described = this.row + (this.row >= 0 && this.rowLength === this.t.dim ? 1 : 0)
    return Math.min(described, Math.floor(this.written / this.t.dim))
  }

  /** The values of the next `rows` complete rows not taken yet (a view: copy it before the next page). */
  take(rows: number): Float32Array {
    const from = this.taken - this.base
    this.taken += rows * this.t.dim
    return this.values.subarray(from, from + rows * this.t.dim)
  }

  /** Room in the window for n more values: what is not taken yet moves to the front, or the window grows. */
  private room(n: number): void {
    if (this.written - this.base + n <= this.values.length) return
    const keep = this.written - this.taken, from = this.taken - this.base
    if (keep + n <= this.values.length) this.values.copyWithin(0, from, from + keep)
    else {
      const grown = new Float32Array(keep + n)
      grown.set(this.values.subarray(from, from + keep))
      this.values = grown
      this.bytesOut = new Uint8Array(grown.buffer)
    }
    this.base = this.taken
  }

  dictionary(page: DictionaryPage): void {
    if (page.numValues < 0 || page.numValues * this.width > page.bytes.length) {
      throw this.invalid({ offset: page.offset, reason: "dictionary page is shorter than its value count" })
    }
    this.dict = new Float32Array(page.numValues)
    widen(page.bytes, 0, page.numValues, this.width, this.dict, 0)
  }

  data(page: DataPage): void {
    const valuesStart = this.checkLevels(page)
    // the rows check out, so the n values fit: every row so far has dim values, the last at most
    this.room(page.numValues)
    this.decodeValues(page, valuesStart, page.numValues)
    this.written += page.numValues
  }

  /**
   * The level part of `data`: checks the rows a data page's levels describe and returns where its
   * values start. A page streamed in pieces passes its levels alone here, then its values to
   * `appendPlain`.
   */
  checkLevels(page: DataPage): number {
    const n = page.numValues
    const { leaf } = this.t
    // each entry is a value, or an empty or null row
    if (!(n >= 0 && n <= this.t.rows * this.t.dim - this.entries + this.t.rows)) {
      throw this.invalid({ offset: page.offset, reason: `page claims ${n} values, more than its row group can hold` })
    }
    const sections = levelSections(page, page.bytes, leaf)
    if (sections.valuesStart > page.bytes.length) {
      throw new Error(`levels (${sections.valuesStart} bytes) run past the page`)
    }
    const { definitionStart: defStart, definitionEnd: defEnd } = sections
    if (
      leaf.maxRepetition === 1 &&
      isConstant(page.bytes, defStart, defEnd, bitWidth(leaf.maxDefinition), n, leaf.maxDefinition)
    ) {
      // the common case: no nulls anywhere, only row lengths to check, straight from the runs
      this.scanRows(page, sections, n)
    } else {
      const { repetition, definition } = this.levels.decode(page)
      this.checkRows(page, repetition, definition, n)
    }
    this.entries += n
    return sections.valuesStart
  }

  /** `count` PLAIN values (little-endian float, double or float16) of a page whose levels checkLevels passed. */
  appendPlain(bytes: Uint8Array, count: number): void {
    this.room(count)
    this.plain(bytes, 0, count, this.written - this.base)
    this.written += count
  }

  /** n PLAIN values from bytes[start] into values[at ...]. */
  private plain(bytes: Uint8Array, start: number, n: number, at: number): void {
    if (this.width === 4) this.bytesOut.set(bytes.subarray(start, start + n * 4), at * 4)
    else widen(bytes, start, n, this.width, this.values, at)
  }

  /** Checks the last row and that the chunk held every row the metadata promised. */
  finish(): Float32Array {
    const { rows, dim, firstRow } = this.t
    if (this.row >= 0 && this.rowLength !== dim) this.ragged(this.row, this.rowLength)
    if (this.row + 1 !== rows || this.written !== rows * dim) {
      throw this.invalid({
        row: firstRow + Math.max(this.row, 0),
        reason: `row group holds ${this.row + 1} rows of vectors, its metadata says ${rows}`,
      })
    }
    return this.values
  }

  /**
   * Checks row lengths from the runs of the repetition levels (max level 1) when every
   * definition level is the max, so each level entry is a value: 8 entries per 0xff byte.
   */
  private scanRows(page: DataPage, sections: LevelSections, n: number) {
    const { dim, rows } = this.t
    const bytes = page.bytes
    let row = this.row
    let length = this.rowLength
    const startRow = () => {
      if (row >= 0 && length !== dim) this.ragged(row, length)
      if (++row >= rows) {
        throw this.invalid({
          offset: page.offset,
          reason: `column chunk holds more than the ${rows} rows of its row group`,
        })
      }
      length = 1
    }
    const midRow = () => this.invalid({ offset: page.offset, reason: "column chunk starts in the middle of a row" })
    const badLevel = (level: number) =>
      this.invalid({ offset: page.offset, reason: `repetition level ${level} is over 1` })
    walkRuns(bytes, sections.repetitionStart, sections.repetitionEnd, 1, n, {
      rle(value, count) {
        if (value === 0) { for (let k = 0; k < count; k++) startRow() }
        else if (row < 0) throw midRow()
        else if (value === 1) length += count
        else throw badLevel(value)
      },
      packed(pos, count) {
        for (let q = 0; q < count; q += 8, pos++) {
          const byte = bytes[pos]
          if (byte === 0xff && q + 8 <= count && row >= 0) {
            length += 8
            continue
          }
          for (let bit = 0, m = Math.min(8, count - q); bit < m; bit++) {
            if ((byte >> bit) & 1) {
              if (row < 0) throw midRow()
              length++
            } else startRow()
          }
        }
      },
    })
    this.row = row
    this.rowLength = length
    if (length > dim) this.ragged(row, length)
  }

  /** Walks the levels: row starts, row lengths, nulls. Every entry that passes is a value. */
  private checkRows(page: DataPage, rep: Uint8Array, def: Uint8Array, n: number) {
    const { dim, rows } = this.t
    const { maxDefinition, entryDefinition, emptyListDefinition } = this.t.leaf
    let row = this.row
    let rowLength = this.rowLength
    for (let i = 0; i < n; i++) {
      if (rep[i] === 0) {
        if (row >= 0 && rowLength !== dim) this.ragged(row, rowLength)
        row++
        rowLength = 0
        if (row >= rows) {
          throw this.invalid({
            offset: page.offset,
            reason: `column chunk holds more than the ${rows} rows of its row group`,
          })
        }
      } else if (row < 0) {
        throw this.invalid({ offset: page.offset, reason: "column chunk starts in the middle of a row" })
      }
      const d = def[i]
      if (d === maxDefinition) {
        rowLength++
        continue
      }
      if (d > maxDefinition) {
        throw this.invalid({
          offset: page.offset,
          reason: `definition level ${d} is over the maximum ${maxDefinition}`,
        })
      }
      if (d >= entryDefinition) {
        throw this.invalid({
          row: this.t.firstRow + row,
          reason: `null element at position ${rowLength} of the vector`,
        })
      }
      if (d === emptyListDefinition) this.ragged(row, 0)
      throw this.invalid({ row: this.t.firstRow + row, reason: "vector is null" })
    }
    this.row = row
    this.rowLength = rowLength
    if (rowLength > dim) this.ragged(row, rowLength)
  }

  private decodeValues(page: DataPage, start: number, n: number) {
    const { bytes } = page
    const width = this.width
    const at = this.written - this.base
    const shortPage = () => this.invalid({ offset: page.offset, reason: `page holds fewer than its ${n} values` })
    switch (page.encoding) {
      case "PLAIN":
        if (start + n * width > bytes.length) throw shortPage()
        this.plain(bytes, start, n, at)
        return
      case "BYTE_STREAM_SPLIT": {
        if (start + n * width > bytes.length) throw shortPage()
        if (width === 4) unsplit(bytes, start, n, 4, this.bytesOut, at * 4)
        else {
          const joined = new Uint8Array(n * width)
          unsplit(bytes, start, n, width, joined, 0)
          widen(joined, 0, n, width, this.values, at)
        }
        return
      }
      case "PLAIN_DICTIONARY":
      case "RLE_DICTIONARY": {
        const dict = this.dict
        if (!dict) {
          throw this.invalid({ offset: page.offset, reason: "dictionary-encoded page without a dictionary page" })
        }
        if (n === 0) return
        if (start >= bytes.length) throw shortPage()
        if (this.indices.length < n) this.indices = new Uint32Array(n)
        const indices = this.indices
        decodeHybrid(bytes, start + 1, bytes.length, bytes[start], indices, n)
        const out = this.values
        const size = dict.length
        for (let i = 0; i < n; i++) {
          const k = indices[i]
          if (k >= size) throw this.invalid({ offset: page.offset, reason: `dictionary index ${k} out of ${size}` })
          out[at + i] = dict[k]
        }
        return
      }
      default:
        unsupportedEncoding(this.t.file, `${page.encoding} (vector column ${this.t.leaf.name})`)
    }
  }

  private ragged(row: number, length: number): never {
    throw this.invalid({
      row: this.t.firstRow + row,
      reason: `vector has ${length} values, expected ${this.t.dim} (the length of the first row)`,
    })
  }

  private invalid(where: { row?: number; offset?: number; reason: string }) {
    return new InvalidInput({ file: this.t.file, ...where })
  }
}

/** Converts `n` little-endian values `width` bytes wide (8: DOUBLE, 2: FLOAT16) at `bytes[start]` into `out[at...]`. */
function widen(bytes: Uint8Array, start: number, n: number, width: number, out: Float32Array, at: number) {
  if (width === 2) float16ToFloat32(bytes, start, n, out, at)
  else if (width === 8) toFloat32(bytes, start, n, out, at)
  else new Uint8Array(out.buffer, out.byteOffset + at * 4, n * 4).set(bytes.subarray(start, start + n * 4))
}

/** Converts `n` little-endian doubles at `bytes[start]` into `out[at...]` (rounded to float32). */
function toFloat32(bytes: Uint8Array, start: number, n: number, out: Float32Array, at: number) {
  const offset = bytes.byteOffset + start
  let doubles: Float64Array
  if (offset % 8 === 0) doubles = new Float64Array(bytes.buffer, offset, n)
  else {
    // copy to an aligned buffer (not bytes.slice: on a node Buffer that is a view)
    doubles = new Float64Array(n)
    new Uint8Array(doubles.buffer).set(bytes.subarray(start, start + n * 8))
  }
  for (let i = 0; i < n; i++) out[at + i] = doubles[i]
}

/** Reassembles BYTE_STREAM_SPLIT: byte b of value i is at `bytes[start + b*n + i]`. */
function unsplit(bytes: Uint8Array, start: number, n: number, width: number, out: Uint8Array, at: number) {
  for (let b = 0; b < width; b++) {
    const stream = start + b * n
    for (let i = 0; i < n; i++) out[at + i * width + b] = bytes[stream + i]
  }
}
