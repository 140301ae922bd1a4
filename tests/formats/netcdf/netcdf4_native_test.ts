/**
 * The native NetCDF-4 reader against ncdump, variable by variable and record by record, on files netCDF4-python
 * writes with what Exodus files rarely use (fletcher32, big-endian values, odd chunk shapes with partial edge
 * chunks, contiguous and compact data, unsigned types, many attributes stored densely, several unlimited
 * dimensions), on the shared NetCDF-4 file, and on h5repack's copies in the newest HDF5 format; and against
 * h5wasm: the same header.
 */
import { expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import * as path from "node:path"
import { openContainer } from "../../../formats/netcdf/container.ts"
import type { Container } from "../../../formats/netcdf/container.ts"
import { tempDir } from "../../helpers.ts"
import { hasNcdump, ncdump, sharedFiles } from "../../ncdump.ts"

const dir = tempDir()
const py = spawnSync("/usr/bin/python3", ["-c", "import netCDF4"], { encoding: "utf8" })
const hasPy = py.error === undefined && py.status === 0
if (!hasPy) console.warn("skipping netCDF4-python files: /usr/bin/python3 with netCDF4 (python3-netcdf4) is absent")
const hasRepack = spawnSync("h5repack", ["-h"], { encoding: "utf8" }).error === undefined
if (!hasRepack) console.warn("skipping h5repack copies: h5repack (hdf5-tools) is absent")

const SCRIPT = `
import sys, numpy as np, netCDF4
ds = netCDF4.Dataset(sys.argv[1], 'w', format='NETCDF4')
ds.title = 'odd shapes'; ds.answer = np.int32(42); ds.factors = np.float64([0.5, 1.5])
ds.setncattr_string('vlen_text', 'a string attribute')
ds.createDimension('t', None); ds.createDimension('u', None)
ds.createDimension('x', 50); ds.createDimension('y', 7); ds.createDimension('s', 5)
a = ds.createVariable('a', 'f8', ('t', 'x', 'y'), chunksizes=(2, 9, 4), zlib=True, shuffle=True, fletcher32=True)
for k in range(12): setattr(a, 'attr%d' % k, np.int16(k))
a[0:5] = np.arange(5 * 50 * 7).reshape(5, 50, 7) * 0.25 - 3
b = ds.createVariable('b', 'i4', ('x', 'y'), endian='big', chunksizes=(7, 3))
b[:] = np.arange(350).reshape(50, 7) - 100
c = ds.createVariable('c', 'f4', ('x',), contiguous=True, endian='big'); c[:] = np.linspace(-1, 1, 50)
d = ds.createVariable('d', 'u2', ('y',)); d[:] = np.arange(7) * 1000
e = ds.createVariable('e', 'i8', ('t', 'y'), zlib=True, complevel=9); e[0:5] = np.arange(35).reshape(5, 7) * 10**12
n = ds.createVariable('n', 'S1', ('s', 'y')); n[:] = netCDF4.stringtochar(np.array(['one', 'two', 'three', 'four', 'five'], 'S7'))
u = ds.createVariable('u8', 'u1', ('u', 's')); u[0:3] = np.arange(15).reshape(3, 5)
x = ds.createVariable('x', 'f8', ('x',)); x[:] = np.arange(50) / 8
ds.close()
`

/**
 * No unlimited dimension: h5repack's gzip copy in the newest format indexes each dataset's one chunk alone (the
 * single chunk index), and its copies in chunks of 10 x 3 and 2 index them in a fixed array.
 */
const FIXED = `
import sys, numpy as np, netCDF4
ds = netCDF4.Dataset(sys.argv[1], 'w', format='NETCDF4'); ds.createDimension('x', 50); ds.createDimension('y', 7)
b = ds.createVariable('b', 'f8', ('x', 'y')); b[:] = np.arange(350).reshape(50, 7) * 0.5
c = ds.createVariable('c', 'i4', ('y',)); c[:] = np.arange(7) - 3
ds.close()
`

function python(script = SCRIPT, name = "odd.nc"): string | undefined {
  if (!hasPy) return undefined
  const out = path.join(dir, name)
  const r = spawnSync("/usr/bin/python3", ["-c", script, out], { encoding: "utf8" })
  if (r.status !== 0) throw new Error(`netCDF4-python: ${r.stderr}`)
  return out
}

function repacked(file: string | undefined, tag: string, args: string[]): string | undefined {
  if (!file || !hasRepack) return undefined
  const out = path.join(dir, `${path.basename(file)}.${tag}.nc`)
  const r = spawnSync("h5repack", [...args, file, out], { encoding: "utf8" })
  if (r.status !== 0) throw new Error(`h5repack: ${r.stderr}`)
  return out
}

const odd = python()
const fixed = python(FIXED, "fixed.nc")
const files = [
  ...[
    repacked(fixed, "single", ["--low=2", "--high=2", "-f", "GZIP=1"]),
    // several chunks, no unlimited dimension: the fixed array index, filtered and not
    repacked(fixed, "fixed-array-gzip", ["--low=2", "--high=2", "-l", "b:CHUNK=10x3", "-f", "b:GZIP=1", "-l", "c:CHUNK=2"]),
    repacked(fixed, "fixed-array", ["--low=2", "--high=2", "-l", "b:CHUNK=10x3", "-l", "c:CHUNK=2"]),
    // one unlimited dimension: the extensible array index (entries in its index block and two data blocks)
    repacked(odd, "extensible-array", ["--low=2", "--high=2", "-f", "GZIP=1"]),
    repacked(sharedFiles.find((f) => /\.ex2$/.test(f)), "extensible-array", ["--low=2", "--high=2", "-f", "GZIP=1"]),
  ].flatMap((f) => (f ? [f] : [])),
  ...sharedFiles.filter((f) => /\.ex2$/.test(f)),
  ...(odd ? [odd] : []),
  ...[repacked(odd, "latest", ["--low=2", "--high=2"]), repacked(sharedFiles.find((f) => /\.ex2$/.test(f)), "latest", [
    "--low=2",
    "--high=2",
  ])].flatMap((f) => (f ? [f] : [])),
]

/** Every value of `v`, all records, as ncdump prints them (char rows as strings without trailing NULs). */
function everything(c: Container, name: string): Array<number | string> {
  const v = c.header.vars.find((v) => v.name === name)!
  const out: Array<number | string> = []
  const records = v.record ? c.header.numrecs : 1
  for (let r = 0; r < records; r++) {
    const values = c.read(v, r, 0, v.count)
    if (v.type === "char") {
      const width = v.shape[v.shape.length - 1] || 1
      for (let k = 0; k < v.count / width; k++) {
        out.push(new TextDecoder().decode((values as Uint8Array).subarray(k * width, (k + 1) * width)).replace(/\0+$/, ""))
      }
    } else out.push(...Array.from(values as ArrayLike<number | bigint>, Number))
  }
  return out
}

for (const file of files) {
  test.skipIf(!hasNcdump)(`${path.basename(file)}: every value equals ncdump's, through the native reader`, async () => {
    const ref = ncdump(file)
    const c = await openContainer(file)
    expect(c.reader).toBe("native")
    for (const v of c.header.vars) {
      // ncdump prints floats to 9 digits, which round-trip through float32
      const want = ref.get(v.name)!.map((x) =>
        typeof x === "string" ? x.replace(/\0+$/, "") : x !== null && v.type === "float" ? Math.fround(x) : x
      )
      // a variable along a second unlimited dimension (u8, 3 records) reads as its fill value past its own
      // records, up to the header's numrecs (the longest unlimited dimension, 5); ncdump stops at its own
      const got = everything(c, v.name)
      if (v.name === "u8") expect(got.slice(want.length)).toEqual(new Array(10).fill(255))
      expect(got.slice(0, want.length).map((x, k) => (want[k] === null ? null : x))).toEqual(want as never)
    }
    c.close()
  }, 60_000)
}

test.skipIf(!odd)("runs that cross partial edge chunks read the same as the whole variable", async () => {
  const c = await openContainer(odd!)
  const v = c.header.vars.find((v) => v.name === "a")!
  const whole = Array.from(c.read(v, 3, 0, v.count) as Float64Array)
  for (const [from, n] of [[0, 1], [5, 30], [62, 100], [349, 1], [1, 348], [120, 113]]) {
    expect(Array.from(c.read(v, 3, from, n) as Float64Array)).toEqual(whole.slice(from, from + n))
  }
  c.close()
})

test.skipIf(!odd)("the header: unlimited dimensions, dense attributes, hidden conventions, vlen string attributes", async () => {
  const c = await openContainer(odd!)
  const h = c.header
  expect(h.dims.map((d) => [d.name, d.length, d.unlimited])).toEqual([
    ["t", 0, true],
    ["u", 0, true],
    ["x", 50, false],
    ["y", 7, false],
    ["s", 5, false],
  ])
  expect(h.numrecs).toBe(5)
  const a = h.vars.find((v) => v.name === "a")!
  expect(a.attrs.map((x) => x.name).sort()).toEqual(Array.from({ length: 12 }, (_, k) => `attr${k}`).sort())
  expect(a.attrs.find((x) => x.name === "attr11")).toEqual({ name: "attr11", type: "short", value: [11] })
  expect(h.attrs.find((x) => x.name === "vlen_text")?.value).toBe("a string attribute")
  expect(h.attrs.find((x) => x.name === "factors")).toEqual({ name: "factors", type: "double", value: [0.5, 1.5] })
  expect(h.vars.map((v) => [v.name, v.type, v.record, v.shape.join("x")])).toEqual([
    ["a", "double", true, "1x50x7"],
    ["b", "int", false, "50x7"],
    ["c", "float", false, "50"],
    ["d", "ushort", false, "7"],
    ["e", "int64", true, "1x7"],
    ["n", "char", false, "5x7"],
    ["u8", "ubyte", true, "1x5"],
    ["x", "double", false, "50"],
  ])
  c.close()
})

test.skipIf(!files.length)("h5wasm sees the same header on the Exodus files (dimensions, variables, attributes)", async () => {
  for (const file of files.filter((f) => !f.includes("odd.nc"))) {
    const native = await openContainer(file)
    const h5 = await openContainer(file, { netcdf4: "h5wasm" })
    expect(h5.reader).toBe("h5wasm (native reader: skipped)")
    const key = (c: Container) => ({
      dims: c.header.dims.map((d) => d.name),
      vars: c.header.vars.map((v) => [v.name, v.type, v.record, v.shape, v.dimIds]).sort(),
      attrs: c.header.attrs.filter((a) => a.type !== "char" || !a.name.startsWith("vlen")).map((a) => a.name).sort(),
    })
    expect(key(native)).toEqual(key(h5))
    native.close()
    h5.close()
  }
}, 60_000)

test.skipIf(!odd || !hasRepack)("a file the native reader refuses (the nbit filter) goes to h5wasm, which says why", async () => {
  const file = repacked(odd, "nbit", ["-f", "b:NBIT"])!
  const c = await openContainer(file)
  expect(c.reader).toBe("h5wasm (native reader: b uses the nbit filter (id 5); brook reads deflate, shuffle, fletcher32)")
  const v = c.header.vars.find((v) => v.name === "b")!
  expect(Array.from(c.read(v, 0, 0, 5) as Int32Array)).toEqual([-100, -99, -98, -97, -96])
  c.close()
}, 60_000)
