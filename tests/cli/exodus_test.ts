/** `brook exodus`: JSON on stdout, exit codes 0/1/2, one-line errors. */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { SLOW_TEST, spawnSyncGroup, tempDir } from "../helpers.ts"
import { sharedFiles } from "../ncdump.ts"

const dir = tempDir()
const eightBlock = sharedFiles.find((f) => f.endsWith("8-block.g"))
const root = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..")

test.skipIf(!eightBlock)(
  "brook exodus: stats lines on stdout, exit 2 for usage errors, 1 for bad files, one-line errors",
  () => {
    const brook = (...args: string[]) =>
      spawnSyncGroup(path.join(root, "bin", "brook"), ["exodus", ...args])
    const ok = brook("stats", eightBlock!, "--vars", "eqps", "--steps", "3:", "--quiet")
    expect(ok.status).toBe(0)
    expect(ok.stdout.trim().split("\n").map((l) => JSON.parse(l).var)).toEqual([
      "coordinates",
      ...Array(8).fill("eqps"),
    ])
    expect(JSON.parse(ok.stdout.split("\n")[1]).count).toBe(9 * 8)
    const info = JSON.parse(brook("info", eightBlock!).stdout)
    expect([info.format, info.steps, info.blocks.length, info.variables.nodal.length]).toEqual([
      "CDF-2 (64-bit offset)",
      11,
      8,
      12,
    ])
    // every step's time, not the first and the last
    expect(info.times.length).toBe(info.steps)
    expect(info.times).toEqual([...info.times].sort((a: number, b: number) => a - b))
    const usage = brook("stats", eightBlock!, "--vars", "nope")
    expect([usage.status, usage.stderr.trim().split("\n").length]).toEqual([2, 1])
    // --chunk reads sizes by the rule of --memory: a unit, powers of 1024
    const whole = brook("stats", eightBlock!, "--vars", "eqps", "-q").stdout
    expect(brook("stats", eightBlock!, "--vars", "eqps", "--chunk", "1K", "-q").stdout).toBe(whole)
    const bare = brook("stats", eightBlock!, "--chunk", "65536")
    expect([bare.status, bare.stderr]).toEqual([
      2,
      'brook exodus: --chunk: "65536" has no unit: write e.g. 512M, 2G (K, M, G, T: powers of 1024, with or without B)\n',
    ])
    const bad = path.join(dir, "bad.exo")
    fs.writeFileSync(bad, "CDF\u0002 garbage")
    const broken = brook("info", bad)
    expect(broken.status).toBe(1)
    expect(broken.stderr).toMatch("InvalidInput")
    expect(brook("stats").status).toBe(2)
  },
  60_000,
)

test.skipIf(!eightBlock)("brook exodus copy and to-parquet write their outputs; a missing input is exit 1", () => {
  const brook = (...args: string[]) =>
    spawnSyncGroup(path.join(root, "bin", "brook"), ["exodus", ...args])
  const exo = path.join(dir, "copy.exo")
  const pq = path.join(dir, "values.parquet")
  expect(brook("copy", eightBlock!, exo, "--vars", "eqps", "--steps", "2:3", "--quiet").status).toBe(0)
  expect(brook("to-parquet", exo, pq, "--quiet").status).toBe(0)
  const info = JSON.parse(brook("info", exo).stdout)
  expect([info.format, info.steps, info.variables.element.map((v: { name: string }) => v.name)]).toEqual([
    "CDF-2 (64-bit offset)",
    2,
    ["eqps"],
  ])
  expect(fs.statSync(pq).size).toBeGreaterThan(100)
  // -o OUT, as every command that writes a file; to-parquet wants a .parquet name
  const exo2 = path.join(dir, "copy2.exo"), pq2 = path.join(dir, "values2.parquet")
  expect(brook("copy", eightBlock!, "-o", exo2, "--vars", "eqps", "--steps", "2:3", "-q").status).toBe(0)
  expect(fs.readFileSync(exo2).equals(fs.readFileSync(exo))).toBe(true)
  expect(brook("to-parquet", exo, "-o", pq2, "-q").status).toBe(0)
  const named = brook("to-parquet", exo, "-o", path.join(dir, "values.tsv"))
  expect([named.status, named.stderr]).toEqual([
    2,
    `brook exodus: to-parquet writes Parquet: name the output .parquet, not '${path.join(dir, "values.tsv")}'\n`,
  ])
  const twice = brook("copy", eightBlock!, exo2, "-o", exo2)
  expect(twice.status).toBe(2)
  const missing = brook("stats", path.join(dir, "nope.exo"))
  expect([missing.status, missing.stderr.trim().split("\n").length]).toEqual([1, 1])
}, SLOW_TEST)

