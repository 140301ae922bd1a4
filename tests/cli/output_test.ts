/**
 * cli/output.ts: one output convention for every command (-o/--out, the format by extension or --format, anything
 * else exit 2 naming the choices), as users run it on Bun and Deno; the Parquet files say how they were made.
 */
import { expect, test } from "bun:test"
import { DuckDBInstance } from "@duckdb/node-api"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { outputOption } from "../../cli/output.ts"
import { VERSION } from "../../core/version.ts"
import { randomValues, tempDir, writeNpy } from "../helpers.ts"

const root = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..")
const dir = tempDir()
const three = path.join(dir, "three.npy")
writeNpy(three, 3, 2, [1, 0, 1, 0, 0, 1])
const emb = path.join(dir, "emb.npy")
writeNpy(emb, 200, 8, randomValues(200 * 8, 7))

const brook = (runtime: string, ...args: string[]) =>
  spawnSync(path.join(root, "bin", "brook"), args, {
    encoding: "utf8",
    cwd: dir,
    timeout: 60_000,
    env: { ...process.env, BROOK_RUNTIME: runtime },
  })

test("outputOption: the format from the name or --format; the old positional form; one-line usage errors", () => {
  expect(outputOption({ out: "e.TSV" })).toEqual({ file: "e.TSV", format: "tsv" })
  expect(outputOption({ out: "e.csv" })).toEqual({ file: "e.csv", format: "csv" })
  expect(outputOption({ out: "e.parquet" })).toEqual({ file: "e.parquet", format: "parquet" })
  expect(outputOption({ out: "e.arrows" })).toEqual({ file: "e.arrows", format: "arrows" })
  expect(outputOption({ out: "-" })).toEqual({ file: "-", format: "tsv" })
  expect(outputOption({ out: "-", format: "csv" })).toEqual({ file: "-", format: "csv" })
  expect(outputOption({ out: "edges", format: "parquet" })).toEqual({ file: "edges", format: "parquet" })
  expect(outputOption({}, undefined, "old.tsv")).toEqual({ file: "old.tsv", format: "tsv" })
  const choices = "name it .tsv, .csv, .parquet, .arrows, or give --format tsv|csv|parquet|arrows"
  for (const bad of ["x.json", "x.pq", "x", "x.parquet.gz"]) {
    expect(() => outputOption({ out: bad })).toThrow(`cannot tell the format of '${bad}': ${choices}`)
  }
  expect(() => outputOption({})).toThrow("-o/--out is required: a file ending in .tsv, .csv, .parquet, .arrows, or -")
  expect(() => outputOption({ out: "x.tsv", format: "json" })).toThrow("--format: 'json' is not one of")
  expect(() => outputOption({ out: "-", format: "parquet" })).toThrow("Parquet cannot go to stdout")
  expect(() => outputOption({ out: "a.tsv" }, undefined, "b.tsv")).toThrow("two outputs")
  expect(() => outputOption({ out: "a.arrows" }, ["tsv", "parquet"])).toThrow("this command writes .tsv, .parquet")
})

