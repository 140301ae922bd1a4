/**
 * writeExodusMeshParquet: coordinates and connectivity equal ncdump's arrays, read back by DuckDB, which
 * joins the values table of writeExodusParquet to them. Coordinates come in small node ranges here, so
 * that a file of a hundred nodes is written as many ranges (and row groups) as a large one.
 */
import { expect, test } from "bun:test"
import { DuckDBInstance } from "@duckdb/node-api"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { pipe, run } from "../../mod.ts"
import { exodusChunks } from "../../sources/exodus_chunks.ts"
import { writeExodusMeshParquet } from "../../sinks/exodus_mesh_parquet.ts"
import { writeExodusParquet } from "../../sinks/exodus_parquet.ts"
import { SLOW_TEST, tempDir } from "../helpers.ts"
import { hasNcdump, ncdump, sharedFiles } from "../ncdump.ts"

const dir = tempDir()
const hasNcgen = spawnSync("ncgen", ["-h"]).error === undefined

async function duck() {
  const c = await (await DuckDBInstance.create(":memory:")).connect()
  return async (sql: string) =>
    (await c.runAndReadAll(sql)).getRowObjects().map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v]))
    )
}

/** Writes the mesh tables of `file` (blocks `blocks`, default all), coordinates by `nodeRange` nodes. */
async function meshOf(file: string, name: string, nodeRange: number, blocks?: number[]) {
  const targets = {
    coordinates: path.join(dir, `${name}.coordinates.parquet`),
    connectivity: path.join(dir, `${name}.connectivity.parquet`),
  }
  await run(pipe(
    exodusChunks({ file, parts: ["nodes", "connectivity"], nodeRange, chunkBytes: 128, blocks }),
    writeExodusMeshParquet(targets, { metadata: [{ key: "brook.input", value: file }], nodeRange }),
  ))
  return targets
}

/** ncdump's connectivity in (block, element, position, node) rows, for the blocks `ids` (all by default). */
function connectRows(file: string, ids?: number[]) {
  const d = ncdump(file)
  const blocks = d.get("eb_prop1") as number[]
  const header = spawnSync("ncdump", ["-h", file], { encoding: "utf8" }).stdout
  const rows: Array<{ block: number; element: number; position: number; node: number }> = []
  blocks.forEach((id, k) => {
    if (ids && !ids.includes(id)) return
    const per = Number(new RegExp(`num_nod_per_el${k + 1} = (\\d+)`).exec(header)?.[1])
    const connect = (d.get(`connect${k + 1}`) ?? []) as number[]
    connect.forEach((node, j) => rows.push({ block: id, element: Math.floor(j / per) + 1, position: (j % per) + 1, node }))
  })
  return rows
}

const classic = sharedFiles.filter((f) => fs.readFileSync(f).subarray(0, 3).toString() === "CDF")

test.skipIf(!classic.length || !hasNcdump)(
  "every shared Exodus file: coordinates and connectivity equal ncdump's, REQUIRED, with brook's metadata",
  async () => {
    const q = await duck()
    for (const file of classic) {
      const name = path.basename(file)
      const t = await meshOf(file, name, 7)
      const d = ncdump(file)
      const x = d.get("coordx") as number[], y = d.get("coordy") as number[], z = d.get("coordz") as number[]
      const coords = await q(`select * from '${t.coordinates}' order by node`)
      expect(coords).toEqual(x.map((_, k) => ({ node: k + 1, x: x[k], y: y[k], z: z[k] })))
      const groups = await q(`select count(distinct row_group_id)::integer as n from parquet_metadata('${t.coordinates}')`)
      expect(groups[0].n).toBe(Math.max(1, Math.ceil(x.length / 7)))
      const connect = await q(`select * from '${t.connectivity}'`) // written in (block, element, position) order
      expect(connect).toEqual(connectRows(file))
      for (const f of [t.coordinates, t.connectivity]) {
        const schema = await q(`select name, type, repetition_type as r from parquet_schema('${f}') where num_children is null`)
        expect(schema.every((s) => s.r === "REQUIRED")).toBe(true)
        const kv = Object.fromEntries(
          (await q(`select decode(key) as k, decode(value) as v from parquet_kv_metadata('${f}')`)).map((r) => [r.k, r.v]),
        )
        expect([kv["brook.input"], kv["brook.table"], typeof kv["brook.version"]]).toEqual([
          file,
          f === t.coordinates ? "coordinates" : "connectivity",
          "string",
        ])
      }
    }
  },
  SLOW_TEST,
)

const eightBlock = sharedFiles.find((f) => f.endsWith("8-block.g"))

