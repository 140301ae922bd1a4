/**
 * brook exodus copy: a subset written by writeExodus (CDF-2) is read back by the SEACAS C library, ncdump and
 * netCDF4-python with the selected variables, steps and the whole mesh equal to the input's.
 */
import { expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { Cancelled, pipe, run } from "../../mod.ts"
import { exodusChunks } from "../../sources/exodus_chunks.ts"
import { writeExodus } from "../../sinks/exodus_copy.ts"
import { writeNetcdf } from "../../formats/netcdf/classic_writer.ts"
import { SLOW_TEST, tempDir } from "../helpers.ts"
import { hasNcdump, ncdump, sharedFiles } from "../ncdump.ts"

const dir = tempDir()
const here = path.dirname(new URL(import.meta.url).pathname)
const exodump = path.join(dir, "exodus_dump")
const cc = spawnSync("gcc", ["-O1", "-o", exodump, path.join(here, "exodus_dump.c"), "-lexoIIv2c", "-lnetcdf"], {
  encoding: "utf8",
}, SLOW_TEST)
const hasExodus = cc.status === 0
if (!hasExodus) console.warn(`skipping libexodus reads: gcc/libexodusii-dev unavailable (${cc.error ?? cc.stderr})`)
const hasPython = spawnSync("/usr/bin/python3", ["-c", "import netCDF4"]).status === 0
const eightBlock = sharedFiles.find((f) => f.endsWith("8-block.g"))
const cube = sharedFiles.find((f) => f.endsWith("cube.g"))

const dump = (file: string) => {
  const r = spawnSync(exodump, [file], { encoding: "utf8", maxBuffer: 1 << 28 })
  if (r.status !== 0) throw new Error(`exodus_dump ${file}: ${r.stderr}`)
  return r.stdout.trim().split("\n")
}

async function copy(
  file: string,
  out: string,
  o: { variables?: string[]; steps?: { first: number; last: number }; blocks?: number[] },
) {
  await run(pipe(exodusChunks({ file, ...o, parts: ["static", "variables"], chunkBytes: 512 }), writeExodus(out)))
}

test.skipIf(!eightBlock || !hasExodus)(
  "libexodus reads a subset copy with the input's values for what was selected",
  async () => {
    const out = path.join(dir, "subset.exo")
    await copy(eightBlock!, out, {
      variables: ["vel_x", "mises", "disp_Z"],
      steps: { first: 3, last: 7 },
      blocks: [2, 5],
    })
    const input = dump(eightBlock!)
    const expected = input.filter((l) => {
      const [kind, name, ...rest] = l.split(" ")
      if (kind === "coordx" || kind === "connect") return true
      if (kind === "nodal") return ["vel_x", "disp_Z"].includes(name) && +rest[0] >= 3 && +rest[0] <= 7
      if (kind === "element") return name === "mises" && ["2", "5"].includes(rest[0]) && +rest[1] >= 3 && +rest[1] <= 7
      return false
    }).map((l) => {
      // renumber steps 3..7 as 1..5
      const p = l.split(" ")
      if (p[0] === "nodal") p[2] = String(+p[2] - 2)
      if (p[0] === "element") p[3] = String(+p[3] - 2)
      return p.join(" ")
    })
    const times = input[0].split(" ").slice(3, 8).join(" ")
    const got = dump(out)
    expect(got[0]).toBe(`times ${times}`)
    // the library lists variables in the copy's order (disp_Z before vel_x, as in the input)
    const sortKey = (l: string) => l.split(" ").slice(0, 4).join(" ")
    expect(got.slice(1).sort((a, b) => sortKey(a).localeCompare(sortKey(b)))).toEqual(
      expected.sort((a, b) => sortKey(a).localeCompare(sortKey(b))),
    )
    expect(got.filter((l) => l.startsWith("element")).length).toBe(2 * 5)
  },
  60_000,
)

test.skipIf(!cube || !hasNcdump)(
  "a full copy has every array of the input (ncdump), and netCDF4-python reads it",
  async () => {
    const out = path.join(dir, "full.exo")
    await copy(cube!, out, {})
    const a = ncdump(cube!)
    const b = ncdump(out)
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort())
    for (const [name, values] of a) expect(b.get(name)).toEqual(values)
    if (!hasPython) return
    const py = spawnSync("/usr/bin/python3", [
      "-c",
      "import sys, json, netCDF4; d = netCDF4.Dataset(sys.argv[1]); d.set_auto_mask(False); " +
      "print(json.dumps({k: d[k][:].ravel().tolist() for k in d.variables if d[k].dtype != 'S1'}))",
      out,
    ], { encoding: "utf8" })
    expect(py.status).toBe(0)
    const fromPy = JSON.parse(py.stdout) as Record<string, number[]>
    expect(Object.keys(fromPy).length).toBeGreaterThan(20)
    for (const [name, values] of Object.entries(fromPy)) expect(values).toEqual(a.get(name) as number[])
  },
  60_000,
)