for (const runtime of ["bun", "deno"]) {
  test(`${runtime}: edges and cluster write TSV, CSV with a header, Parquet and Arrow by extension`, async () => {
    expect(brook(runtime, "edges", three, "-t", "0.5", "-o", "e.tsv", "-q").status).toBe(0)
    expect(fs.readFileSync(path.join(dir, "e.tsv"), "utf8")).toBe("0\t1\t1000000\t1\n")
    expect(brook(runtime, "edges", three, "-t", "0.5", "-o", "e.csv", "-q").status).toBe(0)
    expect(fs.readFileSync(path.join(dir, "e.csv"), "utf8")).toBe("src,dst,weight,similarity\n0,1,1000000,1\n")
    const csv = brook(runtime, "edges", three, "-t", "0.5", "-o", "-", "--format", "csv", "-q")
    expect(csv.stdout).toBe("src,dst,weight,similarity\n0,1,1000000,1\n")
    expect(brook(runtime, "cluster", three, "-t", "0.5", "-o", "c.csv", "-q").status).toBe(0)
    expect(fs.readFileSync(path.join(dir, "c.csv"), "utf8")).toBe(
      "id,cluster,top,path,level,size\n0,0,0,0,0,2\n1,0,0,0,0,2\n2,1,1,1,0,1\n",
    )
    expect(brook(runtime, "cluster", three, "-t", "0.5", "-o", "c.tsv", "-q").status).toBe(0)
    expect(fs.readFileSync(path.join(dir, "c.tsv"), "utf8")).toBe("0\t0\t0\t0\t0\t2\n1\t0\t0\t0\t0\t2\n2\t1\t1\t1\t0\t1\n")
    // an Arrow stream file closes a pipe as a stage's stdin would
    expect(brook(runtime, "edges", emb, "-t", "0.3", "-o", "e.arrows", "-q").status).toBe(0)
    expect(brook(runtime, "edges", emb, "-t", "0.3", "-o", "e200.tsv", "-q").status).toBe(0)
    const back = spawnSync("sh", ["-c", `${path.join(root, "bin", "brook")} write-tsv -o back.tsv < e.arrows`], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, BROOK_RUNTIME: runtime },
    })
    expect(back.stderr).toBe("")
    expect(fs.readFileSync(path.join(dir, "back.tsv"), "utf8")).toBe(fs.readFileSync(path.join(dir, "e200.tsv"), "utf8"))
  }, 120_000)

  test(`${runtime}: a name brook does not write is exit 2 naming the choices, and no file appears`, () => {
    for (const name of ["x.json", "x.pq", `x-${runtime}`]) {
      const r = brook(runtime, "edges", three, "-t", "0.5", "-o", name)
      expect(r.status).toBe(2)
      expect(r.stderr).toBe(
        `brook edges: cannot tell the format of '${name}': name it .tsv, .csv, .parquet, .arrows, ` +
          `or give --format tsv|csv|parquet|arrows\n`,
      )
      expect(fs.existsSync(path.join(dir, name))).toBe(false)
    }
    const given = brook(runtime, "edges", three, "-t", "0.5", "-o", `x-${runtime}`, "--format", "tsv", "-q")
    expect(given.status).toBe(0)
    expect(fs.readFileSync(path.join(dir, `x-${runtime}`), "utf8")).toBe("0\t1\t1000000\t1\n")
    const stage = brook(runtime, "write-tsv", "-o", "y.parquet")
    expect(stage.status).toBe(2)
    expect(stage.stderr).toBe("brook write-tsv: 'y.parquet' names a .parquet file; write-tsv writes tsv\n")
    // write-tsv and write-parquet name their format: the old positional file may have any other name
    expect(brook(runtime, "edges", three, "-t", "0.5", "-o", `s-${runtime}.arrows`, "-q").status).toBe(0)
    const legacy = spawnSync("sh", ["-c", `${path.join(root, "bin", "brook")} write-parquet legacy-${runtime}.pq < s-${runtime}.arrows`], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, BROOK_RUNTIME: runtime },
    })
    expect([legacy.status, legacy.stderr]).toEqual([0, ""])
    expect(fs.readFileSync(path.join(dir, `legacy-${runtime}.pq`)).subarray(0, 4).toString()).toBe("PAR1")
  }, 60_000)
}

