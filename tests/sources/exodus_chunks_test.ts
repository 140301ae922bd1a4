/**
 * Every file in ../shared/data/exodus (classic and NetCDF-4), and nccopy's CDF-1/CDF-5 copies of them, read with
 * ncdump's values through exodusChunks and the model.
 */
import { expect, test } from "bun:test"
import { collect, type Collected, pipe, run } from "../../mod.ts"
import type { MeshChunk } from "../../core/batches.ts"
import { exodusChunks } from "../../sources/exodus_chunks.ts"
import { fileSource } from "../../core/byte_source.ts"
import { classicContainer, openContainer } from "../../formats/netcdf/container.ts"
import { openExodus, readSmall } from "../../formats/exodus/model.ts"
import type { NcArray } from "../../formats/netcdf/types.ts"
import { spawnSync } from "node:child_process"
import * as path from "node:path"
import { SLOW_TEST, tempDir } from "../helpers.ts"
import { hasNcdump, ncdump, sharedFiles } from "../ncdump.ts"

const shared = sharedFiles.filter((f) => !/\.ex2$/.test(f))
const hdf5 = sharedFiles.filter((f) => /\.ex2$/.test(f))
const hasNccopy = spawnSync("nccopy", [], { encoding: "utf8" }).error === undefined
const dir = tempDir()
/** The shared files again as CDF-1 and CDF-5, converted by nccopy (netcdf-bin). */
const converted = hasNccopy
  ? shared.flatMap((f) =>
    (["classic", "64-bit-data"] as const).map((kind) => {
      const out = path.join(dir, `${path.basename(f)}.${kind}.nc`)
      const r = spawnSync("nccopy", ["-k", kind, f, out], { encoding: "utf8" })
      if (r.status !== 0) throw new Error(`nccopy ${f}: ${r.stderr}`)
      return out
    })
  )
  : []
/** The NetCDF-4 (HDF5) shared file as CDF-5, which keeps its int64 ids. */
const fromHdf5 = hasNccopy
  ? hdf5.map((f) => {
    const out = path.join(dir, `${path.basename(f)}.cdf5.nc`)
    const r = spawnSync("nccopy", ["-k", "64-bit-data", f, out], { encoding: "utf8" })
    if (r.status !== 0) throw new Error(`nccopy ${f}: ${r.stderr}`)
    return out
  })
  : []
/** The classic shared files as NetCDF-4 (nccopy -k nc4: contiguous) and with zlib level 1 + shuffle (chunked). */
const toHdf5 = hasNccopy
  ? shared.flatMap((f) =>
    [["nc4"], ["nc4", "-d", "1", "-s"]].map((args) => {
      const out = path.join(dir, `${path.basename(f)}.${args.join("")}.nc`)
      const r = spawnSync("nccopy", ["-k", ...args, f, out], { encoding: "utf8" })
      if (r.status !== 0) throw new Error(`nccopy ${f}: ${r.stderr}`)
      return out
    })
  )
  : []
if (!hasNccopy) console.warn("skipping NetCDF-4 copies of the classic Exodus files: nccopy (netcdf-bin) is absent")
const classic = [...shared, ...converted, ...fromHdf5]
const netcdf4 = [...hdf5, ...toHdf5]
const all = [...classic, ...netcdf4]

/** Values as ncdump shows them: numbers, or char rows of `width` with trailing NULs dropped. */
function shown(values: NcArray, type: string, width: number): Array<number | string> {
  if (type !== "char") return Array.from(values as ArrayLike<number | bigint>, Number)
  const dec = new TextDecoder()
  return Array.from(
    { length: values.length / width },
    (_, k) => dec.decode((values as Uint8Array).subarray(k * width, (k + 1) * width)).replace(/\0+$/, ""),
  )
}

const trimNul = (v: number | string | null) => (typeof v === "string" ? v.replace(/\0+$/, "") : v)

