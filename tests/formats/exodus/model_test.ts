/**
 * Exodus variants, written as CDL and turned into files by ncgen (netcdf-bin): combined `coord` and
 * `vals_nod_var`, global variables, float32 values, `len_string` names, node sets with distribution
 * factors, block attributes, a NaN; in CDF-1, CDF-2 and CDF-5.
 */
import { expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { collect, type Collected, pipe, run } from "../../../mod.ts"
import { openContainer } from "../../../formats/netcdf/container.ts"
import type { MeshChunk } from "../../../core/batches.ts"
import { exodusChunks } from "../../../sources/exodus_chunks.ts"
import { openExodus } from "../../../formats/exodus/model.ts"
import { exodusStats, type VariableStats } from "../../../sinks/exodus_stats.ts"
import { SLOW_TEST, tempDir } from "../../helpers.ts"

const hasNcgen = spawnSync("ncgen", ["-h"]).error === undefined
if (!hasNcgen) console.warn("skipping Exodus variant tests: ncgen (Debian netcdf-bin) is not installed")
const dir = tempDir()

const CDL = `netcdf combined {
dimensions:
  len_string = 33 ; four = 4 ; num_qa_rec = 1 ; num_dim = 2 ; time_step = UNLIMITED ;
  num_nodes = 5 ; num_elem = 2 ; num_el_blk = 1 ; num_el_in_blk1 = 2 ; num_nod_per_el1 = 3 ;
  num_att_in_blk1 = 1 ; num_node_sets = 1 ; num_nod_ns1 = 2 ; num_nod_var = 2 ; num_glo_var = 3 ;
variables:
  float time_whole(time_step) ;
  char qa_records(num_qa_rec, four, len_string) ;
  int eb_prop1(num_el_blk) ;
  int ns_prop1(num_node_sets) ;
  float coord(num_dim, num_nodes) ;
  char coor_names(num_dim, len_string) ;
  int connect1(num_el_in_blk1, num_nod_per_el1) ;
    connect1:elem_type = "TRI3" ;
  float attrib1(num_el_in_blk1, num_att_in_blk1) ;
  int node_ns1(num_nod_ns1) ;
  float dist_fact_ns1(num_nod_ns1) ;
  char name_nod_var(num_nod_var, len_string) ;
  char name_glo_var(num_glo_var, len_string) ;
  float vals_nod_var(time_step, num_nod_var, num_nodes) ;
  double vals_glo_var(time_step, num_glo_var) ;
:title = "variants" ;
:floating_point_word_size = 4 ;
data:
  time_whole = 0.5, 1.5 ;
  qa_records = "brook", "1", "today", "now" ;
  eb_prop1 = 10 ;
  ns_prop1 = 7 ;
  coord = 0, 1, 2, 3, 4, 10, 11, 12, 13, 14 ;
  coor_names = "X", "Y" ;
  connect1 = 1, 2, 3, 3, 4, 5 ;
  attrib1 = 0.25, 0.75 ;
  node_ns1 = 1, 5 ;
  dist_fact_ns1 = 1, 0.5 ;
  name_nod_var = "temp", "pres" ;
  name_glo_var = "energy", "mass", "nanny" ;
  vals_nod_var = 1, 2, 3, 4, 5, -1, -2, -3, -4, -5,
                 6, 7, 8, 9, 10, -6, -7, -8, -9, -10 ;
  vals_glo_var = 100, 200, 1, 101, 201, NaN ;
}
`

function make(kind: string): string {
  const cdl = path.join(dir, "combined.cdl")
  fs.writeFileSync(cdl, CDL)
  const out = path.join(dir, `combined-${kind}.exo`)
  const r = spawnSync("ncgen", ["-k", kind, "-o", out, cdl], { encoding: "utf8" })
  if (r.status !== 0) throw new Error(`ncgen: ${r.stderr}`)
  return out
}

for (const kind of ["classic", "64-bit-offset", "64-bit-data"]) {
  test.skipIf(!hasNcgen)(`${kind}: the model and the values of combined arrays, float32, len_string`, async () => {
    const file = make(kind)
    const c = await openContainer(file)
    const m = openExodus(c)
    c.close()
    expect([m.title, m.numDim, m.numNodes, m.floatWordSize, m.int64]).toEqual(["variants", 2, 5, 4, false])
    expect(m.coordinates.map((c) => [c.name, c.field.ncVar.name, c.field.offset])).toEqual([["X", "coord", 0], [
      "Y",
      "coord",
      5,
    ]])
    expect(m.blocks.map((b) => [b.id, b.elemType, b.numElem, b.nodesPerElem, b.numAttr])).toEqual([[
      10,
      "TRI3",
      2,
      3,
      1,
    ]])
    expect(m.nodeSets.map((s) => [s.id, s.count, s.distFactors])).toEqual([[7, 2, 2]])
    expect(m.qa).toEqual([["brook", "1", "today", "now"]])
    expect(Array.from(m.times)).toEqual([0.5, 1.5])
    expect(m.variables.map((v) => `${v.kind}:${v.name}:${v.parts[0].field.ncVar.name}@${v.parts[0].field.offset}`))
      .toEqual([
        "nodal:temp:vals_nod_var@0",
        "nodal:pres:vals_nod_var@5",
        "global:energy:vals_glo_var@0",
        "global:mass:vals_glo_var@1",
        "global:nanny:vals_glo_var@2",
      ])
    const got: Collected<MeshChunk> = { batches: [] }
    await run(pipe(exodusChunks({ file, variables: ["pres", "mass"], steps: { first: 2, last: 2 } }), collect(got)))
    const show = got.batches.map((c) => [c.kind, c.name, c.block, c.step, Array.from(c.values as Float32Array)])
    expect(show).toEqual([
      ["coordinates", "X", null, null, [0, 1, 2, 3, 4]],
      ["coordinates", "Y", null, null, [10, 11, 12, 13, 14]],
      ["connectivity", "connect1", 10, null, [1, 2, 3, 3, 4, 5]],
      ["nodal", "pres", null, 2, [-6, -7, -8, -9, -10]],
      ["global", "mass", null, 2, [201]],
    ])
    expect(got.batches[3].values).toBeInstanceOf(Float32Array)
    expect(got.batches[4].values).toBeInstanceOf(Float64Array)
  })
}

test.skipIf(!hasNcgen)(
  "stats: a NaN makes min, max and sum NaN, as in numpy; float32 values fold exactly",
  async () => {
    const lines: VariableStats[] = []
    await run(
      pipe(
        exodusChunks({ file: make("64-bit-offset"), parts: ["coordinates", "variables"] }),
        exodusStats((l) => lines.push(l)),
      ),
    )
    const by = Object.fromEntries(lines.map((l) => [l.var, l]))
    expect([by.coordinates.min, by.coordinates.max]).toEqual([[0, 10], [4, 14]])
    expect([by.temp.min, by.temp.max, by.temp.sum, by.temp.count]).toEqual([1, 10, 55, 10])
    expect([by.energy.min, by.energy.max, by.energy.mean]).toEqual([100, 101, 100.5])
    expect([by.nanny.min, by.nanny.max, by.nanny.sum].every(Number.isNaN)).toBe(true)
  },
  60_000,
)

test.skipIf(!hasNcgen)("maps, block attributes and sets arrive as their own parts", async () => {
  const got: Collected<MeshChunk> = { batches: [] }
  await run(pipe(exodusChunks({ file: make("64-bit-offset"), parts: ["maps", "attributes", "sets"] }), collect(got)))
  expect(got.batches.map((c) => [c.kind, c.name, c.block, Array.from(c.values as ArrayLike<number>)])).toEqual([
    ["attribute", "attrib1", 10, [0.25, 0.75]],
    ["set", "node_ns1", 7, [1, 5]],
    ["set", "dist_fact_ns1", 7, [1, 0.5]],
  ])
}, SLOW_TEST)
