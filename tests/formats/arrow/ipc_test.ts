/**
 * The Arrow IPC stream format: brook's streams read back exactly, apache-arrow (another Arrow
 * implementation, JS) reads brook's streams, and brook reads apache-arrow's: fixed_size_list and
 * list<float64> vectors, int64 edges, ZSTD bodies; nulls, cut streams, ragged rows and oversized
 * batches are refused by name.
 */
import { expect, test } from "bun:test"
import {
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
  Int64,
  List,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableFromArrays,
  tableFromIPC,
  tableToIPC,
  Uint32,
  vectorFromArray,
} from "apache-arrow"
import * as fs from "node:fs"
import * as path from "node:path"
import { collect, type EdgeBatch, pipe, run } from "../../../mod.ts"
import { fileInput, readArrow, streamInput } from "../../../sources/read_arrow.ts"
import { writeArrow } from "../../../sinks/write_arrow.ts"
import { readEmbeddings } from "../../../sources/read_embeddings/read_embeddings.ts"
import { IdsByRow } from "../../../core/id_column.ts"
import type { EmbeddingRows } from "../../../core/batches.ts"
import { batchSource, randomValues, tempDir, writeNpy } from "../../helpers.ts"

const dir = tempDir()
const bytesInput = (name: string, bytes: Uint8Array) =>
  streamInput(name, new ReadableStream({ start: (c) => (c.enqueue(bytes), c.close()) }))

async function collectFrom<T>(source: ReturnType<typeof readArrow>) {
  const into = { batches: [] as T[] }
  const report = await run(pipe(source, collect(into as never)), { memory: "64MB" })
  return { batches: into.batches, info: report.info }
}

async function failure(p: Promise<unknown>): Promise<{ _tag: string; message: string; row?: number }> {
  try {
    await p
  } catch (e) {
    return e as { _tag: string; message: string }
  }
  throw new Error("expected a failure")
}

test("brook's embedding stream: apache-arrow reads the vectors, row numbers and metadata", async () => {
  const npy = path.join(dir, "e.npy")
  const v = randomValues(1000 * 7, 11)
  writeNpy(npy, 1000, 7, v)
  const out = path.join(dir, "e.arrows")
  await run(pipe(readEmbeddings(npy, { batchRows: 300 }), writeArrow(out, "embeddings")), { memory: "64MB" })
  const t = tableFromIPC(fs.readFileSync(out))
  expect(t.numRows).toBe(1000)
  expect(t.batches.length).toBe(4)
  expect(t.schema.fields.map((f) => `${f}`)).toEqual(["embedding: FixedSizeList[7]<Float32>", "row: Uint32"])
  expect(t.schema.metadata.get("brook.dim")).toBe("7")
  expect(t.schema.metadata.get("brook.rows")).toBe("1000")
  expect(t.schema.metadata.get("brook.stream")).toBe("embeddings")
  const flat = new Float32Array(7000)
  for (let r = 0; r < 1000; r++) flat.set(t.get(r)!.embedding.toArray(), r * 7)
  expect(flat).toEqual(v)
  expect(Array.from(t.getChild("row")!.toArray()).every((x, k) => x === k)).toBe(true)
})

test("brook reads its own edge stream back exactly, with the metadata as StreamInfo", async () => {
  const src = Uint32Array.from([0, 1, 5]), dst = Uint32Array.from([1, 2, 9]), weight = Float32Array.from([2, 3.5, 7])
  const similarity = Float32Array.from([0.5, 0.75, 0.875])
  const out = path.join(dir, "edges.arrows")
  const edges: EdgeBatch = { src, dst, weight, similarity, length: 3 }
  // a source that emits one batch, straight into the sink
  await run(
    pipe(
      batchSource([edges], { threshold: 0.25, rows: 10, pairing: "self" }, { name: "one" }),
      writeArrow(out, "edges"),
    ),
  )
  const { batches, info } = await collectFrom<EdgeBatch>(readArrow(fileInput(out), "edges"))
  expect(info.threshold).toBe(0.25)
  expect(info.rows).toBe(10)
  expect(info.pairing).toBe("self")
  expect(batches.length).toBe(1)
  expect([...batches[0].src]).toEqual([0, 1, 5])
  expect([...batches[0].dst]).toEqual([1, 2, 9])
  expect([...batches[0].weight]).toEqual([2, 3.5, 7])
  expect([...batches[0].similarity!]).toEqual([0.5, 0.75, 0.875])
  const t = tableFromIPC(fs.readFileSync(out))
  expect(t.toArray().map((r) => r.toJSON())).toEqual([
    { src: 0, dst: 1, weight: 2, similarity: 0.5 },
    { src: 1, dst: 2, weight: 3.5, similarity: 0.75 },
    { src: 5, dst: 9, weight: 7, similarity: 0.875 },
  ])
})