test.skipIf(!eightBlock || !hasNcdump)(
  "DuckDB joins the values to the mesh: nodal values to their coordinates, element values to their nodes",
  async () => {
    const t = await meshOf(eightBlock!, "join", 1 << 16, [3, 5])
    const values = path.join(dir, "join.parquet")
    await run(pipe(
      exodusChunks({ file: eightBlock!, parts: ["variables"], variables: ["vel_x", "mises"], steps: { first: 2, last: 2 }, blocks: [3, 5] }),
      writeExodusParquet(values),
    ))
    const q = await duck()
    const d = ncdump(eightBlock!)
    const nodes = 125
    const x = d.get("coordx") as number[]
    const velX = (d.get("vals_nod_var10") as number[]).slice(nodes, 2 * nodes) // step 2
    const nodal = await q(
      `select node, x, value from '${values}' v join '${t.coordinates}' c on c.node = v.entity
       where v.kind = 'nodal' order by node`,
    )
    expect(nodal).toEqual(x.map((xk, k) => ({ node: k + 1, x: xk, value: velX[k] })))
    // each element value meets its block's 8 nodes; their mean x is the element's centroid
    const rows = connectRows(eightBlock!, [3, 5])
    const centroid = (block: number, element: number) => {
      const mine = rows.filter((r) => r.block === block && r.element === element)
      return mine.reduce((s, r) => s + x[r.node - 1], 0) / mine.length
    }
    const joined = await q(
      `select v.block, v.entity as element, count(*)::integer as n, avg(c.x) as cx
       from '${values}' v join '${t.connectivity}' k on k.block = v.block and k.element = v.entity
       join '${t.coordinates}' c using (node) where v.kind = 'element' group by all order by 1, 2`,
    )
    expect(joined.length).toBe(16)
    for (const r of joined) {
      expect(r.n).toBe(8)
      expect(Math.abs((r.cx as number) - centroid(r.block as number, r.element as number))).toBeLessThan(1e-12)
    }
  },
  SLOW_TEST,
)

test.skipIf(!hasNcgen)("a 2-d mesh with combined float32 coordinates: node, x, y only", async () => {
  const cdl = path.join(dir, "flat.cdl"), file = path.join(dir, "flat.exo")
  fs.writeFileSync(
    cdl,
    `netcdf flat {
dimensions:
  len_string = 33 ; num_dim = 2 ; time_step = UNLIMITED ; num_nodes = 5 ; num_elem = 2 ; num_el_blk = 1 ;
  num_el_in_blk1 = 2 ; num_nod_per_el1 = 3 ;
variables:
  float time_whole(time_step) ;
  int eb_prop1(num_el_blk) ;
  float coord(num_dim, num_nodes) ;
  char coor_names(num_dim, len_string) ;
  int connect1(num_el_in_blk1, num_nod_per_el1) ;
    connect1:elem_type = "TRI3" ;
:floating_point_word_size = 4 ;
data:
  eb_prop1 = 10 ;
  coord = 0, 1, 2, 3, 4.5, 10, 11, 12, 13, 14 ;
  coor_names = "X", "Y" ;
  connect1 = 1, 2, 3, 3, 4, 5 ;
}
`,
  )
  const r = spawnSync("ncgen", ["-k", "nc3", "-o", file, cdl], { encoding: "utf8" })
  expect(r.stderr).toBe("")
  const t = await meshOf(file, "flat", 2)
  const q = await duck()
  expect(await q(`select * from '${t.coordinates}' order by node`)).toEqual(
    [0, 1, 2, 3, 4.5].map((x, k) => ({ node: k + 1, x, y: 10 + k })),
  )
  expect(await q(`select block, element, list(node order by position)::varchar as nodes from '${t.connectivity}' group by all order by 2`))
    .toEqual([{ block: 10, element: 1, nodes: "[1, 2, 3]" }, { block: 10, element: 2, nodes: "[3, 4, 5]" }])
})

const hasNccopy = spawnSync("nccopy", []).error === undefined

test.skipIf(!eightBlock || !hasNcdump || !hasNccopy)("a NetCDF-4 copy (nccopy -k nc4) gives the same mesh tables", async () => {
  const nc4 = path.join(dir, "8-block.nc4")
  expect(spawnSync("nccopy", ["-k", "nc4", eightBlock!, nc4]).status).toBe(0)
  const t = await meshOf(nc4, "nc4", 10)
  const q = await duck()
  const x = ncdump(eightBlock!).get("coordx") as number[]
  expect((await q(`select node, x from '${t.coordinates}' order by node`)).map((r) => r.x)).toEqual(x)
  expect(await q(`select * from '${t.connectivity}'`)).toEqual(connectRows(eightBlock!))
}, SLOW_TEST)
