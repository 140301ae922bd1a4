import { expect, test } from "bun:test"
import { parquetMetadata } from "hyparquet"
import { parquetWriteBuffer } from "hyparquet-writer"
import { Field, FixedSizeList, Float16, makeData, RecordBatch, Schema, Struct, Table, tableToIPC } from "apache-arrow"
import { Table as WasmTable, writeParquet, WriterPropertiesBuilder } from "parquet-wasm"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { openParquetEmbeddings, type ParquetEmbeddings } from "../../../formats/parquet/embeddings.ts"
import { readRowGroup } from "../../../formats/parquet/row_group.ts"
import { VectorRows } from "../../../formats/parquet/vector_rows.ts"
import { snappyCompress } from "hyparquet-writer/src/snappy.js"
import * as zlib from "node:zlib"
import { decompress, decompressPrefix } from "../../../formats/parquet/compression.ts"
import { firstVectorLength } from "../../../formats/parquet/dimension.ts"
import { decodeHybrid } from "../../../formats/parquet/hybrid.ts"
import type { DataPage } from "../../../formats/parquet/pages.ts"
import { leafOf, schemaTree } from "../../../formats/parquet/schema.ts"
import { VectorDecoder } from "../../../formats/parquet/vectors.ts"

// Fixtures: tests/fixtures/parquet/make_fixtures.mjs. 37 rows, 5 dims, row groups of 10/10/10/7,
// row i dimension k = i*10 + k + 0.5.
const dir = fileURLToPath(new URL("../../fixtures/parquet/", import.meta.url))
const fixture = (name: string) => path.join(dir, name)
const ROWS = 37
const DIM = 5
const GROUPS = [{ rows: 10, firstRow: 0 }, { rows: 10, firstRow: 10 }, { rows: 10, firstRow: 20 }, {
  rows: 7,
  firstRow: 30,
}]
const value = (i: number, k: number) => i * 10 + k + 0.5

/** Checks every value of every row group against `expected(row, k)` and returns all ids. */
function readAll(pq: ParquetEmbeddings, expected: (i: number, k: number) => number = value) {
  const ids: Array<string | number> = []
  for (let g = 0; g < pq.rowGroups.length; g++) {
    const { values, count, ids: groupIds } = readRowGroup(pq, g)
    const { rows, firstRow } = pq.rowGroups[g]
    expect(count).toBe(rows)
    expect(values).toBeInstanceOf(Float32Array)
    expect(values.length).toBe(rows * pq.dim)
    const want = new Float32Array(rows * pq.dim)
    for (let j = 0; j < rows; j++) for (let k = 0; k < pq.dim; k++) want[j * pq.dim + k] = expected(firstRow + j, k)
    expect(Array.from(values)).toEqual(Array.from(want))
    if (groupIds) {
      expect(groupIds.length).toBe(rows)
      ids.push(...groupIds)
    }
  }
  return ids
}

/** Runs `f`, expecting a brook error with `tag` whose message names the file and `where`. */
function expectError(
  f: () => unknown,
  tag: string,
  where: { file: string; row?: number; offset?: number; says?: string },
) {
  let error: unknown
  try {
    f()
  } catch (e) {
    error = e
  }
  expect(error).toBeDefined()
  const e = error as { _tag: string; message: string; row?: number; offset?: number }
  expect(e._tag).toBe(tag)
  expect(e.message).toContain(where.file)
  if (where.row !== undefined) {
    expect(e.row).toBe(where.row)
    expect(e.message).toContain(`row ${where.row}`)
  }
  if (where.offset !== undefined) {
    expect(e.offset).toBe(where.offset)
    expect(e.message).toContain(`byte offset ${where.offset}`)
  }
  if (where.says) expect(e.message).toContain(where.says)
  return e
}

let tmpCount = 0
/** Writes `bytes` to a fresh temp file and returns its path. */
function tempFile(bytes: Uint8Array): string {
  const file = path.join(os.tmpdir(), `brook-parquet-test-${process.pid}-${tmpCount++}.parquet`)
  fs.writeFileSync(file, bytes)
  return file
}

/** Byte offset of the first page of `column` (top-level name) in row group `g`. */
function pageOffset(bytes: Uint8Array, g: number, column: string): number {
  const meta = parquetMetadata(bytes).row_groups[g].columns.find((c) => c.meta_data?.path_in_schema[0] === column)!
    .meta_data!
  return Number(meta.dictionary_page_offset ?? meta.data_page_offset)
}

const codecs = ["uncompressed", "snappy", "gzip", "zstd", "v2_zstd"]
const layouts = [
  { layout: "list_float", idKind: "string", id: (i: number) => `row-${i}` },
  { layout: "array_float", idKind: "integer", id: (i: number) => 1000000 + i },
  { layout: "list_double", idKind: "integer", id: (i: number) => i - 3 },
] as const

