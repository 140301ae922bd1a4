/**
 * brook's Arrow IPC stream code against apache-arrow's, on the stream brook moves most: edges
 * (src u32, dst u32, weight f32). Encodes (into one contiguous buffer, as a pipe write copies anyway) and
 * decodes (from 64 KiB chunks, as stdin delivers them) the same batches in memory with both, best of 3.
 * usage: bun bench/arrow_ipc.ts [EDGES=20000000] [BATCH=131072]   (or: deno run -A bench/arrow_ipc.ts)
 */
import {
  Field,
  Float32,
  makeData,
  RecordBatch,
  RecordBatchReader,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  Uint32,
} from "apache-arrow"
import { ByteReader } from "../formats/arrow/byte_reader.ts"
import { ArrowStreamReader, encodeRecordBatch, encodeSchemaMessage, END_OF_STREAM } from "../formats/arrow/ipc.ts"
import { schemaFor } from "../formats/arrow/streams.ts"

const n = Number(process.argv[2] ?? 20_000_000)
const batch = Number(process.argv[3] ?? 131072)
const cols = Array.from({ length: Math.ceil(n / batch) }, (_, k) => {
  const len = Math.min(batch, n - k * batch)
  return {
    src: Uint32Array.from({ length: len }, (_, x) => k * batch + x),
    dst: Uint32Array.from({ length: len }, (_, x) => (k * batch + x) * 7 % n),
    weight: Float32Array.from({ length: len }, (_, x) => 1 + x / len),
  }
})

const best = (f: () => Promise<number> | number) => async () => {
  let t = Infinity, bytes = 0
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now()
    bytes = await f()
    t = Math.min(t, performance.now() - t0)
  }
  return { ms: t, bytes }
}

const brookEncode = () => {
  const parts: Uint8Array[] = [encodeSchemaMessage(schemaFor("edges", {}))]
  for (const c of cols) {
    const columns = [c.src, c.dst, c.weight].map((v) => ({ length: v.length, buffers: [undefined, v] }))
    parts.push(...encodeRecordBatch(c.src.length, columns))
  }
  parts.push(END_OF_STREAM)
  return parts
}
const total = (parts: Uint8Array[]) => parts.reduce((a, p) => a + p.length, 0)
const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(total(parts))
  let at = 0
  for (const p of parts) out.set(p, at), at += p.length
  return out
}

const schema = new Schema([
  new Field("src", new Uint32(), false),
  new Field("dst", new Uint32(), false),
  new Field("weight", new Float32(), false),
])
const arrowEncode = () => {
  const w = new RecordBatchStreamWriter()
  for (const c of cols) {
    const children = [
      makeData({ type: new Uint32(), length: c.src.length, data: c.src }),
      makeData({ type: new Uint32(), length: c.src.length, data: c.dst }),
      makeData({ type: new Float32(), length: c.src.length, data: c.weight }),
    ]
    w.write(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: c.src.length, children })))
  }
  w.finish()
  return w.toUint8Array(true)
}

const chunked = (bytes: Uint8Array) =>
  async function* () {
    for (let at = 0; at < bytes.length; at += 1 << 16) yield bytes.subarray(at, at + (1 << 16))
  }

const stream = concat(brookEncode())

const results = {
  "encode, brook": await best(() => concat(brookEncode()).length)(),
  "encode, apache-arrow": await best(() => arrowEncode().length)(),
  "decode, brook": await best(async () => {
    const r = new ArrowStreamReader(new ByteReader(chunked(stream)()), "bench")
    await r.readSchema()
    let sum = 0
    for (let b = await r.next(1 << 30); b; b = await r.next(1 << 30)) sum += b.columns[0].buffers[1].length
    return sum
  })(),
  "decode, apache-arrow": await best(async () => {
    const r = await RecordBatchReader.from(chunked(stream)())
    let sum = 0
    for await (const b of r) sum += (b.getChildAt(0)!.data[0].values as Uint32Array).byteLength
    return sum
  })(),
}
const mb = stream.length / 1e6
console.log(`${n} edges in batches of ${batch}: ${mb.toFixed(0)} MB of stream`)
for (const [k, v] of Object.entries(results)) {
  console.log(`${k.padEnd(22)} ${v.ms.toFixed(0).padStart(6)} ms  ${(mb / v.ms * 1000).toFixed(0).padStart(6)} MB/s`)
}
console.log(
  `ratios brook/apache-arrow: encode ${
    (results["encode, brook"].ms / results["encode, apache-arrow"].ms).toFixed(2)
  }, decode ${(results["decode, brook"].ms / results["decode, apache-arrow"].ms).toFixed(2)}`,
)