test.skipIf(!cube)("an output missing values is refused at the end and leaves no file", async () => {
  const out = path.join(dir, "short.exo")
  const schema = {
    dims: [{ name: "n", length: 4, unlimited: false }],
    attrs: [],
    vars: [{ name: "a", dimIds: [0], type: "double" as const, attrs: [] }],
  }
  const src = exodusChunks({ file: cube!, parts: ["coordinates"], chunkBytes: 64 })
  const sink = writeNetcdf(out, schema, [{ ncVar: "a", record: 0, ncStart: 0, values: new Float64Array([1, 2, 3]) }])
  // the coordinates have no place in this header: the first chunk is refused
  await expect(run(pipe(src as never, sink))).rejects.toThrow("no variable")
  await expect(run(pipe(exodusChunks({ file: cube!, parts: [] }) as never, sink))).rejects.toThrow("3 of 4 values")
  expect(fs.existsSync(out)).toBe(false)
  expect(fs.readdirSync(dir).filter((f) => f.includes(".brook-"))).toEqual([])
}, SLOW_TEST)

test.skipIf(!sharedFiles.some((f) => f.endsWith(".ex2")) || !hasExodus || !hasNcdump)(
  "a NetCDF-4 file with int64 ids copies to CDF-5; libexodus and ncdump read the input's values",
  async () => {
    const h5 = sharedFiles.find((f) => f.endsWith(".ex2"))!
    const out = path.join(dir, "int64.exo")
    await copy(h5, out, { steps: { first: 2, last: 4 } })
    expect(spawnSync("ncdump", ["-k", out], { encoding: "utf8" }).stdout.trim()).toBe("cdf5")
    const a = ncdump(h5)
    const b = ncdump(out)
    for (const name of ["connect1", "node_num_map", "eb_prop1", "coordx"]) expect(b.get(name)).toEqual(a.get(name))
    const input = dump(h5)
    const got = dump(out)
    expect(got[0]).toBe(`times ${input[0].split(" ").slice(2, 5).join(" ")}`)
    const renumber = (l: string) => {
      const p = l.split(" ")
      return p[0] === "element" ? [...p.slice(0, 3), String(+p[3] - 1), ...p.slice(4)].join(" ") : l
    }
    const expected = input.slice(1).filter((l) => !l.startsWith("element") || ["2", "3", "4"].includes(l.split(" ")[3]))
    expect(got.slice(1)).toEqual(expected.map(renumber))
  },
  60_000,
)

test.skipIf(!eightBlock)("cancelling a copy midway ends in Cancelled and removes the temp file", async () => {
  const out = path.join(dir, "cancelled.exo")
  const controller = new AbortController()
  let steps = 0
  const progress = { update: () => void (++steps === 3 && controller.abort(new Error("test"))), finish: () => {} }
  const err = await run(
    pipe(exodusChunks({ file: eightBlock!, parts: ["static", "variables"], chunkBytes: 64 }), writeExodus(out)),
    { signal: controller.signal, progress },
  ).catch((e) => e)
  expect(err).toBeInstanceOf(Cancelled)
  expect(steps).toBeGreaterThanOrEqual(3)
  expect(fs.existsSync(out)).toBe(false)
  expect(fs.readdirSync(dir).filter((f) => f.includes(".brook-"))).toEqual([])
}, SLOW_TEST)

test.skipIf(!eightBlock)(
  "an abort from a timer (as Ctrl-C arrives) stops a copy: the reader yields to the event loop",
  async () => {
    const out = path.join(dir, "timer.exo")
    const controller = new AbortController()
    const running = run(
      pipe(exodusChunks({ file: eightBlock!, parts: ["static", "variables"], chunkBytes: 64 }), writeExodus(out)),
      { signal: controller.signal },
    ).catch((e) => e)
    setTimeout(() => controller.abort(new Error("timer")), 0)
    expect(await running).toBeInstanceOf(Cancelled)
    expect(fs.existsSync(out)).toBe(false)
    expect(fs.readdirSync(dir).filter((f) => f.includes(".brook-"))).toEqual([])
  },
  60_000,
)