test.skipIf(!eightBlock)("to-parquet: nodal rows have a null block, every other column is REQUIRED, the file says how it was made", async () => {
  const pq = path.join(dir, "nodal.parquet")
  const r = spawnSyncGroup(path.join(root, "bin", "brook"), ["exodus", "to-parquet", eightBlock!, "-o", pq, "--steps", "2", "-q"], {
    encoding: "utf8",
  })
  expect([r.status, r.stderr]).toEqual([0, ""])
  const { DuckDBInstance } = await import("@duckdb/node-api")
  const c = await (await DuckDBInstance.create(":memory:")).connect()
  const rows = async (sql: string) => (await c.runAndReadAll(sql)).getRowObjects()
  const kinds = await rows(
    `select kind, count(*)::integer as n, count(block)::integer as with_block from '${pq}' group by kind order by kind`,
  )
  // element values all name their block; nodal values (12 variables on 125 nodes, one step) none
  expect(kinds.map((k) => k.kind)).toEqual(["element", "nodal"])
  expect(kinds[0].with_block).toBe(kinds[0].n)
  expect(kinds[1]).toEqual({ kind: "nodal", n: 125 * 12, with_block: 0 })
  const schema = (await rows(`select name, repetition_type from parquet_schema('${pq}') where num_children is null`))
    .map((x) => `${x.name} ${x.repetition_type}`)
  expect(schema).toEqual(["var REQUIRED", "kind REQUIRED", "block OPTIONAL", "step REQUIRED", "time REQUIRED", "entity REQUIRED", "value REQUIRED"])
  const kv = Object.fromEntries(
    (await rows(`select decode(key) as k, decode(value) as v from parquet_kv_metadata('${pq}')`)).map((x) => [x.k, x.v]),
  )
  expect(kv["brook.command"]).toBe(`brook exodus to-parquet ${eightBlock} -o ${pq} --steps 2 -q`)
  expect(kv["brook.input"]).toBe(eightBlock)
}, SLOW_TEST)

const cube = sharedFiles.find((f) => f.endsWith("cube.g"))
const hasNccopy = spawnSyncGroup("sh", ["-c", "command -v nccopy"]).status === 0
if (!hasNccopy) console.warn("skipping the NetCDF-4 CLI test: nccopy (netcdf-bin) is absent")
test.skipIf(!cube || !hasNccopy)("a NetCDF-4 file: info and the summary line name the reader; a broken one, the file", () => {
  const nc4 = path.join(dir, "cube-nc4.exo")
  expect(spawnSyncGroup("nccopy", ["-k", "nc4", "-d", "1", "-s", cube!, nc4]).status).toBe(0)
  const brook = (...args: string[]) => spawnSyncGroup(path.join(root, "bin", "brook"), ["exodus", ...args])
  expect(JSON.parse(brook("info", nc4).stdout).reader).toBe("native")
  expect(JSON.parse(brook("info", cube!).stdout).reader).toBeUndefined()
  const stats = brook("stats", nc4)
  const last = stats.stderr.trim().split("\n").at(-1)!
  expect([stats.status, /^brook exodus stats: .*; NetCDF-4 read by brook's HDF5 reader$/.test(last)]).toEqual([0, true])
  // cut inside its metadata: one line naming the file and the byte
  const bytes = fs.readFileSync(nc4)
  const cut = path.join(dir, "cube-nc4-cut.exo")
  fs.writeFileSync(cut, bytes.subarray(0, 2000))
  const bad = brook("stats", cut)
  expect(bad.status).toBe(1)
  const lines = bad.stderr.trim().split("\n")
  expect([lines.length, lines[0].includes(`${cut} (byte offset `)]).toEqual([1, true])
})

test.skipIf(!eightBlock)("to-parquet --mesh writes OUT.coordinates.parquet and OUT.connectivity.parquet beside OUT.parquet", async () => {
  const brook = (...args: string[]) => spawnSyncGroup(path.join(root, "bin", "brook"), ["exodus", ...args])
  const pq = path.join(dir, "mesh.parquet")
  const r = brook("to-parquet", eightBlock!, "-o", pq, "--mesh", "--vars", "mises", "--blocks", "2", "-q")
  expect([r.status, r.stderr]).toEqual([0, ""])
  const coords = path.join(dir, "mesh.coordinates.parquet"), connect = path.join(dir, "mesh.connectivity.parquet")
  const { DuckDBInstance } = await import("@duckdb/node-api")
  const c = await (await DuckDBInstance.create(":memory:")).connect()
  const one = async (sql: string) => (await c.runAndReadAll(sql)).getRowObjects()[0]
  expect(await one(`select count(*)::integer as n, min(node) as lo, max(node) as hi from '${coords}'`)).toEqual({ n: 125, lo: 1, hi: 125 })
  // --blocks selects the connectivity as it selects the element values
  expect(await one(`select count(*)::integer as n, min(block) as b, max(block) as b2 from '${connect}'`)).toEqual({ n: 64, b: 2, b2: 2 })
  const joined = await one(
    `select count(*)::integer as n from '${pq}' v join '${connect}' k on k.block = v.block and k.element = v.entity`,
  )
  expect(joined.n).toBe(8 * 11 * 8) // 8 elements x 11 steps x 8 nodes each
  const wrong = brook("copy", eightBlock!, "-o", path.join(dir, "m.exo"), "--mesh")
  expect([wrong.status, wrong.stderr]).toEqual([2, "brook exodus: --mesh is for to-parquet, not copy\n"])
}, SLOW_TEST)
