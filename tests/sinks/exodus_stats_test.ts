/** exodusStats and writeExodusParquet against ncdump's values. */
import { expect, test } from "bun:test"
import { DuckDBInstance } from "@duckdb/node-api"
import * as path from "node:path"
import { BudgetExceeded, InvalidOption, pipe, run } from "../../mod.ts"
import { exodusChunks } from "../../sources/exodus_chunks.ts"
import { exodusStats, type VariableStats } from "../../sinks/exodus_stats.ts"
import { writeExodusParquet } from "../../sinks/exodus_parquet.ts"
import { SLOW_TEST, tempDir } from "../helpers.ts"
import { hasNcdump, ncdump, sharedFiles } from "../ncdump.ts"

const dir = tempDir()
const eightBlock = sharedFiles.find((f) => f.endsWith("8-block.g"))

/** ncdump's values of one Exodus variable's array over steps first..last (1-based). */
function reference(
  file: string,
  ncVar: string,
  first: number,
  last: number,
  perStep: number,
  offset = 0,
  count = perStep,
) {
  const all = ncdump(file).get(ncVar) as number[]
  const out: number[] = []
  for (let s = first; s <= last; s++) {
    out.push(...all.slice((s - 1) * perStep + offset, (s - 1) * perStep + offset + count))
  }
  return out
}

test.skipIf(!eightBlock || !hasNcdump)(
  "stats per variable and block equal ncdump's values over the selected steps",
  async () => {
    const lines: VariableStats[] = []
    await run(pipe(
      exodusChunks({
        file: eightBlock!,
        variables: ["vel_x", "mises"],
        steps: { first: 2, last: 9 },
        blocks: [3, 4],
        chunkBytes: 128,
        parts: ["coordinates", "variables"],
      }),
      exodusStats((l) => lines.push(l)),
    ))
    const nodes = 125
    const velX = reference(eightBlock!, "vals_nod_var10", 2, 9, nodes)
    const mises3 = reference(eightBlock!, "vals_elem_var2eb3", 2, 9, 8)
    const x = ncdump(eightBlock!).get("coordx") as number[]
    const sum = (a: number[]) => a.reduce((s, v) => s + v, 0)
    expect(lines.map((l) => [l.var, l.kind, l.block, l.count])).toEqual([
      ["coordinates", "coordinates", null, nodes],
      ["vel_x", "nodal", null, 8 * nodes],
      ["mises", "element", 3, 64],
      ["mises", "element", 4, 64],
    ])
    expect((lines[0].min as number[])[0]).toBe(Math.min(...x))
    expect((lines[0].max as number[])[0]).toBe(Math.max(...x))
    expect([lines[1].min, lines[1].max]).toEqual([Math.min(...velX), Math.max(...velX)])
    expect(Math.abs(lines[1].sum! - sum(velX))).toBeLessThan(1e-12 * velX.length)
    expect([lines[2].min, lines[2].max]).toEqual([Math.min(...mises3), Math.max(...mises3)])
    expect(Math.abs(lines[2].mean! - sum(mises3) / 64)).toBeLessThan(1e-9)
  },
  60_000,
)

test.skipIf(!eightBlock)(
  "a chunk larger than the budget allows is BudgetExceeded before reading; bad selections are InvalidOption",
  async () => {
    const stats = () => exodusStats(() => {})
    const big = await run(pipe(exodusChunks({ file: eightBlock!, chunkBytes: 64 << 20 }), stats()), { memory: "64MB" })
      .catch((e) => e)
    expect(big).toBeInstanceOf(BudgetExceeded)
    for (
      const o of [{ variables: ["nope"] }, { steps: { first: 0, last: 3 } }, { steps: { first: 5, last: 99 } }, {
        blocks: [42],
      }]
    ) {
      expect(await run(pipe(exodusChunks({ file: eightBlock!, ...o }), stats())).catch((e) => e)).toBeInstanceOf(
        InvalidOption,
      )
    }
  },
  60_000,
)

test.skipIf(!eightBlock || !hasNcdump)("DuckDB reads the long Parquet table with ncdump's values", async () => {
  const out = path.join(dir, "long.parquet")
  await run(
    pipe(
      exodusChunks({
        file: eightBlock!,
        variables: ["disp_Z", "pressure"],
        steps: { first: 4, last: 5 },
        parts: ["variables"],
      }),
      writeExodusParquet(out),
    ),
  )
  const db = await DuckDBInstance.create(":memory:")
  const c = await db.connect()
  const rows = (await c.runAndReadAll(
    `select var, kind, block, step, time, entity::integer as entity, value from read_parquet('${out}') order by var, block, step, entity`,
  )).getRowObjects() as Array<
    { var: string; kind: string; block: number; step: number; time: number; entity: number; value: number }
  >
  const dispZ = reference(eightBlock!, "vals_nod_var3", 4, 5, 125)
  const times = ncdump(eightBlock!).get("time_whole") as number[]
  const nodal = rows.filter((r) => r.var === "disp_Z")
  expect(nodal.map((r) => r.value)).toEqual(dispZ)
  expect(nodal.map((r) => [r.kind, r.block, r.step, r.time]).slice(124, 126)).toEqual([["nodal", null, 4, times[3]], [
    "nodal",
    null,
    5,
    times[4],
  ]])
  expect(nodal[0].entity).toBe(1)
  const p = rows.filter((r) => r.var === "pressure" && r.block === 7)
  expect(p.map((r) => r.value)).toEqual(reference(eightBlock!, "vals_elem_var3eb7", 4, 5, 8))
  expect(rows.length).toBe(2 * 125 + 2 * 64)
  // block is null for nodal values (and only there): the one OPTIONAL column
  const schema = (await c.runAndReadAll(`select name, repetition_type from parquet_schema('${out}') where num_children is null`))
    .getRowObjects().map((r) => `${r.name} ${r.repetition_type}`)
  expect(schema).toEqual([
    "var REQUIRED",
    "kind REQUIRED",
    "block OPTIONAL",
    "step REQUIRED",
    "time REQUIRED",
    "entity REQUIRED",
    "value REQUIRED",
  ])
  expect(rows.filter((r) => r.block === null).every((r) => r.kind === "nodal")).toBe(true)
}, SLOW_TEST)