for (const file of all) {
  test.skipIf(!hasNcdump)(`${file}: every variable equals ncdump's, in 256-byte chunks`, async () => {
    const ref = ncdump(file)
    const c = await openContainer(file)
    // NetCDF-4 files go through brook's own HDF5 reader, not h5wasm
    expect(c.reader).toBe(netcdf4.includes(file) ? "native" : undefined)
    const m = openExodus(c)
    const got: Collected<MeshChunk> = { batches: [] }
    await run(pipe(exodusChunks({ file, chunkBytes: 256, parts: ["static", "variables"] }), collect(got)))
    // non-record variables, reassembled from chunks of at most 256 bytes
    for (const v of m.header.vars.filter((v) => !v.record && v.count > 0)) {
      const chunks = got.batches.filter((c) => c.kind === "static" && c.ncVar === v.name)
      expect(chunks.every((c) => c.values.byteLength <= 256)).toBe(true)
      const flat: Array<number | string> = []
      const width = v.shape[v.shape.length - 1] || 1
      const whole = readSmall(c, v)
      expect(chunks.reduce((a, c) => a + c.count, 0)).toBe(v.count)
      for (const c of chunks) whole.set(c.values as never, c.start)
      flat.push(...shown(whole, v.type, width))
      expect(flat).toEqual(ref.get(v.name)!.map(trimNul) as never)
    }
    // record variables: Exodus variables through the stream, the others record by record
    for (const v of m.header.vars.filter((v) => v.record)) {
      const expected = ref.get(v.name)!
      expect(expected.length).toBe(v.count * m.header.numrecs)
      const fromStream = got.batches.filter((c) => c.ncVar === v.name && c.kind !== "static")
      const flat = new Array<number | null>(expected.length).fill(null)
      if (fromStream.length) {
        for (const c of fromStream) {
          const base = c.record * v.count + c.ncStart
          Array.from(c.values as ArrayLike<number>, Number).forEach((x, k) => (flat[base + k] = x))
        }
      } else {
        for (let r = 0; r < m.header.numrecs; r++) {
          shown(readSmall(c, v, r), v.type, 1).forEach((x, k) => (flat[r * v.count + k] = x as number))
        }
      }
      expect(flat).toEqual(expected as never)
    }
    expect(Array.from(m.times)).toEqual((ref.get("time_whole") ?? []) as never)
    c.close()
  })
}

test.skipIf(!converted.length)("nccopy's CDF-1 and CDF-5 copies are recognised as such", async () => {
  const formats: string[] = []
  for (const f of converted) {
    const c = await openContainer(f)
    formats.push(openExodus(c).format)
    c.close()
  }
  expect(formats.filter((f) => f.startsWith("CDF-1")).length).toBe(shared.length)
  expect(formats.filter((f) => f.startsWith("CDF-5")).length).toBe(shared.length)
}, SLOW_TEST)

test.skipIf(!hdf5.length)(
  "NetCDF-4 reads through h5wasm with int64 ids; the classic byte parser names it",
  async () => {
    const c = await openContainer(hdf5[0])
    const m = openExodus(c)
    c.close()
    expect([m.format, m.int64, m.blocks[0].elemType, m.blocks[0].connect?.type]).toEqual([
      "NetCDF-4 (HDF5)",
      true,
      "shell4",
      "int64",
    ])
    const src = fileSource(hdf5[0])
    expect(() => classicContainer(src)).toThrow("NetCDF-4/HDF5")
    src.close()
    if (!fromHdf5.length) return
    const copy = await openContainer(fromHdf5[0])
    const cm = openExodus(copy)
    copy.close()
    expect([cm.format, cm.int64, cm.blocks[0].connect?.type]).toEqual(["CDF-5 (64-bit data)", true, "int64"])
  },
  60_000,
)

test.skipIf(!classic.length)("the Exodus model of cube.g: blocks, sets, variables, steps", async () => {
  const c = await openContainer(classic.find((f) => f.endsWith("cube.g"))!)
  const m = openExodus(c)
  c.close()
  expect(m.format).toBe("CDF-2 (64-bit offset)")
  expect([m.numDim, m.numNodes, m.numElem, m.times.length]).toEqual([3, 27, 8, 4])
  expect(m.blocks.map((b) => [b.id, b.name, b.elemType, b.numElem, b.nodesPerElem])).toEqual([
    [1, "block_1", "hex8", 8, 8],
  ])
  expect(m.sideSets.map((s) => [s.id, s.count, s.distFactors])).toEqual(
    [1, 2, 3, 4, 5, 6].map((id) => [id, 4, 16]),
  )
  expect(m.variables.map((v) => `${v.kind}:${v.name}:${v.parts.map((p) => p.field.ncVar.name).join("+")}`)).toEqual([
    "nodal:NodeBlock_1:vals_nod_var1",
    "nodal:NodeBlock_2:vals_nod_var2",
    "nodal:NodeBlock_3:vals_nod_var3",
    "element:ElementBlock_1:vals_elem_var1eb1",
    "element:ElementBlock_2:vals_elem_var2eb1",
  ])
  expect(m.qa).toEqual([["io_shell", "5.0", "2018/01/16", "09:19:46"]])
}, SLOW_TEST)

test.skipIf(!classic.length || !hasNcdump)(
  "cube.g: number maps and side sets (elements, sides, distribution factors) as ncdump",
  async () => {
    const file = classic.find((f) => f.endsWith("cube.g"))!
    const ref = ncdump(file)
    const got: Collected<MeshChunk> = { batches: [] }
    await run(pipe(exodusChunks({ file, parts: ["maps", "sets"], chunkBytes: 24 }), collect(got)))
    const joined = new Map<string, number[]>()
    for (const c of got.batches) {
      joined.set(c.name, [
        ...(joined.get(c.name) ?? []),
        ...Array.from(c.values as ArrayLike<number>),
      ])
    }
    expect([...joined.keys()].length).toBe(2 + 6 * 3)
    for (const [name, values] of joined) expect(values).toEqual(ref.get(name) as number[])
    expect(got.batches.filter((c) => c.name === "side_ss4").every((c) => c.kind === "set" && c.block === 4)).toBe(true)
  },
  60_000,
)
