/** Edge sinks: DuckDB (a second Parquet implementation) reads brook's Parquet with the TSV's values. */
import { expect, test } from "bun:test"
import { DuckDBInstance } from "@duckdb/node-api"
import * as fs from "node:fs"
import * as path from "node:path"
import { pipe, readEmbeddings, run, thresholdEdges, tiledCosine, writeEdges } from "../../mod.ts"
import { PARQUET_ENCODER_BYTES } from "../../formats/parquet/file_writer.ts"
import { lines, randomValues, tempDir, writeNpy } from "../helpers.ts"

const dir = tempDir()
const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "fixtures", "parquet")

async function both(input: string, t: number) {
  const tsv = path.join(dir, path.basename(input) + ".tsv")
  const pq = path.join(dir, path.basename(input) + ".parquet")
  for (const out of [tsv, pq]) {
    await run(pipe(readEmbeddings(input), tiledCosine({ threshold: t }), thresholdEdges(), writeEdges(out)))
  }
  const db = await DuckDBInstance.create(":memory:")
  const c = await db.connect()
  const rows = (await c.runAndReadAll(
    `select src::varchar as src, dst::varchar as dst, weight, typeof(src) as t from read_parquet('${pq}')`,
  )).getRowObjects() as Array<{ src: string; dst: string; weight: number; t: string }>
  return { tsv: lines(tsv).map((l) => l.split("\t")), rows }
}

test("DuckDB reads row-number edges as BIGINT with the TSV's pairs and weights", async () => {
  const file = path.join(dir, "duck.npy")
  writeNpy(file, 400, 16, randomValues(400 * 16, 3))
  const { tsv, rows } = await both(file, 0.5)
  expect(rows.length).toBe(tsv.length)
  expect(rows.length).toBeGreaterThan(100)
  expect(rows[0].t).toBe("BIGINT")
  rows.forEach((r, k) => {
    expect(r.src).toBe(tsv[k][0])
    expect(r.dst).toBe(tsv[k][1])
    expect(Math.fround(r.weight)).toBe(Math.fround(Number(tsv[k][2])))
  })
})

test("no edges still make a complete Parquet file: DuckDB reads its columns and zero rows", async () => {
  const file = path.join(dir, "none.npy")
  writeNpy(file, 50, 8, randomValues(50 * 8, 5))
  const { tsv, rows } = await both(file, 0.9999)
  expect(tsv).toEqual([])
  expect(rows).toEqual([])
  const db = await DuckDBInstance.create(":memory:")
  const c = await db.connect()
  const columns = (await c.runAndReadAll(
    `select column_name, column_type from (describe select * from read_parquet('${
      path.join(dir, "none.npy.parquet")
    }'))`,
  )).getRowObjects()
  expect(columns.map((r) => `${r.column_name} ${r.column_type}`)).toEqual([
    "src BIGINT",
    "dst BIGINT",
    "weight FLOAT",
    "similarity FLOAT",
  ])
})

test("DuckDB reads id edges as VARCHAR when the input has string ids", async () => {
  const { tsv, rows } = await both(path.join(fixtures, "list_float_zstd.parquet"), 0.99)
  expect(rows.length).toBe(tsv.length)
  expect(rows[0].t).toBe("VARCHAR")
  expect(rows.map((r) => `${r.src} ${r.dst}`)).toEqual(tsv.map((l) => `${l[0]} ${l[1]}`))
})

test("no output file and no temp file are left when the run fails", async () => {
  const bad = path.join(dir, "bad.npy")
  writeNpy(bad, 3, 2, [1, 0, NaN, 0, 1, 1])
  const out = path.join(dir, "bad.parquet")
  await expect(run(pipe(readEmbeddings(bad), tiledCosine({ threshold: 0 }), thresholdEdges(), writeEdges(out)))).rejects
    .toThrow()
  expect(fs.existsSync(out)).toBe(false)
  expect(fs.readdirSync(dir).filter((f) => f.includes(".brook-"))).toEqual([])
})

test("ids label the right rows when zero vectors are skipped", async () => {
  const file = path.join(dir, "skip-ids.parquet")
  const db = await DuckDBInstance.create(":memory:")
  const c = await db.connect()
  await c.run(
    `copy (select * from (values ('a', [0.0, 0.0]::float[]), ('b', [1.0, 0.0]::float[]), ('c', [0.0, 1.0]::float[]),
      ('d', [1.0, 0.01]::float[])) t(id, vec)) to '${file}' (format parquet)`,
  )
  const out = path.join(dir, "skip-ids.tsv")
  await run(
    pipe(
      readEmbeddings(file, { zeroVectors: "skip" }),
      tiledCosine({ threshold: 0.5 }),
      thresholdEdges(),
      writeEdges(out),
    ),
  )
  expect(lines(out).map((l) => l.split("\t").slice(0, 2).join(" "))).toEqual(["b d"])
})

test("Parquet edges need the encoder's bytes in the plan: a budget without them is refused before any file is made", async () => {
  const file = path.join(dir, "budget.npy")
  writeNpy(file, 300, 16, randomValues(300 * 16, 9))
  const out = path.join(dir, "budget.parquet")
  const sink = writeEdges(out)
  expect(sink.minimum({})).toBeGreaterThan(PARQUET_ENCODER_BYTES)
  const err = await run(pipe(readEmbeddings(file), tiledCosine({ threshold: 0.5 }), thresholdEdges(), sink), {
    memory: "16MB",
  }).catch((e) => e)
  expect(err._tag).toBe("BudgetExceeded")
  expect(err.operator).toBe("writeEdges")
  expect(fs.readdirSync(dir).filter((f) => f.startsWith("budget.parquet"))).toEqual([])
  await run(pipe(readEmbeddings(file), tiledCosine({ threshold: 0.5 }), thresholdEdges(), writeEdges(out)), {
    memory: "64MB",
  })
  expect(fs.existsSync(out)).toBe(true)
})
