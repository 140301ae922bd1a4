/**
 * readEmbeddings on Parquet in pipelines: a row group much larger than the budget is read page by page
 * within it (arrow-rs writes one row group of up to 1 M rows, in ~1 MB pages, as pandas' pyarrow does),
 * with the same rows as the .npy of the same vectors; a budget below one page is refused, naming it.
 */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { Compression, Table, writeParquet, WriterPropertiesBuilder, WriterVersion } from "parquet-wasm"
import { collect, pipe, readEmbeddings, run } from "../../../mod.ts"
import type { EmbeddingRows } from "../../../core/batches.ts"
import { openParquetEmbeddings } from "../../../formats/parquet/embeddings.ts"
import { VectorRows } from "../../../formats/parquet/vector_rows.ts"
import { writeArrow } from "../../../sinks/write_arrow.ts"
import { float16Of, randomValues, tempDir, writeNpy } from "../../helpers.ts"
import { float16ToFloat32 } from "../../../formats/float16.ts"
import { readPageHeader } from "../../../formats/parquet/pages.ts"

/** Bytes of the snappy element (tag and what follows) at `at`. */
function snappyElementLength(b: Uint8Array, at: number): number {
  const tag = b[at]
  if ((tag & 3) === 1) return 2
  if ((tag & 3) === 2) return 3
  if ((tag & 3) === 3) return 5
  let n = tag >>> 2, head = 1
  if (n >= 60) {
    const k = n - 59
    n = 0
    for (let i = 0; i < k; i++) n += b[at + 1 + i] * 2 ** (8 * i)
    head += k
  }
  return head + n + 1
}

const dir = tempDir()
const ROWS = 40_000, DIM = 64 // 10 MB of float32 vectors

/** The same vectors as .npy and as an arrow-rs Parquet file (SNAPPY, its default pages and row groups). */
async function twins(): Promise<{ npy: string; parquet: string }> {
  const npy = path.join(dir, "v.npy")
  writeNpy(npy, ROWS, DIM, randomValues(ROWS * DIM, 11))
  const parquet = await arrowRs(npy, "v.parquet", new WriterPropertiesBuilder().setCompression(Compression.SNAPPY))
  return { npy, parquet }
}

/** The vectors of `npy` written by arrow-rs with `props`. */
async function arrowRs(npy: string, name: string, props: WriterPropertiesBuilder): Promise<string> {
  const ipc = path.join(dir, `${name}.arrows`)
  if (!fs.existsSync(ipc)) await run(pipe(readEmbeddings(npy), writeArrow(ipc, "embeddings")))
  const parquet = path.join(dir, name)
  fs.writeFileSync(parquet, writeParquet(Table.fromIPCStream(new Uint8Array(fs.readFileSync(ipc))), props.build()))
  return parquet
}

/** Every row of a collected run, in row order. */
function rowsOf(c: { batches: EmbeddingRows[] }, rows = ROWS, dim = DIM): Float32Array {
  const all = new Float32Array(rows * dim)
  for (const b of c.batches) all.set(b.values.subarray(0, b.count * dim), b.start * dim)
  return all
}

test("a 10 MB row group is read page by page within a 12 MB budget (whole row groups needed 40 MB), rows equal to the .npy's", async () => {
  const { npy, parquet } = await twins()
  const pq = openParquetEmbeddings(parquet)
  expect(pq.rowGroups.length).toBe(1) // one row group ...
  expect(pq.rowGroups[0].bytes).toBeGreaterThan(10_000_000)
  expect(pq.pages.uncompressed).toBeLessThan(2_000_000) // ... in pages of ~1 MB
  pq.close()

  const fromParquet = { batches: [] as EmbeddingRows[] }
  const report = await run(pipe(readEmbeddings(parquet, { idColumn: null }), collect(fromParquet)), { memory: "12MB" })
  const stage = report.stages[0]
  expect(stage.plan.notes).toContain("page by page")
  expect(stage.peakReserved).toBeLessThan(ROWS * DIM * 4)
  expect(fromParquet.batches.length).toBeGreaterThan(1)

  const fromNpy = { batches: [] as EmbeddingRows[] }
  await run(pipe(readEmbeddings(npy), collect(fromNpy)))
  expect(fromParquet.batches.reduce((n, b) => n + b.count, 0)).toBe(ROWS)
  expect(rowsOf(fromParquet)).toEqual(rowsOf(fromNpy))
})

/** 24,000 x 128 vectors (12.3 MB) as .npy: arrow-rs pages hold 20,000 rows, so its first page is 10 MB. */
const BIG_ROWS = 24_000, BIG_DIM = 128
function bigNpy(): string {
  const npy = path.join(dir, "big.npy")
  if (!fs.existsSync(npy)) writeNpy(npy, BIG_ROWS, BIG_DIM, randomValues(BIG_ROWS * BIG_DIM, 12))
  return npy
}
const bigPages = () => new WriterPropertiesBuilder().setDictionaryEnabled(false).setDataPageSizeLimit(64 << 20)