test("brook reads apache-arrow's fixed_size_list<float32> stream", async () => {
  const dim = 3
  const values = Float32Array.from({ length: 12 }, (_, k) => k + 1)
  const child = makeData({ type: new Float32(), length: 12, data: values })
  const type = new FixedSizeList(dim, new Field("item", new Float32(), false))
  const vectors = makeData({ type, length: 4, nullCount: 0, child })
  const schema = new Schema([new Field("vec", type, false)])
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 4, children: [vectors] }))
  const bytes = tableToIPC(new Table(batch), "stream")
  const { batches, info } = await collectFrom<EmbeddingRows>(readArrow(bytesInput("theirs", bytes), "embeddings"))
  expect(info.dim).toBe(3)
  expect(batches.length).toBe(1)
  expect(batches[0].count).toBe(4)
  expect([...batches[0].values]).toEqual([...values])
})

test("brook reads apache-arrow's list<float64> vectors and int64 edges in several batches", async () => {
  const rows = [[1, 2], [3, 4], [5, 6]]
  const lists = vectorFromArray(rows, new List(new Field("item", new Float64(), true)))
  const t = new Table({ v: lists })
  const got = await collectFrom<EmbeddingRows>(readArrow(bytesInput("lists", tableToIPC(t, "stream")), "embeddings"))
  expect(got.batches[0].dim).toBe(2)
  expect([...got.batches[0].values]).toEqual([1, 2, 3, 4, 5, 6])

  const e1 = tableFromArrays({
    src: BigInt64Array.from([0n, 1n]),
    dst: BigInt64Array.from([2n, 3n]),
    weight: Float64Array.from([0.5, 0.25]),
  })
  const e2 = tableFromArrays({
    src: BigInt64Array.from([4n]),
    dst: BigInt64Array.from([5n]),
    weight: Float64Array.from([2]),
  })
  const bytes = tableToIPC(new Table([...e1.batches, ...e2.batches]), "stream")
  const edges = await collectFrom<EdgeBatch>(readArrow(bytesInput("edges", bytes), "edges"))
  expect(edges.batches.map((b) => [...b.src])).toEqual([[0, 1], [4]])
  expect(edges.batches.map((b) => [...b.weight])).toEqual([[0.5, 0.25], [2]])
  expect(new Int64().bitWidth).toBe(64)
})

test("bad streams: named errors with the byte offset or row", async () => {
  // nulls in a row-number column
  const withNull = new Table({
    src: vectorFromArray([0, null, 2], new Int32()),
    dst: vectorFromArray([1, 1, 1], new Int32()),
    weight: vectorFromArray([1, 1, 1], new Float32()),
  })
  const e1 = await failure(collectFrom(readArrow(bytesInput("nulls", tableToIPC(withNull, "stream")), "edges")))
  expect(e1._tag).toBe("InvalidInput")
  expect(e1.message).toContain("nulls (row 1)")

  // a stream cut short (the stage before failed): no end-of-stream marker
  const good = tableToIPC(
    tableFromArrays({ src: Uint32Array.from([1]), dst: Uint32Array.from([2]), weight: Float32Array.from([1]) }),
    "stream",
  )
  const e2 = await failure(collectFrom(readArrow(bytesInput("cut", good.subarray(0, good.length - 8)), "edges")))
  expect(e2._tag).toBe("InvalidInput")
  expect(e2.message).toContain("without its end-of-stream marker")
  const e3 = await failure(collectFrom(readArrow(bytesInput("cut2", good.subarray(0, good.length - 20)), "edges")))
  expect(e3.message).toContain("cut2 (byte offset")

  // not Arrow at all, and the wrong kind of stream
  const e4 = await failure(
    collectFrom(readArrow(bytesInput("text", new TextEncoder().encode("i\tj\n0\t1\n")), "edges")),
  )
  expect(e4._tag).toBe("InvalidInput")
  expect(e4.message).toContain("text (byte offset 0)")
  const e5 = await failure(collectFrom(readArrow(bytesInput("kind", good), "embeddings")))
  expect(e5.message).toContain("no list<float> column")
  expect(e5.message).toContain("src: uint32")

  // ragged list rows
  const ragged = new Table({ v: vectorFromArray([[1, 2], [3]], new List(new Field("item", new Float32(), true))) })
  const e6 = await failure(collectFrom(readArrow(bytesInput("ragged", tableToIPC(ragged, "stream")), "embeddings")))
  expect(e6.message).toContain("ragged (row 1): row has 1 values, expected 2")
  expect(new Uint32().bitWidth).toBe(32)
})

