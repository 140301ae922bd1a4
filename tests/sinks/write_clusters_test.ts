/** writeClusters: one row per node (id, cluster, top, path, level, size) as TSV, CSV or Parquet, renamed on success. */
import { expect, test } from "bun:test"
import { parquetMetadata, parquetReadObjects } from "hyparquet"
import * as fs from "node:fs"
import * as path from "node:path"
import type { ClusterBatch, ClusterTable, IdTable, StreamInfo } from "../../core/batches.ts"
import type { Source } from "../../core/operator.ts"
import { pipe, run } from "../../mod.ts"
import { CLUSTER_COLUMNS, CLUSTER_ROW_GROUP, writeClusters } from "../../sinks/write_clusters.ts"
import { batchSource, lines, tempDir } from "../helpers.ts"

const dir = tempDir()

// three leaves: 0 = "0.0" (3 nodes), 1 = "0.1" (1 node), 2 = "1" (2 nodes)
const table: ClusterTable = {
  paths: ["0.0", "0.1", "1"],
  level: new Int32Array([1, 1, 0]),
  size: new Uint32Array([3, 1, 2]),
}
const batchOf = (node: number[], cluster: number[], clusters = table): ClusterBatch => ({
  node: Uint32Array.from(node),
  cluster: Uint32Array.from(cluster),
  length: node.length,
  clusters,
})
const batches = [batchOf([0, 1, 2], [0, 2, 0]), batchOf([3, 4, 5], [1, 0, 2]), batchOf([], [])]

const idTable = (kind: "string" | "integer", ids: string[]): IdTable => ({
  kind,
  get: (row) => ids[row],
  length: ids.length,
})

const clusters = (list: ClusterBatch[], info: StreamInfo = {}, fail = false): Source<ClusterBatch> =>
  batchSource(list, info, { name: "clusters", fail: fail ? new Error("upstream failed") : undefined })

const toAsyncBuffer = (file: string) => {
  const bytes = fs.readFileSync(file)
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  return { byteLength: buffer.byteLength, slice: (s: number, e?: number) => buffer.slice(s, e) }
}

test("TSV: node numbers as ids, the cluster's number, its top-level cluster, path, level and size", async () => {
  const out = path.join(dir, "c.tsv")
  await run(pipe(clusters(batches), writeClusters(out)))
  expect(lines(out)).toEqual([
    "0\t0\t0\t0.0\t1\t3",
    "1\t2\t1\t1\t0\t2",
    "2\t0\t0\t0.0\t1\t3",
    "3\t1\t0\t0.1\t1\t1",
    "4\t0\t0\t0.0\t1\t3",
    "5\t2\t1\t1\t0\t2",
  ])
  expect(fs.readdirSync(dir).filter((f) => f.includes(".brook-"))).toEqual([])
})

test("the input's ids replace node numbers; a table's own numbers replace entry indexes", async () => {
  const out = path.join(dir, "ids.tsv")
  const numbered: ClusterTable = { ...table, number: new Uint32Array([10, 11, 12]) }
  const ids = idTable("string", ["a", "b", "c", "d"])
  await run(pipe(clusters([batchOf([3, 0], [2, 1], numbered)], { ids }), writeClusters(out)))
  expect(lines(out)).toEqual(["d\t12\t1\t1\t0\t2", "a\t11\t0\t0.1\t1\t1"])
})

test("CSV: a header of the columns, ids quoted where they need it", async () => {
  const out = path.join(dir, "c.csv")
  const ids = idTable("string", ["plain", 'say "hi"', "a,b"])
  await run(pipe(clusters([batchOf([0, 1, 2], [0, 1, 2])], { ids }), writeClusters(out)))
  expect(CLUSTER_COLUMNS).toEqual(["id", "cluster", "top", "path", "level", "size"])
  expect(lines(out)).toEqual([
    "id,cluster,top,path,level,size",
    "plain,0,0,0.0,1,3",
    '"say ""hi""",1,0,0.1,1,1',
    '"a,b",2,1,1,0,2',
  ])
})

test("the format follows the name unless given: .csv, .parquet, anything else TSV", async () => {
  const forced = path.join(dir, "forced.csv")
  await run(pipe(clusters([batchOf([0], [0])]), writeClusters(forced, { format: "tsv" })))
  expect(lines(forced)).toEqual(["0\t0\t0\t0.0\t1\t3"])
  const upper = path.join(dir, "UP.CSV")
  await run(pipe(clusters([batchOf([0], [0])]), writeClusters(upper)))
  expect(lines(upper)[0]).toBe("id,cluster,top,path,level,size")
})