for (const { layout, idKind, id } of layouts) {
  for (const codec of codecs) {
    test(`${layout} ${codec}: exact values, ids and row groups`, () => {
      const pq = openParquetEmbeddings(fixture(`${layout}_${codec}.parquet`))
      try {
        expect(pq.file).toBe(fixture(`${layout}_${codec}.parquet`))
        expect(pq.dim).toBe(DIM)
        expect(pq.rows).toBe(ROWS)
        expect(pq.vectorColumn).toBe("embedding")
        expect(pq.idColumn).toBe("id")
        expect(pq.idKind).toBe(idKind)
        expect(pq.rowGroups.map(({ rows, firstRow }) => ({ rows, firstRow }))).toEqual(GROUPS)
        for (const g of pq.rowGroups) expect(g.bytes).toBeGreaterThan(0)
        const ids = readAll(pq)
        expect(ids).toEqual(Array.from({ length: ROWS }, (_, i) => id(i)))
        const first = readRowGroup(pq, 0).ids
        expect(idKind === "string" ? Array.isArray(first) : first instanceof Float64Array).toBe(true)
      } finally {
        pq.close()
      }
    })
  }
}

test("DATA_PAGE_V2 with RLE_DICTIONARY floats and a dictionary page", () => {
  const pq = openParquetEmbeddings(fixture("hyparquet_dictionary.parquet"))
  expect([pq.dim, pq.rows, pq.idKind]).toEqual([DIM, ROWS, "integer"])
  const ids = readAll(pq, (i, k) => (i % 3) * 10 + k + 0.5)
  expect(ids).toEqual(Array.from({ length: ROWS }, (_, i) => i))
  pq.close()
})

test("DATA_PAGE_V2 BYTE_STREAM_SPLIT doubles in a REQUIRED list, dictionary string ids", () => {
  const pq = openParquetEmbeddings(fixture("hyparquet_bss_double.parquet"))
  expect([pq.dim, pq.idKind]).toEqual([DIM, "string"])
  expect(readAll(pq)).toEqual(Array.from({ length: ROWS }, (_, i) => `row-${i}`))
  pq.close()
})

test("several DATA_PAGE_V2 pages per row group, SNAPPY and GZIP", () => {
  for (const name of ["hyparquet_pages.parquet", "hyparquet_pages_gzip.parquet"]) {
    const pq = openParquetEmbeddings(fixture(name))
    expect(pq.dim).toBe(DIM)
    expect(pq.rowGroups.map(({ rows, firstRow }) => ({ rows, firstRow }))).toEqual(GROUPS)
    expect(readAll(pq)).toEqual(Array.from({ length: ROWS }, (_, i) => i))
    pq.close()
  }
})

/** LIST<FLOAT16> (FIXED_LEN_BYTE_ARRAY(2), logical type FLOAT16) written by hyparquet-writer. */
function float16File(name: string, encoding: string, required = false, pageSize?: number): string {
  const file = path.join(os.tmpdir(), `brook-f16-${process.pid}-${name}.parquet`)
  const element = { name: "element", type: "FIXED_LEN_BYTE_ARRAY", type_length: 2, logical_type: { type: "FLOAT16" } }
  const repetition = required ? "REQUIRED" : "OPTIONAL"
  const bytes = parquetWriteBuffer({
    schema: [
      { name: "root", num_children: 2 },
      { name: "id", type: "INT32", repetition_type: "REQUIRED" },
      { name: "embedding", repetition_type: repetition, converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { ...element, repetition_type: repetition },
    ] as never,
    columnData: [
      { name: "id", data: Array.from({ length: ROWS }, (_, i) => i) },
      { name: "embedding", data: Array.from({ length: ROWS }, (_, i) => Array.from({ length: DIM }, (_, k) => half(i, k))), encoding } as never,
    ],
    rowGroupSize: 10,
    ...(pageSize ? { pageSize } : {}),
  })
  fs.writeFileSync(file, new Uint8Array(bytes))
  return file
}
// values binary16 holds exactly: subnormals, the largest finite value, halves
const half = (i: number, k: number) => k === 0 ? (i + 1) * 2 ** -24 : k === 1 ? (i % 2 ? -65504 : 65504) : i * 10 + k + 0.5

test("LIST<FLOAT16>: PLAIN (whole or streamed), dictionary, BYTE_STREAM_SPLIT, REQUIRED, several pages, widened exactly", () => {
  const files = [
    float16File("plain", "PLAIN"),
    float16File("dictionary", "RLE_DICTIONARY"),
    float16File("bss", "BYTE_STREAM_SPLIT", true),
    float16File("pages", "PLAIN", false, 16),
  ]
  try {
    for (const file of files) {
      for (const streamPageBytes of [undefined, 0]) {
        const pq = openParquetEmbeddings(file, { streamPageBytes })
        expect([pq.dim, pq.rows, pq.idKind, pq.vectorColumn]).toEqual([DIM, ROWS, "integer", "embedding"])
        expect(readAll(pq, half)).toEqual(Array.from({ length: ROWS }, (_, i) => i))
        for (const batch of [1, 7, 1000]) {
          const got = readRows(pq, batch).values
          expect(got).toEqual(Array.from({ length: ROWS * DIM }, (_, n) => half(Math.floor(n / DIM), n % DIM)))
        }
        pq.close()
      }
    }
  } finally {
    for (const f of files) fs.rmSync(f, { force: true })
  }
})

test("arrow-rs (parquet-wasm) writes a fixed_size_list<float16> as LIST<FLOAT16>: read as float32 rows", () => {
  const rows = 5, dim = 3
  const type = new FixedSizeList(dim, new Field("item", new Float16(), false))
  const child = makeData({ type: new Float16(), length: rows * dim, data: Uint16Array.from({ length: rows * dim }, (_, n) => 0x3c00 + n) })
  const schema = new Schema([new Field("vec", type, false)])
  const vectors = makeData({ type, length: rows, nullCount: 0, child })
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, children: [vectors] }))
  const bytes = writeParquet(WasmTable.fromIPCStream(tableToIPC(new Table(batch), "stream")), new WriterPropertiesBuilder().build())
  const file = path.join(os.tmpdir(), `brook-f16-${process.pid}-arrow-rs.parquet`)
  fs.writeFileSync(file, bytes)
  try {
    const pq = openParquetEmbeddings(file)
    expect([pq.dim, pq.rows, pq.vectorColumn]).toEqual([dim, rows, "vec"])
    // binary16 0x3c00 + n is 1 + n/1024
    expect(Array.from(readRowGroup(pq, 0).values)).toEqual(Array.from({ length: rows * dim }, (_, n) => 1 + n / 1024))
    pq.close()
  } finally {
    fs.rmSync(file, { force: true })
  }
})

