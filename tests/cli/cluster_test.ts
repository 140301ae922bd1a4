/**
 * cli/cluster.ts: `brook cluster` takes the reading stage's and the weight's options as `brook edges` does: on a
 * DuckDB file with two vector columns and a doc_id, the user's column and ids, not the first list column and
 * row numbers; the Parquet file records the clustering's parameters.
 */
import { expect, test } from "bun:test"
import { DuckDBInstance } from "@duckdb/node-api"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { tempDir } from "../helpers.ts"

const root = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..")
const dir = tempDir()
const file = path.join(dir, "docs.parquet")

test("cluster and edges read --column and --id-column alike; --eps and --weight reach the weights", async () => {
  const c = await (await DuckDBInstance.create(":memory:")).connect()
  // `other` is the first list column and would pair every row; `vec` pairs d1-d2 and d3-d4 only
  await c.run(
    `copy (select * from (values
      ('d1', [1.0, 1.0]::float[], [1.0, 0.0]::float[]),
      ('d2', [1.0, 1.0]::float[], [0.99, 0.01]::float[]),
      ('d3', [1.0, 1.0]::float[], [0.0, 1.0]::float[]),
      ('d4', [1.0, 1.0]::float[], [0.01, 0.99]::float[])) t(doc_id, other, vec)) to '${file}' (format parquet)`,
  )
  for (const runtime of ["bun", "deno"]) {
    const brook = (...args: string[]) =>
      spawnSync(path.join(root, "bin", "brook"), args, {
        encoding: "utf8",
        cwd: dir,
        timeout: 60_000,
        env: { ...process.env, BROOK_RUNTIME: runtime },
      })
    const read = ["--column", "vec", "--id-column", "doc_id"]
    const clusters = brook("cluster", file, "-t", "0.9", ...read, "-o", "-", "--format", "csv", "-q")
    expect([clusters.status, clusters.stderr]).toEqual([0, ""])
    expect(clusters.stdout).toBe("id,cluster,top,path,level,size\nd1,0,0,0,0,2\nd2,0,0,0,0,2\nd3,1,1,1,0,2\nd4,1,1,1,0,2\n")
    const edges = brook("edges", file, "-t", "0.9", ...read, "--weight", "2 * s", "-o", "-", "-q")
    expect(edges.stdout.split("\n").filter(Boolean).map((l) => l.split("\t").slice(0, 2).join(" "))).toEqual([
      "d1 d2",
      "d3 d4",
    ])
    const out = path.join(dir, `eps-${runtime}.parquet`)
    expect(brook("cluster", file, "-t", "0.9", ...read, "--eps", "0.5", "--seed", "7", "-o", out, "-q").status).toBe(0)
    const kv = Object.fromEntries(
      (await c.runAndReadAll(`select decode(key) as k, decode(value) as v from parquet_kv_metadata('${out}')`))
        .getRowObjects().map((r) => [r.k, r.v]),
    )
    expect([kv["brook.weight"], kv["brook.seed"], kv["brook.input"]]).toEqual(["1/(1 - min(s,1) + 0.5)", "7", file])
    const bad = brook("cluster", file, "-t", "0.9", "--column", "nope", "-o", "-")
    expect(bad.status).toBe(1)
    expect(bad.stderr.trim().split("\n").length).toBe(1)
    expect(bad.stderr).toContain("nope")
    expect(fs.existsSync(path.join(dir, "-"))).toBe(false)
  }
}, 120_000)