test("DuckDB reads the columns, types, NOT NULL and key/value metadata of the Parquet files the commands write", async () => {
  const run = (...args: string[]) => expect(brook("bun", ...args).status).toBe(0)
  run("edges", emb, "-t", "0.3", "-o", "e.parquet", "-q")
  run("cluster", emb, "-t", "0.3", "--max-size", "40", "--seed", "2", "-o", "c.parquet", "-q")
  run("leiden", "e.parquet", "--seed", "2", "-o", "l.parquet", "-q")
  const pipe = spawnSync("sh", [
    "-c",
    `B=${path.join(root, "bin", "brook")}; $B read-embeddings emb.npy | $B tiled-cosine -t 0.3 | $B threshold-edges | ` +
    `$B write-parquet -o p.parquet`,
  ], { cwd: dir, encoding: "utf8" })
  expect(pipe.status).toBe(0)
  const c = await (await DuckDBInstance.create(":memory:")).connect()
  const rows = async (sql: string) => (await c.runAndReadAll(sql)).getRowObjects()
  const columns = async (file: string) => {
    const repetition = new Map(
      (await rows(`select name, repetition_type from parquet_schema('${file}')`)).map((r) => [r.name, r.repetition_type]),
    )
    return (await rows(`describe select * from read_parquet('${file}')`)).map((r) =>
      `${r.column_name} ${r.column_type} ${repetition.get(r.column_name)}`
    )
  }
  const kv = async (file: string) =>
    Object.fromEntries(
      (await rows(`select decode(key) as k, decode(value) as v from parquet_kv_metadata('${file}')`)).map((r) => [
        r.k,
        r.v,
      ]),
    )
  const edgeColumns = ["src BIGINT REQUIRED", "dst BIGINT REQUIRED", "weight FLOAT REQUIRED", "similarity FLOAT REQUIRED"]
  const clusterColumns = [
    "id BIGINT REQUIRED",
    "cluster BIGINT REQUIRED",
    "top BIGINT REQUIRED",
    "path VARCHAR REQUIRED",
    "level INTEGER REQUIRED",
    "size BIGINT REQUIRED",
  ]
  const e = path.join(dir, "e.parquet"), p = path.join(dir, "p.parquet")
  const cl = path.join(dir, "c.parquet"), l = path.join(dir, "l.parquet")
  expect(await columns(e)).toEqual(edgeColumns)
  expect(await columns(p)).toEqual(edgeColumns)
  expect(await columns(cl)).toEqual(clusterColumns)
  expect(await columns(l)).toEqual(clusterColumns)
  expect(await kv(e)).toEqual({
    "brook.version": VERSION,
    "brook.command": `brook edges ${emb} -t 0.3 -o e.parquet -q`,
    "brook.input": emb,
    "brook.threshold": "0.3",
    "brook.weight": "1/(1 - min(s,1) + 0.000001)",
  })
  expect(await kv(p)).toEqual({
    "brook.version": VERSION,
    "brook.command": "brook write-parquet -o p.parquet",
    "brook.input": "emb.npy",
    "brook.threshold": "0.3",
  })
  expect(await kv(cl)).toEqual({
    "brook.version": VERSION,
    "brook.command": `brook cluster ${emb} -t 0.3 --max-size 40 --seed 2 -o c.parquet -q`,
    "brook.input": emb,
    "brook.threshold": "0.3",
    "brook.weight": "1/(1 - min(s,1) + 0.000001)",
    "brook.objective": "modularity",
    "brook.resolution": "1",
    "brook.max_size": "40",
    "brook.seed": "2",
  })
  expect((await kv(l))["brook.command"]).toBe("brook leiden e.parquet --seed 2 -o l.parquet -q")
  // the pipe's edges and brook edges' are the same rows; similarity is the cosine the weight came from
  const same = await rows(
    `select count(*)::integer as n from (select * from '${e}' except select * from '${p}')`,
  )
  expect(same).toEqual([{ n: 0 }])
  const check = await rows(
    `select count(*)::integer as n, max(abs(weight - 1 / (1 - least(similarity, 1) + 1e-6)) / weight) < 1e-5 as ok,
       min(similarity) > 0.3 as above from '${e}'`,
  )
  expect(check[0].ok).toBe(true)
  expect(check[0].above).toBe(true)
  // one cluster number per leaf path; top is the path's first number
  const leaves = await rows(
    `select count(distinct cluster)::integer as clusters, count(distinct path)::integer as paths,
       bool_and(top = split_part(path, '.', 1)::bigint) as tops,
       bool_and(level = len(path) - len(replace(path, '.', ''))) as levels from '${cl}'`,
  )
  expect(leaves[0].clusters).toBe(leaves[0].paths)
  expect(leaves[0].tops).toBe(true)
  expect(leaves[0].levels).toBe(true)
}, 120_000)