test("pages larger than 8 MiB (as DuckDB writes) are streamed: v1 and v2, SNAPPY and none, rows equal to the .npy's", async () => {
  const npy = bigNpy()
  const fromNpy = { batches: [] as EmbeddingRows[] }
  await run(pipe(readEmbeddings(npy), collect(fromNpy)))
  const want = rowsOf(fromNpy, BIG_ROWS, BIG_DIM)
  const cases = [
    [WriterVersion.V1, Compression.SNAPPY],
    [WriterVersion.V2, Compression.SNAPPY],
    [WriterVersion.V2, Compression.UNCOMPRESSED],
    [WriterVersion.V1, Compression.UNCOMPRESSED],
  ] as const
  for (const [version, compression] of cases) {
    const props = bigPages().setWriterVersion(version).setCompression(compression)
    const parquet = await arrowRs(npy, `big-${version}-${compression}.parquet`, props)
    const pq = openParquetEmbeddings(parquet)
    expect(pq.pages.streamed).toBe(true) // the 10 MB page streams; the 2 MB one is read whole
    expect(pq.pages.uncompressed).toBeLessThan(4 << 20)
    pq.close()
    const got = { batches: [] as EmbeddingRows[] }
    // whole row groups needed ~49 MB here (twice 12.3 MB compressed and decoded)
    await run(pipe(readEmbeddings(parquet, { idColumn: null }), collect(got)), { memory: "20MB" })
    expect(rowsOf(got, BIG_ROWS, BIG_DIM)).toEqual(want)
  }
})

test("a streamed page garbled half way fails at its offset, after the rows before it", async () => {
  const props = bigPages().setCompression(Compression.SNAPPY)
  const good = new Uint8Array(fs.readFileSync(await arrowRs(bigNpy(), "big-garble.parquet", props)))
  // the streamed page starts right after the 4-byte magic; make the snappy element that starts half
  // way through it a copy from offset 0 (literal bytes can be anything, a bad tag cannot)
  const read = { name: "big-garble.parquet", at: (offset: number, length: number) => good.subarray(offset, offset + length) }
  const { bodyStart, bodyEnd } = readPageHeader(read, 4, good.length)
  let at = bodyStart
  while (good[at] & 0x80) at++
  for (at++; at < bodyStart + ((bodyEnd - bodyStart) >> 1);) at += snappyElementLength(good, at)
  const bad = good.slice()
  bad[at] = 0x01 // a copy with a 1-byte offset ...
  bad[at + 1] = 0x00 // ... of 0
  const file = path.join(dir, "garbled.parquet")
  fs.writeFileSync(file, bad)
  const pq = openParquetEmbeddings(file)
  expect(pq.pages.streamed).toBe(true)
  const reader = new VectorRows(pq, 1000)
  let rows = 0
  let error: { _tag?: string; offset?: number; message?: string } = {}
  try {
    for (let b = reader.next(); b; b = reader.next()) rows += b.count
  } catch (e) {
    error = e as typeof error
  }
  pq.close()
  expect({ tag: error._tag, offset: error.offset }).toEqual({ tag: "InvalidInput", offset: 4 })
  expect(error.message).toContain("corrupt data page")
  expect(rows).toBeGreaterThan(1000)
  expect(rows).toBeLessThan(BIG_ROWS)
})

test("a budget that cannot hold the largest page is refused before any data moves, naming it", async () => {
  const parquet = path.join(dir, "v.parquet")
  if (!fs.existsSync(parquet)) await twins()
  const err = await run(pipe(readEmbeddings(parquet), collect({ batches: [] })), { memory: "5MB" }).catch((e) => e)
  expect(err._tag).toBe("BudgetExceeded")
  expect(err.message).toContain("readEmbeddings")
})

test("a .npy batch plans three float32 copies and one staging copy of the file's own values (f2: 2 B, f4: none, f8: 8 B)", async () => {
  const { Effect } = await import("effect")
  const rows = 1000, dim = 16, share = 100_000
  for (const [dtype, staging] of [["<f2", 2], [">f2", 2], ["<f4", 0], [">f4", 0], ["<f8", 8], [">f8", 8]] as const) {
    const file = path.join(dir, `plan${dtype.replace(/[<>]/, (c) => (c === "<" ? "le" : "be"))}.npy`)
    writeNpy(file, rows, dim, randomValues(rows * dim, 3), dtype)
    const source = readEmbeddings(file)
    await Effect.runPromise(source.describe({}))
    const plan = await Effect.runPromise(source.plan(share, {}))
    const perRow = dim * (3 * 4 + staging)
    expect([dtype, plan.batchRows, plan.bytes]).toEqual([dtype, Math.floor(share / perRow), plan.batchRows * perRow])
    const got = { batches: [] as EmbeddingRows[] }
    await run(pipe(readEmbeddings(file), collect(got)))
    const values = randomValues(rows * dim, 3)
    expect(Array.from(rowsOf(got, rows, dim))).toEqual(Array.from(dtype[2] === "2" ? half(values) : values))
  }
})

/** Values rounded to binary16 and back, as a float16 file holds them. */
function half(values: Float32Array): Float32Array {
  const bits = new Uint8Array(values.length * 2)
  const v = new DataView(bits.buffer)
  values.forEach((x, k) => v.setUint16(2 * k, float16Of(x), true))
  const out = new Float32Array(values.length)
  float16ToFloat32(bits, 0, values.length, out, 0)
  return out
}