test("row groups can be read in any order and more than once", () => {
  const pq = openParquetEmbeddings(fixture("list_float_snappy.parquet"))
  const last = readRowGroup(pq, 3)
  expect(last.count).toBe(7)
  expect(last.values[0]).toBe(value(30, 0))
  expect(last.values[7 * DIM - 1]).toBe(value(36, 4))
  expect(last.ids).toEqual(["row-30", "row-31", "row-32", "row-33", "row-34", "row-35", "row-36"])
  expect(readRowGroup(pq, 1).values[0]).toBe(value(10, 0))
  expect(readRowGroup(pq, 3).values).toEqual(last.values)
  pq.close()
})

test("column and idColumn options", () => {
  const file = fixture("multi.parquet")
  // default: the first list column (FLOAT[3]); no column named "id", so no ids
  const small = openParquetEmbeddings(file)
  expect([small.vectorColumn, small.dim, small.idColumn, small.idKind]).toEqual(["small", 3, undefined, undefined])
  expect(readAll(small, (i, k) => 0 - i - k)).toEqual([])
  expect(readRowGroup(small, 0).ids).toBeUndefined()
  small.close()

  const emb = openParquetEmbeddings(file, { column: "emb", idColumn: "key" })
  expect([emb.vectorColumn, emb.dim, emb.idColumn, emb.idKind]).toEqual(["emb", 5, "key", "string"])
  expect(readAll(emb)).toEqual(Array.from({ length: ROWS }, (_, i) => `k${i}`))
  emb.close()

  // idColumn: null reads no ids even where an "id" column exists
  const noIds = openParquetEmbeddings(fixture("list_float_zstd.parquet"), { idColumn: null })
  expect([noIds.idColumn, noIds.idKind]).toEqual([undefined, undefined])
  expect(readRowGroup(noIds, 0).ids).toBeUndefined()
  noIds.close()

  // explicit undefined options are the defaults
  const defaults = openParquetEmbeddings(fixture("list_float_zstd.parquet"), { column: undefined, idColumn: undefined })
  expect([defaults.vectorColumn, defaults.idColumn]).toEqual(["embedding", "id"])
  defaults.close()
})

test("missing or unusable columns name the column and list the available ones", () => {
  const file = fixture("multi.parquet")
  for (const options of [{ column: "nope" }, { column: "title" }, { idColumn: "nope" }, { idColumn: "small" }]) {
    const name = options.column ?? options.idColumn
    const e = expectError(() => openParquetEmbeddings(file, options), "InvalidInput", { file, says: `"${name}"` })
    if (name === "nope") {
      expect(e.message).toContain("key (BYTE_ARRAY), title (BYTE_ARRAY), small (LIST<FLOAT>), emb (LIST<DOUBLE>)")
    }
  }
  expectError(() => openParquetEmbeddings(fixture("no_list.parquet")), "InvalidInput", {
    file: fixture("no_list.parquet"),
    says: "columns: id (BYTE_ARRAY), x (FLOAT), name (BYTE_ARRAY)",
  })
})

test("bad rows: ragged, empty, null row, null element (other row groups still read)", () => {
  const cases = [
    { name: "ragged.parquet", group: 2, row: 23, says: "has 4 values, expected 5" },
    { name: "empty_row.parquet", group: 1, row: 14, says: "has 0 values, expected 5" },
    { name: "null_row.parquet", group: 1, row: 14, says: "null" },
    { name: "null_element.parquet", group: 3, row: 31, says: "null element at position 2" },
  ]
  for (const { name, group, row, says } of cases) {
    const file = fixture(name)
    const pq = openParquetEmbeddings(file)
    expect(pq.dim).toBe(DIM)
    expectError(() => readRowGroup(pq, group), "InvalidInput", { file, row, says })
    for (let g = 0; g < 4; g++) if (g !== group) expect(readRowGroup(pq, g).count).toBe(GROUPS[g].rows)
    pq.close()
  }
})

test("a null first row fails at open: there is no dimension", () => {
  const file = fixture("null_first_row.parquet")
  expectError(() => openParquetEmbeddings(file), "InvalidInput", { file, row: 0, says: "null" })
})

