import { expect, test } from "bun:test"
import { DuckDBInstance } from "@duckdb/node-api"
import * as path from "node:path"
import { pipe, readEmbeddings, run, thresholdEdges, tiledCosine, writeEdges } from "../../../mod.ts"
import { VERSION } from "../../../core/version.ts"
import { randomValues, tempDir, writeNpy } from "../../helpers.ts"

test("every Parquet file says which brook wrote it: created_by and the key/value brook.version, as DuckDB reads them", async () => {
  const dir = tempDir()
  const input = path.join(dir, "v.npy")
  writeNpy(input, 50, 8, randomValues(50 * 8, 5))
  const out = path.join(dir, "v.parquet")
  await run(pipe(readEmbeddings(input), tiledCosine({ threshold: 0.5 }), thresholdEdges(), writeEdges(out)))
  const c = await (await DuckDBInstance.create(":memory:")).connect()
  const kv = (await c.runAndReadAll(
    `select decode(key) as key, decode(value) as value from parquet_kv_metadata('${out}')`,
  )).getRowObjects()
  expect(kv.filter((r) => r.key === "brook.version")).toEqual([{ key: "brook.version", value: VERSION }])
  const createdBy = (await c.runAndReadAll(`select created_by from parquet_file_metadata('${out}')`)).getRowObjects()
  expect(createdBy).toEqual([{ created_by: `brook version ${VERSION}` }])
})
