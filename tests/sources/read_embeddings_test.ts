/**
 * readEmbeddings on Parquet in pipelines: a row group much larger than the budget is read page by page
 * within it (arrow-rs writes one row group of up to 1 M rows, in ~1 MB pages, as pandas' pyarrow does),
 * with the same rows as the .npy of the same vectors; a budget below one page is refused, naming it.
 */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { Compression, Table, writeParquet, WriterPropertiesBuilder } from "parquet-wasm"
import { collect, pipe, readEmbeddings, run } from "../../mod.ts"
import type { EmbeddingRows } from "../../sources/read_embeddings.ts"
import { openParquetEmbeddings } from "../../sources/parquet.ts"
import { writeArrow } from "../../sinks/write_arrow.ts"
import { randomValues, tempDir, writeNpy } from "../helpers.ts"

const dir = tempDir()
const ROWS = 40_000, DIM = 64 // 10 MB of float32 vectors

/** The same vectors as .npy and as an arrow-rs Parquet file (SNAPPY, its default pages and row groups). */
async function twins(): Promise<{ npy: string; parquet: string }> {
  const npy = path.join(dir, "v.npy")
  writeNpy(npy, ROWS, DIM, randomValues(ROWS * DIM, 11))
  const ipc = path.join(dir, "v.arrows")
  await run(pipe(readEmbeddings(npy), writeArrow(ipc, "embeddings")))
  const props = new WriterPropertiesBuilder().setCompression(Compression.SNAPPY).build()
  const parquet = path.join(dir, "v.parquet")
  fs.writeFileSync(parquet, writeParquet(Table.fromIPCStream(new Uint8Array(fs.readFileSync(ipc))), props))
  return { npy, parquet }
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
  const rows = (c: { batches: EmbeddingRows[] }) => {
    const all = new Float32Array(ROWS * DIM)
    for (const b of c.batches) all.set(b.values.subarray(0, b.count * DIM), b.start * DIM)
    return all
  }
  expect(fromParquet.batches.reduce((n, b) => n + b.count, 0)).toBe(ROWS)
  expect(rows(fromParquet)).toEqual(rows(fromNpy))
})

test("a budget that cannot hold the largest page is refused before any data moves, naming it", async () => {
  const parquet = path.join(dir, "v.parquet")
  if (!fs.existsSync(parquet)) await twins()
  const err = await run(pipe(readEmbeddings(parquet), collect({ batches: [] })), { memory: "5MB" }).catch((e) => e)
  expect(err._tag).toBe("BudgetExceeded")
  expect(err.message).toContain("readEmbeddings")
})