test("unsupported codecs are FormatUnsupported", () => {
  for (const [name, codec] of [["lz4.parquet", "LZ4_RAW"], ["brotli.parquet", "BROTLI"]]) {
    const e = expectError(() => openParquetEmbeddings(fixture(name)), "FormatUnsupported", {
      file: fixture(name),
      says: codec,
    })
    expect(e.message).toContain("embedding")
  }
})

test("not a Parquet file, empty, truncated, bad footer length, missing file", () => {
  const good = new Uint8Array(fs.readFileSync(fixture("list_float_snappy.parquet")))
  const size = good.length

  const text = tempFile(new TextEncoder().encode('id,embedding\n1,"[1,2,3]"\n'.repeat(4)))
  expectError(() => openParquetEmbeddings(text), "InvalidInput", { file: text, offset: 0, says: "not a Parquet file" })

  const empty = tempFile(new Uint8Array(0))
  expectError(() => openParquetEmbeddings(empty), "InvalidInput", { file: empty, offset: 0 })

  const truncated = tempFile(good.subarray(0, 1500))
  expectError(() => openParquetEmbeddings(truncated), "InvalidInput", {
    file: truncated,
    offset: 1496,
    says: "truncated",
  })

  const long = good.slice()
  new DataView(long.buffer).setUint32(size - 8, size, true)
  const badLength = tempFile(long)
  expectError(() => openParquetEmbeddings(badLength), "InvalidInput", {
    file: badLength,
    offset: size - 8,
    says: "points outside the file",
  })

  const missing = path.join(os.tmpdir(), `brook-no-such-file-${process.pid}.parquet`)
  expectError(() => openParquetEmbeddings(missing), "InvalidInput", { file: missing })

  for (const file of [text, empty, truncated, badLength]) fs.rmSync(file)
})

test("a garbled footer is an InvalidInput, never a crash", () => {
  const good = new Uint8Array(fs.readFileSync(fixture("list_float_snappy.parquet")))
  const length = new DataView(good.buffer).getUint32(good.length - 8, true)
  const footerStart = good.length - 8 - length
  for (const [from, fill] of [[0, 0xff], [length >> 1, 0x00], [length >> 2, 0x19]]) {
    const bad = good.slice()
    bad.fill(fill, footerStart + from, footerStart + from + 16)
    const file = tempFile(bad)
    let error: unknown
    try {
      const pq = openParquetEmbeddings(file)
      for (let g = 0; g < pq.rowGroups.length; g++) readRowGroup(pq, g)
      pq.close()
    } catch (e) {
      error = e
    }
    // some garbling may leave a readable file; anything thrown must be one of ours
    if (error) expect(["InvalidInput", "FormatUnsupported"]).toContain((error as { _tag: string })._tag)
    fs.rmSync(file)
  }
})

test("a corrupt page fails only its row group, with the page's byte offset", () => {
  for (const codec of ["snappy", "gzip", "zstd"]) {
    const good = new Uint8Array(fs.readFileSync(fixture(`list_float_${codec}.parquet`)))
    const offset = pageOffset(good, 2, "embedding")
    const bad = good.slice()
    // keep the page header (about 20 bytes), garble the compressed body
    bad.fill(0xa5, offset + 24, offset + 60)
    const file = tempFile(bad)
    const pq = openParquetEmbeddings(file)
    expectError(() => readRowGroup(pq, 2), "InvalidInput", { file, offset, says: "corrupt data page" })
    for (const g of [0, 1, 3]) expect(readRowGroup(pq, g).count).toBe(GROUPS[g].rows)
    pq.close()
    fs.rmSync(file)
  }
})

test("a page header whose size runs past the column chunk: found at open (the page headers are read there)", () => {
  const good = new Uint8Array(fs.readFileSync(fixture("list_float_uncompressed.parquet")))
  const offset = pageOffset(good, 1, "embedding")
  // header: 0x15 type, 0x15 uncompressed size, 0x15 compressed size (zigzag varints)
  let p = offset
  const skipVarint = () => {
    while (good[p] & 0x80) p++
    p++
  }
  for (let field = 0; field < 2; field++) {
    expect(good[p++]).toBe(0x15)
    skipVarint()
  }
  expect(good[p++]).toBe(0x15)
  const bad = good.slice()
  while (bad[p] & 0x80) bad[p++] = 0xfe // same varint length, much larger even (positive) value
  bad[p] = 0x7e
  const file = tempFile(bad)
  expectError(() => openParquetEmbeddings(file), "InvalidInput", {
    file,
    offset,
    says: "runs past the end of its column chunk",
  })
  fs.rmSync(file)
})