// deno-lint-ignore no-explicit-any
const bunZstd = (globalThis as any).Bun?.zstdCompressSync as ((b: Uint8Array) => Uint8Array) | undefined

test.skipIf(!bunZstd)(
  "brook reads apache-arrow's ZSTD-compressed bodies (needs Bun's zstd to write them)",
  async () => {
    const { compressionRegistry, CompressionType, RecordBatchStreamWriter } = await import("apache-arrow")
    compressionRegistry.set(CompressionType.ZSTD, { encode: (b: Uint8Array) => bunZstd!(b) })
    const n = 5000
    const t = tableFromArrays({
      src: Uint32Array.from({ length: n }, (_, k) => k),
      dst: Uint32Array.from({ length: n }, (_, k) => k % 7),
      weight: Float32Array.from({ length: n }, (_, k) => k / 8),
    })
    const w = new RecordBatchStreamWriter({ compressionType: CompressionType.ZSTD })
    w.writeAll(t)
    const bytes = w.toUint8Array(true)
    expect(bytes.length).toBeLessThan(n * 12) // compressed
    const got = await collectFrom<EdgeBatch>(readArrow(bytesInput("zstd", bytes), "edges"))
    const dst = got.batches.flatMap((b) => [...b.dst])
    const weight = got.batches.flatMap((b) => [...b.weight])
    expect(dst).toEqual(Array.from({ length: n }, (_, k) => k % 7))
    expect(weight).toEqual(Array.from({ length: n }, (_, k) => Math.fround(k / 8)))
  },
)

test("a record batch larger than the stage's budget is refused: at planning (first batch) or on arrival", async () => {
  const edges = (n: number) =>
    tableFromArrays({
      src: new Uint32Array(n),
      dst: new Uint32Array(n),
      weight: new Float32Array(n),
    })
  const big = tableToIPC(edges(1_000_000), "stream") // a 12 MB body
  const tight = await failure(
    run(pipe(readArrow(bytesInput("big", big), "edges"), collect({ batches: [] })), { memory: "16MB" }),
  )
  expect(tight._tag).toBe("BudgetExceeded")
  expect(tight.message).toContain("readArrow needs 22.9 MiB")
  // small first batch, then one beyond what the plan holds
  const grown = tableToIPC(new Table([...edges(1000).batches, ...edges(3_000_000).batches]), "stream")
  const late = await failure(
    run(pipe(readArrow(bytesInput("grown", grown), "edges"), collect({ batches: [] })), { memory: "40MB" }),
  )
  expect(late._tag).toBe("BudgetExceeded")
  expect(late.message).toContain("the record batch at byte")
})

test("a stream's ids are planned from its metadata (brook.rows, brook.id_bytes) and come back", async () => {
  const fixture = path.join(
    path.dirname(new URL(import.meta.url).pathname),
    "..",
    "..",
    "fixtures",
    "parquet",
    "list_float_snappy.parquet",
  )
  const out = path.join(dir, "ids.arrows")
  await run(pipe(readEmbeddings(fixture), writeArrow(out, "embeddings")))
  const got = { batches: [] as EmbeddingRows[] }
  const report = await run(pipe(readArrow(fileInput(out), "embeddings"), collect(got)))
  const info = report.info
  expect(info.ids?.kind).toBe("string")
  expect(info.ids!.textBytes).toBeGreaterThan(0) // brook.id_bytes made it through
  const planned = IdsByRow.plannedBytes("string", { rows: 37, bytes: info.ids!.textBytes! })
  expect(report.stages[0].plan.bytes).toBeGreaterThanOrEqual(planned)
  const direct = { batches: [] as EmbeddingRows[] }
  const directReport = await run(pipe(readEmbeddings(fixture), collect(direct)))
  expect(Array.from({ length: 37 }, (_, r) => info.ids!.get(r))).toEqual(
    Array.from({ length: 37 }, (_, r) => directReport.info.ids!.get(r)),
  )
})
