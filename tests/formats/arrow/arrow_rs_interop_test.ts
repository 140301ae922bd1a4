/**
 * Interop with arrow-rs, the Rust Arrow implementation (through parquet-wasm, its WebAssembly build):
 * arrow-rs reads brook's streams (checked by writing them to Parquet with arrow-rs and reading that
 * back), and brook reads the streams arrow-rs writes (from Parquet files, with in batches of 10 rows).
 */
import { expect, test } from "bun:test"
import { parquetReadObjects } from "hyparquet"
import * as fs from "node:fs"
import * as path from "node:path"
import { readParquet, Table, writeParquet } from "parquet-wasm"
import { collect, pipe, readEmbeddings, run, thresholdEdges, tiledCosine, writeEdges } from "../../../mod.ts"
import type { EmbeddingRows } from "../../../core/batches.ts"
import { fileInput, readArrow } from "../../../sources/read_arrow.ts"
import { writeArrow } from "../../../sinks/write_arrow.ts"
import { lines, randomValues, tempDir, writeNpy } from "../../helpers.ts"
import { formatWeight } from "../../../sinks/write_edges.ts"

const dir = tempDir()
const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..", "fixtures", "parquet")

/** arrow-rs reads an IPC stream file and writes it as Parquet; the rows as objects. */
async function throughArrowRs(file: string) {
  const pq = writeParquet(Table.fromIPCStream(new Uint8Array(fs.readFileSync(file))))
  return await parquetReadObjects({ file: pq.buffer.slice(pq.byteOffset, pq.byteOffset + pq.byteLength) })
}

test("arrow-rs reads brook's embedding and edge streams with their values", async () => {
  const npy = path.join(dir, "e.npy")
  const v = randomValues(500 * 6, 41)
  writeNpy(npy, 500, 6, v)
  const emb = path.join(dir, "e.arrows")
  await run(pipe(readEmbeddings(npy, { batchRows: 128 }), writeArrow(emb, "embeddings")))
  const rows = await throughArrowRs(emb)
  expect(rows.length).toBe(500)
  expect(rows.every((r, k) => r.row === k)).toBe(true)
  expect(Float32Array.from(rows.flatMap((r) => r.embedding as number[]))).toEqual(v)

  const edges = path.join(dir, "edges.arrows")
  const tsv = path.join(dir, "edges.tsv")
  for (const sink of [writeArrow(edges, "edges"), writeEdges(tsv)]) {
    await run(pipe(readEmbeddings(npy), tiledCosine({ threshold: 0.5 }), thresholdEdges(), sink as never))
  }
  const got = await throughArrowRs(edges)
  const want = lines(tsv)
  expect(want.length).toBeGreaterThan(100)
  expect(got.map((r) => `${r.src}\t${r.dst}\t${formatWeight(r.weight as number)}`)).toEqual(want)
})

test("brook reads arrow-rs's streams: list<float> and list<double> vectors, in batches of 10 rows", async () => {
  for (const name of ["list_float_snappy.parquet", "list_double_zstd.parquet"]) {
    const fixture = path.join(fixtures, name)
    const stream = path.join(dir, `${name}.arrows`)
    fs.writeFileSync(stream, readParquet(new Uint8Array(fs.readFileSync(fixture)), { batchSize: 10 }).intoIPCStream())
    const theirs = { batches: [] as EmbeddingRows[] }
    const report = await run(pipe(readArrow(fileInput(stream), "embeddings"), collect(theirs)))
    const ours = { batches: [] as EmbeddingRows[] }
    await run(pipe(readEmbeddings(fixture, { idColumn: null }), collect(ours)))
    // no brook metadata: the rows were counted on the way in
    expect(report.info.rows).toBe(37)
    expect(report.info.dim).toBe(5)
    expect(theirs.batches.map((b) => b.count)).toEqual([10, 10, 10, 7])
    const flat = (b: EmbeddingRows[]) => b.flatMap((x) => [...x.values])
    expect(flat(theirs.batches)).toEqual(flat(ours.batches))
    expect(flat(theirs.batches)[5 * 36 + 4]).toBe(36 * 10 + 4 + 0.5)
  }
})