/** Every batch of VectorRows(pq, batchRows), checked to stay within one row group and in order. */
function readRows(pq: ParquetEmbeddings, batchRows: number) {
  const reader = new VectorRows(pq, batchRows)
  const values: number[] = [], ids: Array<string | number> = []
  let next = 0
  for (let b = reader.next(); b; b = reader.next()) {
    expect(b.firstRow).toBe(next)
    expect(b.count).toBeGreaterThan(0)
    expect(b.count).toBeLessThanOrEqual(batchRows)
    const g = pq.rowGroups.findIndex((r) => b.firstRow >= r.firstRow && b.firstRow < r.firstRow + r.rows)
    expect(b.firstRow + b.count).toBeLessThanOrEqual(pq.rowGroups[g].firstRow + pq.rowGroups[g].rows)
    expect(b.values.length).toBe(b.count * pq.dim)
    values.push(...b.values)
    if (b.ids) ids.push(...b.ids)
    next += b.count
  }
  expect(next).toBe(pq.rows)
  return { values, ids }
}

test("VectorRows, page by page in batches of 1, 3, 7 or 1000 rows, pages whole or streamed, equals readRowGroup on every fixture", () => {
  const names = fs.readdirSync(dir).filter((n) => /^(list|array)_(float|double)_.*\.parquet$|^hyparquet_/.test(n))
  expect(names.length).toBeGreaterThan(15)
  let streamed = 0
  for (const [name, streamPageBytes] of names.flatMap((n) => [[n, undefined], [n, 0]] as const)) {
    const pq = openParquetEmbeddings(fixture(name), { streamPageBytes })
    if (pq.pages.streamed) streamed++
    const whole: number[] = [], wholeIds: Array<string | number> = []
    for (let g = 0; g < pq.rowGroups.length; g++) {
      const r = readRowGroup(pq, g)
      whole.push(...r.values)
      if (r.ids) wholeIds.push(...r.ids)
    }
    for (const batch of [1, 3, 7, 1000]) {
      const got = readRows(pq, batch)
      if (got.values.length !== whole.length || got.values.some((v, k) => v !== whole[k])) {
        expect(`${name} batch ${batch}`).toBe("equal values")
      }
      expect(got.ids).toEqual(wholeIds)
    }
    pq.close()
  }
  // the PLAIN v1 fixtures, SNAPPY and uncompressed, float and double, stream when asked to (v2 PLAIN
  // pages: tests/sources/read_embeddings/read_embeddings_test.ts)
  expect(streamed).toBe(6)
})

test("the page bounds read at open: the largest page of a multi-page file, a dictionary's entries", () => {
  const pages = openParquetEmbeddings(fixture("hyparquet_pages.parquet"))
  expect(pages.pages.values).toBeGreaterThan(0)
  expect(pages.pages.values).toBeLessThan(pages.rows * pages.dim) // several pages: a page is less than the file
  expect(pages.pages.uncompressed).toBeGreaterThanOrEqual(4 * pages.pages.values / 2)
  pages.close()
  const dict = openParquetEmbeddings(fixture("hyparquet_dictionary.parquet"))
  expect(dict.pages.dictionary).toBeGreaterThan(0)
  dict.close()
})

test("VectorRows fails at the row and offset readRowGroup names, after the rows before it (pages whole or streamed)", () => {
  const cases = [
    { name: "ragged.parquet", row: 23, says: "has 4 values, expected 5" },
    { name: "empty_row.parquet", row: 14, says: "has 0 values, expected 5" },
    { name: "null_row.parquet", row: 14, says: "null" },
    { name: "null_element.parquet", row: 31, says: "null element at position 2" },
  ].flatMap((c) => [{ ...c, streamPageBytes: undefined }, { ...c, streamPageBytes: 0 }])
  for (const { name, row, says, streamPageBytes } of cases) {
    const file = fixture(name)
    const pq = openParquetEmbeddings(file, { streamPageBytes })
    const reader = new VectorRows(pq, 4)
    let delivered = 0
    expectError(
      () => {
        for (let b = reader.next(); b; b = reader.next()) delivered = b.firstRow + b.count
      },
      "InvalidInput",
      { file, row, says },
    )
    expect(delivered).toBeLessThanOrEqual(row)
    pq.close()
  }
  for (const [codec, streamPageBytes] of [["snappy", undefined], ["snappy", 0], ["gzip", 0], ["zstd", 0]] as const) {
    const good = new Uint8Array(fs.readFileSync(fixture(`list_float_${codec}.parquet`)))
    const offset = pageOffset(good, 2, "embedding")
    const bad = good.slice()
    bad.fill(0xa5, offset + 24, offset + 60)
    const file = tempFile(bad)
    let pq: ParquetEmbeddings
    try {
      pq = openParquetEmbeddings(file, { streamPageBytes })
    } catch (e) {
      // a streamed page's levels are read at open: a page garbled there fails at open, at its offset
      expect([codec, streamPageBytes]).toEqual(["snappy", 0])
      expect({ tag: (e as { _tag: string })._tag, offset: (e as { offset: number }).offset }).toEqual({
        tag: "InvalidInput",
        offset,
      })
      fs.rmSync(file)
      continue
    }
    const reader = new VectorRows(pq, 1000)
    expect([reader.next()!.count, reader.next()!.count]).toEqual([10, 10])
    expectError(() => reader.next(), "InvalidInput", { file, offset, says: "corrupt data page" })
    pq.close()
    fs.rmSync(file)
  }
  const pq = openParquetEmbeddings(fixture("list_float_snappy.parquet"))
  pq.close()
  expect(() => new VectorRows(pq, 10)).toThrow(RangeError)
})

