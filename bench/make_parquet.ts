/**
 * The vectors of an .npy as Parquet, written the way users' tools write them: `arrow-rs` (parquet-wasm,
 * SNAPPY, its default ~1 MB pages and row groups of up to 1 M rows, like pandas' pyarrow) or `duckdb`
 * (COPY ... TO, its defaults: SNAPPY, row groups of 122,880 rows, list pages of tens of MB).
 * usage: bun bench/make_parquet.ts EMB.npy OUT.parquet arrow-rs|duckdb
 */
import * as fs from "node:fs"
import { DuckDBInstance } from "@duckdb/node-api"
import { Compression, Table, writeParquet, WriterPropertiesBuilder } from "parquet-wasm"
import { pipe, readEmbeddings, run } from "../mod.ts"
import { writeArrow } from "../sinks/write_arrow.ts"

const [npy, out, writer] = process.argv.slice(2)
if (!npy || !out || (writer !== "arrow-rs" && writer !== "duckdb")) {
  console.error("usage: bun bench/make_parquet.ts EMB.npy OUT.parquet arrow-rs|duckdb")
  process.exit(2)
}
// both writers take the vectors from an Arrow IPC stream brook writes (column `embedding`, list<float>)
const ipc = `${out}.arrows`
await run(pipe(readEmbeddings(npy), writeArrow(ipc, "embeddings")), { memory: "2GB" })
if (writer === "arrow-rs") {
  const props = new WriterPropertiesBuilder().setCompression(Compression.SNAPPY).build()
  fs.writeFileSync(out, writeParquet(Table.fromIPCStream(new Uint8Array(fs.readFileSync(ipc))), props))
} else {
  // DuckDB reads the vectors back from an arrow-rs Parquet file (it has no IPC-stream reader built in)
  const staged = `${out}.staged.parquet`
  fs.writeFileSync(staged, writeParquet(Table.fromIPCStream(new Uint8Array(fs.readFileSync(ipc)))))
  const db = await DuckDBInstance.create(":memory:")
  const c = await db.connect()
  await c.run(`COPY (SELECT embedding FROM '${staged}' ORDER BY "row") TO '${out}' (FORMAT parquet)`)
  fs.rmSync(staged)
}
fs.rmSync(ipc)
console.log(`${out}: ${fs.statSync(out).size} bytes (${writer})`)
process.exit(0)