test("Parquet: every column REQUIRED, row numbers as INT64 ids, and the run's metadata in the footer", async () => {
  const out = path.join(dir, "c.parquet")
  await run(pipe(clusters(batches), writeClusters(out, { metadata: [{ key: "brook.threshold", value: "0.8" }] })))
  const file = toAsyncBuffer(out)
  const rows = await parquetReadObjects({ file })
  expect(rows.map((r) => [r.id, r.cluster, r.top, r.path, r.level, r.size])).toEqual([
    [0n, 0n, 0n, "0.0", 1, 3n],
    [1n, 2n, 1n, "1", 0, 2n],
    [2n, 0n, 0n, "0.0", 1, 3n],
    [3n, 1n, 0n, "0.1", 1, 1n],
    [4n, 0n, 0n, "0.0", 1, 3n],
    [5n, 2n, 1n, "1", 0, 2n],
  ])
  const meta = parquetMetadata(file.slice(0))
  const columns = meta.schema.slice(1)
  expect(columns.map((c) => c.name)).toEqual([...CLUSTER_COLUMNS])
  expect(columns.every((c) => c.repetition_type === "REQUIRED")).toBe(true)
  const kv = new Map((meta.key_value_metadata ?? []).map((m) => [m.key, m.value]))
  expect(kv.get("brook.threshold")).toBe("0.8")
  expect(kv.has("brook.version")).toBe(true)
})

test("Parquet: string and integer ids, and more nodes than one row group", async () => {
  const out = path.join(dir, "s.parquet")
  await run(pipe(clusters([batchOf([1, 0], [0, 2])], { ids: idTable("string", ["x", "y"]) }), writeClusters(out)))
  expect((await parquetReadObjects({ file: toAsyncBuffer(out) })).map((r) => r.id)).toEqual(["y", "x"])
  const ints = path.join(dir, "i.parquet")
  await run(
    pipe(
      clusters([batchOf([0, 1], [1, 1])], { ids: idTable("integer", ["-5", "9007199254740993"]) }),
      writeClusters(ints),
    ),
  )
  expect((await parquetReadObjects({ file: toAsyncBuffer(ints) })).map((r) => r.id)).toEqual([-5n, 9007199254740993n])
  const big = path.join(dir, "big.parquet")
  const n = CLUSTER_ROW_GROUP + 10
  const node = Array.from({ length: n }, (_, k) => k), cluster = node.map((k) => k % 3)
  await run(
    pipe(
      clusters([
        batchOf(node.slice(0, 40_000), cluster.slice(0, 40_000)),
        batchOf(node.slice(40_000), cluster.slice(40_000)),
      ]),
      writeClusters(big),
    ),
  )
  const file = toAsyncBuffer(big)
  expect(parquetMetadata(file.slice(0)).row_groups.map((g) => Number(g.num_rows))).toEqual([CLUSTER_ROW_GROUP, 10])
  const rows = await parquetReadObjects({ file, columns: ["id", "path"] })
  expect(rows.length).toBe(n)
  expect(rows[n - 1]).toEqual({ id: BigInt(n - 1), path: table.paths[(n - 1) % 3] })
})

test("a failed run leaves no output file, in any format", async () => {
  for (const name of ["fail.tsv", "fail.csv", "fail.parquet"]) {
    const out = path.join(dir, name)
    const e = await run(pipe(clusters(batches, {}, true), writeClusters(out))).then(() => undefined, (e) => e)
    expect(e).toBeDefined()
    expect(fs.existsSync(out)).toBe(false)
  }
  expect(fs.readdirSync(dir).filter((f) => f.includes(".brook-"))).toEqual([])
})

test("no clusters: an empty TSV, a CSV of its header alone, a Parquet file of no rows", async () => {
  const [tsv, csv, parquet] = ["none.tsv", "none.csv", "none.parquet"].map((f) => path.join(dir, f))
  for (const out of [tsv, csv, parquet]) await run(pipe(clusters([]), writeClusters(out)))
  expect(fs.readFileSync(tsv, "utf8")).toBe("")
  expect(fs.readFileSync(csv, "utf8")).toBe("id,cluster,top,path,level,size\n")
  const file = toAsyncBuffer(parquet)
  expect(Number(parquetMetadata(file.slice(0)).num_rows)).toBe(0)
  expect(parquetMetadata(file.slice(0)).schema.slice(1).map((c) => c.name)).toEqual([...CLUSTER_COLUMNS])
  expect(await parquetReadObjects({ file })).toEqual([])
})