test("readRowGroup on a closed file or a missing row group is a RangeError", () => {
  const pq = openParquetEmbeddings(fixture("list_float_snappy.parquet"))
  expect(() => readRowGroup(pq, 4)).toThrow(RangeError)
  pq.close()
  pq.close()
  expect(() => readRowGroup(pq, 0)).toThrow(RangeError)
})

// --- page-level decoding with hand-made pages ---------------------------------------------

/** RLE-only hybrid encoding of `values` (each run as one RLE run). */
function rle(values: number[], width: number): number[] {
  const out: number[] = []
  for (let i = 0; i < values.length;) {
    let j = i
    while (j < values.length && values[j] === values[i]) j++
    let header = (j - i) << 1
    while (header >= 0x80) {
      out.push((header & 0x7f) | 0x80)
      header >>>= 7
    }
    out.push(header)
    for (let b = 0; b < (width + 7) >> 3; b++) out.push((values[i] >> (8 * b)) & 0xff)
    i = j
  }
  return out
}

const u32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24]

/** A v1 data page of LIST<FLOAT> (max rep 1, max def 3) with PLAIN floats. */
function v1Page(rep: number[], def: number[], floats: number[], encoding = "PLAIN", offset = 1000): DataPage {
  const r = rle(rep, 1)
  const d = rle(def, 2)
  const values = new Uint8Array(new Float32Array(floats).buffer)
  const bytes = new Uint8Array([...u32(r.length), ...r, ...u32(d.length), ...d, ...values])
  return { offset, v2: false, bytes, numValues: rep.length, encoding, repetitionBytes: 0, definitionBytes: 0 }
}

const listLeaf = () => {
  const bytes = new Uint8Array(fs.readFileSync(fixture("list_float_uncompressed.parquet")))
  const metadata = parquetMetadata(bytes)
  const root = schemaTree(metadata)
  return leafOf(root, root.children.find((c) => c.element.name === "embedding")!)!
}

test("a row split across two v1 pages", () => {
  const decoder = new VectorDecoder({ file: "x.parquet", leaf: listLeaf(), dim: 3, firstRow: 100, rows: 3 })
  decoder.data(v1Page([0, 1, 1, 0, 1], [3, 3, 3, 3, 3], [1, 2, 3, 4, 5]))
  decoder.data(v1Page([1, 0, 1, 1], [3, 3, 3, 3], [6, 7, 8, 9]))
  expect(Array.from(decoder.finish())).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
})

test("hand-made pages: short last row, too many rows, nulls, unsupported encoding", () => {
  const leaf = listLeaf()
  const make = () => new VectorDecoder({ file: "x.parquet", leaf, dim: 2, firstRow: 50, rows: 2 })

  const short = make()
  short.data(v1Page([0, 1, 0], [3, 3, 3], [1, 2, 3]))
  expectError(() => short.finish(), "InvalidInput", { file: "x.parquet", row: 51, says: "has 1 values" })

  expectError(() => make().data(v1Page([0, 1, 0, 1, 0, 1], [3, 3, 3, 3, 3, 3], [1, 2, 3, 4, 5, 6])), "InvalidInput", {
    file: "x.parquet",
    offset: 1000,
    says: "more than the 2 rows",
  })
  expectError(() => make().data(v1Page([0, 1, 0], [3, 3, 0], [1, 2])), "InvalidInput", {
    file: "x.parquet",
    row: 51,
    says: "null",
  })
  expectError(() => make().data(v1Page([0, 1, 0, 1], [3, 3, 3, 2], [1, 2, 3])), "InvalidInput", {
    file: "x.parquet",
    row: 51,
    says: "null element at position 1",
  })
  expectError(() => make().data(v1Page([1, 1], [3, 3], [1, 2])), "InvalidInput", {
    file: "x.parquet",
    offset: 1000,
    says: "middle of a row",
  })
  expectError(() => make().data(v1Page([0, 1], [3, 3], [1, 2], "DELTA_BINARY_PACKED")), "FormatUnsupported", {
    file: "x.parquet",
    says: "DELTA_BINARY_PACKED",
  })
  expectError(() => make().data(v1Page([0, 1], [3, 3], [1, 2], "RLE_DICTIONARY")), "InvalidInput", {
    file: "x.parquet",
    offset: 1000,
    says: "without a dictionary page",
  })
  // values section shorter than the levels promise
  const cut = v1Page([0, 1, 0, 1], [3, 3, 3, 3], [1, 2, 3, 4])
  expectError(() => make().data({ ...cut, bytes: cut.bytes.subarray(0, cut.bytes.length - 4) }), "InvalidInput", {
    file: "x.parquet",
    offset: 1000,
    says: "fewer than its 4 values",
  })
})

