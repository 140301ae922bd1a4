import * as fs from "node:fs"
import { Table, writeParquet, WriterPropertiesBuilder, Compression } from "parquet-wasm"
import { pipe, readEmbeddings, run } from "../mod.ts"
import { writeArrow } from "../sinks/write_arrow.ts"
const [npy, out] = process.argv.slice(2)
const ipc = out + ".arrows"
await run(pipe(readEmbeddings(npy), writeArrow(ipc, "embeddings")), { memory: "1GB" })
const props = new WriterPropertiesBuilder().setCompression(Compression.SNAPPY).build()
const pq = writeParquet(Table.fromIPCStream(new Uint8Array(fs.readFileSync(ipc))), props)
fs.writeFileSync(out, pq)
fs.rmSync(ipc)
console.log(out, pq.length)
process.exit(0)
