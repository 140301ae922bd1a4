/**
 * Decodes a flat id column chunk (BYTE_ARRAY strings or INT32/INT64 integers) with hyparquet's
 * page decoders, which cover every encoding writers use for such columns. Ids must not be null.
 */
import type { DecodedArray } from "hyparquet"
import { convert, convertWithDictionary, DEFAULT_PARSERS } from "hyparquet/src/convert.js"
import { readDataPage, readDataPageV2 } from "hyparquet/src/datapage.js"
import { readPlain } from "hyparquet/src/plain.js"
import { InvalidInput } from "../../core/errors.ts"
import { LevelDecoder } from "./levels.ts"
import { type DataPage, type DictionaryPage, type PageVisitor, unsupportedEncoding } from "./pages.ts"
import type { LeafColumn } from "./schema.ts"

type ColumnDecoder = Parameters<typeof readDataPage>[2]

const idEncodings = new Set([
  "PLAIN",
  "PLAIN_DICTIONARY",
  "RLE_DICTIONARY",
  "DELTA_BINARY_PACKED",
  "DELTA_LENGTH_BYTE_ARRAY",
  "DELTA_BYTE_ARRAY",
  "BYTE_STREAM_SPLIT",
])

/** Page visitor collecting one row group's ids; call `finish()` after the last page. */
export class IdDecoder implements PageVisitor {
  private readonly strings: string[] | undefined
  private readonly numbers: Float64Array | undefined
  private readonly levels: LevelDecoder
  private readonly decoder: ColumnDecoder
  private dict: DecodedArray | undefined
  private row = 0

  constructor(
    private readonly file: string,
    private readonly leaf: LeafColumn,
    kind: "string" | "integer",
    private readonly firstRow: number,
    private readonly rows: number,
  ) {
    if (kind === "string") this.strings = new Array<string>(rows)
    else this.numbers = new Float64Array(rows)
    this.levels = new LevelDecoder(leaf)
    const type = leaf.element.type!
    // plain strings or integers, whatever the annotation (JSON, DATE, ...); keep unsignedness
    const { converted_type, logical_type } = leaf.element
    const unsigned = converted_type?.startsWith("UINT_") || (logical_type?.type === "INTEGER" && !logical_type.isSigned)
    const element = {
      ...leaf.element,
      converted_type: kind === "string"
        ? "UTF8" as const
        : unsigned
        ? (type === "INT64" ? "UINT_64" as const : "UINT_32" as const)
        : undefined,
      logical_type: undefined,
    }
    // codec UNCOMPRESSED: pages arrive decompressed from walkPages
    this.decoder = {
      pathInSchema: [...leaf.path],
      type,
      element,
      schemaPath: leaf.schemaPath,
      codec: "UNCOMPRESSED",
      parsers: DEFAULT_PARSERS,
      utf8: true,
    }
  }

  dictionary(page: DictionaryPage): void {
    const reader = { view: new DataView(page.bytes.buffer, page.bytes.byteOffset, page.bytes.byteLength), offset: 0 }
    this.dict = convert(
      readPlain(reader, this.decoder.type, page.numValues, this.leaf.element.type_length),
      this.decoder,
    )
  }

  data(page: DataPage): void {
    if (!idEncodings.has(page.encoding)) {
      unsupportedEncoding(this.file, `${page.encoding} (id column ${this.leaf.name})`)
    }
    const n = page.numValues
    if (this.row + n > this.rows) {
      throw new InvalidInput({
        file: this.file,
        offset: page.offset,
        reason: `id column ${this.leaf.name} holds more values than its row group has rows`,
      })
    }
    if (this.leaf.maxDefinition > 0) {
      const { definition } = this.levels.decode(page)
      const max = this.leaf.maxDefinition
      const missing = definition.findIndex((d) => d < max)
      if (missing >= 0) {
        throw new InvalidInput({
          file: this.file,
          row: this.firstRow + this.row + missing,
          reason: `id (${this.leaf.name}) is null`,
        })
      }
    }
    if (page.encoding.endsWith("_DICTIONARY") && !this.dict) {
      throw new InvalidInput({
        file: this.file,
        offset: page.offset,
        reason: "dictionary-encoded page without a dictionary page",
      })
    }
    const { dataPage } = page.v2
      ? readDataPageV2(page.bytes, {
        type: "DATA_PAGE_V2",
        uncompressed_page_size: page.bytes.length,
        compressed_page_size: page.bytes.length,
        data_page_header_v2: {
          num_values: n,
          num_nulls: 0,
          num_rows: n,
          encoding: page.encoding as never,
          definition_levels_byte_length: page.definitionBytes,
          repetition_levels_byte_length: page.repetitionBytes,
          is_compressed: false,
        },
      }, this.decoder)
      : readDataPage(page.bytes, {
        num_values: n,
        encoding: page.encoding as never,
        definition_level_encoding: "RLE",
        repetition_level_encoding: "RLE",
      }, this.decoder)
    const values = convertWithDictionary(dataPage, this.dict, page.encoding as never, this.decoder)
    if (values.length !== n) {
      throw new InvalidInput({
        file: this.file,
        offset: page.offset,
        reason: `id page holds ${values.length} values, its header says ${n}`,
      })
    }
    if (this.strings) {
      for (let i = 0; i < n; i++) this.strings[this.row + i] = values[i] as string
    } else {
      for (let i = 0; i < n; i++) {
        const v = Number(values[i])
        if (!Number.isSafeInteger(v)) {
          throw new InvalidInput({
            file: this.file,
            row: this.firstRow + this.row + i,
            reason: `id ${values[i]} is not exactly representable as a double`,
          })
        }
        this.numbers![this.row + i] = v
      }
    }
    this.row += n
  }

  finish(): string[] | Float64Array {
    if (this.row !== this.rows) {
      throw new InvalidInput({
        file: this.file,
        row: this.firstRow + this.row,
        reason: `id column ${this.leaf.name} holds ${this.row} values, its row group has ${this.rows} rows`,
      })
    }
    return (this.strings ?? this.numbers)!
  }
}