test("hybrid decoder: bit-packed widths, RLE runs, partial input, truncated input", () => {
  for (const width of [1, 3, 8, 17, 30]) {
    const values = Array.from({ length: 16 }, (_, i) => (i * 2654435761) % 2 ** width)
    // bit-pack 16 values (2 groups) LSB first
    const packed = new Uint8Array(2 * width)
    values.forEach((v, i) => {
      for (let b = 0; b < width; b++) {
        const bit = i * width + b
        if (Math.floor(v / 2 ** b) % 2) packed[bit >> 3] |= 1 << (bit & 7)
      }
    })
    const run = rle([7 % 2 ** width, 7 % 2 ** width, 7 % 2 ** width], width)
    const bytes = new Uint8Array([(2 << 1) | 1, ...packed, ...run])
    const out = new Uint32Array(19)
    expect(decodeHybrid(bytes, 0, bytes.length, width, out, 19)).toBe(19)
    expect(Array.from(out)).toEqual([...values, 7 % 2 ** width, 7 % 2 ** width, 7 % 2 ** width])
    // partial: only the bit-packed run fits
    expect(decodeHybrid(bytes, 0, 1 + packed.length, width, new Uint32Array(19), 19, true)).toBe(16)
    expect(() => decodeHybrid(bytes, 0, bytes.length - 1, width, new Uint32Array(19), 19)).toThrow()
  }
})

test("dim from a growing prefix of the first page, for every codec", () => {
  for (const codec of ["uncompressed", "snappy", "gzip", "zstd"]) {
    const file = fixture(`list_float_${codec}.parquet`)
    const bytes = new Uint8Array(fs.readFileSync(file))
    const metadata = parquetMetadata(bytes)
    const root = schemaTree(metadata)
    const leaf = leafOf(root, root.children.find((c) => c.element.name === "embedding")!)!
    const meta = metadata.row_groups[0].columns.find((c) => c.meta_data?.path_in_schema[0] === "embedding")!.meta_data!
    const start = Number(meta.data_page_offset)
    const chunk = { start, end: start + Number(meta.total_compressed_size), codec: meta.codec }
    const reads: number[] = []
    const read = {
      name: file,
      at: (offset: number, length: number) => {
        reads.push(length)
        return bytes.subarray(offset, offset + length)
      },
    }
    for (const prefix of [1, 16, 1 << 16]) expect(firstVectorLength(read, chunk, leaf, 0, prefix)).toBe(DIM)
    expect(Math.min(...reads)).toBeLessThan(16)
  }
})

test("snappy, gzip and zstd: whole pages and page prefixes", () => {
  const data = new Uint8Array(1_000_000) // several 128 KiB zstd blocks
  for (let i = 0; i < data.length; i++) data[i] = i % 251 < 120 ? (i * 7919) >>> 3 : i % 7
  const compressed: Record<string, Uint8Array> = {
    SNAPPY: snappyCompress(data),
    GZIP: new Uint8Array(zlib.gzipSync(data)),
    UNCOMPRESSED: data,
  }
  const zstd = (zlib as unknown as { zstdCompressSync?: (b: Uint8Array) => Uint8Array }).zstdCompressSync
  if (zstd) compressed.ZSTD = new Uint8Array(zstd(data))
  const isPrefix = (a: Uint8Array) => a.length <= data.length && a.every((x, i) => x === data[i])
  for (const [codec, bytes] of Object.entries(compressed)) {
    const whole = decompress(codec, bytes, data.length)
    expect(whole.length).toBe(data.length)
    expect(isPrefix(whole)).toBe(true)
    expect(() => decompress(codec, bytes, data.length + 1)).toThrow()
    const half = decompressPrefix(codec, bytes.subarray(0, bytes.length >> 1), data.length, 1 << 20)
    expect(half.length).toBeGreaterThan(1000)
    expect(isPrefix(half)).toBe(true)
  }
  // a snappy block cut short or garbled
  expect(() => decompress("SNAPPY", compressed.SNAPPY.subarray(0, 5000), data.length)).toThrow()
})

/**
 * A Thrift compact-protocol writer, just enough for a FileMetaData: fields are [id, value] pairs;
 * a value is { i32 }, { i64 }, { bin }, { list: values of one kind } or { struct: fields }.
 */
type Tv = { i32: number } | { i64: number } | { bin: string } | { list: Tv[] } | { struct: Array<[number, Tv]> }
function thrift(fields: Array<[number, Tv]>): Uint8Array {
  const out: number[] = []
  const varint = (n: bigint) => {
    for (; n >= 0x80n; n >>= 7n) out.push(Number(n & 0x7fn) | 0x80)
    out.push(Number(n))
  }
  const zigzag = (n: number) => varint(n < 0 ? BigInt(-n) * 2n - 1n : BigInt(n) * 2n)
  const kind = (v: Tv) => ("i32" in v ? 5 : "i64" in v ? 6 : "bin" in v ? 8 : "list" in v ? 9 : 12)
  const value = (v: Tv) => {
    if ("i32" in v) zigzag(v.i32)
    else if ("i64" in v) zigzag(v.i64)
    else if ("bin" in v) {
      const b = new TextEncoder().encode(v.bin)
      varint(BigInt(b.length))
      out.push(...b)
    } else if ("list" in v) {
      out.push((Math.min(v.list.length, 15) << 4) | (v.list.length ? kind(v.list[0]) : 12))
      if (v.list.length >= 15) varint(BigInt(v.list.length))
      v.list.forEach(value)
    } else struct(v.struct)
  }
  const struct = (fs: Array<[number, Tv]>) => {
    let last = 0
    for (const [id, v] of fs) {
      out.push(((id - last) << 4) | kind(v))
      last = id
      value(v)
    }
    out.push(0)
  }
  struct(fields)
  return Uint8Array.from(out)
}

/** The bytes of a Parquet file whose footer is `meta`, without pages (only the footer is read here). */
function withFooter(meta: Uint8Array): Uint8Array {
  const magic = new TextEncoder().encode("PAR1")
  const len = new Uint8Array(4)
  new DataView(len.buffer).setUint32(0, meta.length, true)
  return Buffer.concat([magic, meta, len, magic])
}

function thrown(f: () => unknown): { _tag?: string; message: string } {
  try {
    f()
  } catch (e) {
    return e as { _tag?: string; message: string }
  }
  throw new Error("expected an error")
}

/** FileMetaData of 3 rows in one row group, the leaf `v` of physical type `type`, `chunks` column chunks. */
const footer = (type: number, chunks = 1) =>
  thrift([
    [1, { i32: 1 }],
    [2, {
      list: [
        { struct: [[4, { bin: "schema" }], [5, { i32: 1 }]] },
        { struct: [[1, { i32: type }], [3, { i32: 0 }], [4, { bin: "v" }]] },
      ],
    }],
    [3, { i64: 3 }],
    [4, {
      list: [{
        struct: [
          [1, {
            list: Array.from({ length: chunks }, () => ({
              struct: [[2, { i64: 4 }], [3, {
                struct: [
                  [1, { i32: type }],
                  [2, { list: [{ i32: 0 }] }],
                  [3, { list: [{ bin: "v" }] }],
                  [4, { i32: 0 }],
                  [5, { i64: 3 }],
                  [6, { i64: 12 }],
                  [7, { i64: 12 }],
                  [9, { i64: 4 }],
                  [12, { struct: [[5, { bin: "\0\0\0\0" }], [6, { bin: "\0\0\0\0" }]] }],
                ],
              }]] as Array<[number, Tv]>,
            })),
          }],
          [2, { i64: 12 }],
          [3, { i64: 3 }],
        ],
      }],
    }],
  ])

/** What a JavaScript engine says, never brook: a message with one of these leaks an internal error. */
const ENGINE =
  /Cannot destructure|Cannot read prop|undefined is not|null is not|is not a function|is not an object|of undefined|of null/

test("a footer with a physical type that does not exist (PARQUET-1481) is InvalidInput at the footer, in Parquet's terms", () => {
  // the same footer with a real type decodes: the check refuses only what is wrong
  expect(parquetMetadata(withFooter(footer(4)).buffer as ArrayBuffer).schema[1].type).toBe("FLOAT")
  const bad = tempFile(withFooter(footer(-7)))
  const e = thrown(() => openParquetEmbeddings(bad))
  expect(e._tag).toBe("InvalidInput")
  expect(e.message).toBe(
    `${bad} (byte offset 4): corrupt footer: schema element 1 (v) has physical type -7, not one of Parquet's 8 ` +
      "(0 BOOLEAN to 7 FIXED_LEN_BYTE_ARRAY)",
  )
  const twice = tempFile(withFooter(footer(4, 2)))
  expect(thrown(() => openParquetEmbeddings(twice)).message).toContain(
    "corrupt footer: row group 0 has 2 column chunks for the schema's 1 leaf column(s)",
  )
  const cut = tempFile(withFooter(footer(-7).subarray(0, 20)))
  expect(thrown(() => openParquetEmbeddings(cut)).message).toContain(
    "corrupt footer: the FileMetaData is not Thrift's compact protocol, or runs past the footer",
  )
})

/** Footer mutants per run: BROOK_FUZZ_N=10000 tries more. */
const MUTANTS = Number(process.env.BROOK_FUZZ_N ?? 200)

test("seeded mutations of a fixture's footer: each opens or fails as a typed error, never in a JS engine's words", () => {
  const bytes = fs.readFileSync(fixture("list_float_snappy.parquet"))
  const metaLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true)
  const start = bytes.length - 8 - metaLength
  let s = 1481
  const rnd = (n: number) => (s ^= s << 13, s ^= s >>> 17, s ^= s << 5, (s >>> 0) % n)
  const outcomes = { ok: 0, typed: 0 }
  for (let k = 0; k < MUTANTS; k++) {
    const b = Buffer.from(bytes)
    for (let n = 1 + rnd(3); n > 0; n--) {
      const at = start + rnd(metaLength)
      if (rnd(2)) b[at] ^= 1 << rnd(8)
      else b[at] = [0, 0x7f, 0x80, 0xff, 0x15, 0x19][rnd(6)]
    }
    const file = tempFile(new Uint8Array(b))
    try {
      openParquetEmbeddings(file).close()
      outcomes.ok++
    } catch (e) {
      const err = e as { _tag?: string; message: string }
      expect(`${k}: ${err._tag}`).toBe(
        `${k}: ${err._tag === "FormatUnsupported" ? "FormatUnsupported" : "InvalidInput"}`,
      )
      expect(`${k}: ${err.message}`).not.toMatch(ENGINE)
      outcomes.typed++
    }
    fs.rmSync(file)
  }
  if (process.env.BROOK_FUZZ_N) console.error(`footer: ${MUTANTS} mutants: ${JSON.stringify(outcomes)}`)
  expect(outcomes.typed).toBeGreaterThan(0)
})
