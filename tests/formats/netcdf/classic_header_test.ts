/** Corrupted headers end in InvalidInput naming the byte offset: never a crash, a hang or a huge allocation. */
import { expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { InvalidInput } from "../../../mod.ts"
import { memorySource } from "../../../core/byte_source.ts"
import { classicContainer, openContainer } from "../../../formats/netcdf/container.ts"
import { meshStream } from "../../../sources/exodus_chunks.ts"
import { openExodus } from "../../../formats/exodus/model.ts"
import { select } from "../../../formats/exodus/selection.ts"
import { readHeader } from "../../../formats/netcdf/classic_header.ts"
import { sharedFiles } from "../../ncdump.ts"
import { SLOW_TEST } from "../../helpers.ts"

const cube = sharedFiles.find((f) => f.endsWith("cube.g"))
const bytes = cube ? new Uint8Array(fs.readFileSync(cube)) : new Uint8Array(0)

function failure(b: Uint8Array): InvalidInput {
  try {
    openExodus(classicContainer(memorySource("bad.exo", b)))
  } catch (e) {
    if (e instanceof InvalidInput) return e
    throw e
  }
  throw new Error("no error")
}

const edit = (f: (v: DataView) => void) => {
  const b = bytes.slice()
  f(new DataView(b.buffer))
  return b
}

test.skipIf(!cube)("truncation at every offset of the header and of the data is InvalidInput with an offset", () => {
  const h = readHeader(memorySource("cube.g", bytes))
  const cuts = [...Array(h.headerBytes + 1).keys(), ...Array.from({ length: 64 }, (_, k) => h.headerBytes + 1 + k * 97)]
  for (const cut of cuts.filter((c) => c < bytes.length)) {
    const e = failure(bytes.subarray(0, cut))
    expect(e.file).toBe("bad.exo")
    expect(typeof e.offset).toBe("number")
    expect(e.offset!).toBeLessThanOrEqual(bytes.length)
  }
})

test.skipIf(!cube)("wrong magic, negative counts, absurd lengths and offsets past the end name where", () => {
  expect(failure(edit((v) => v.setUint8(3, 3))).reason).toMatch("not a NetCDF classic file")
  expect(failure(edit((v) => v.setUint8(3, 3))).offset).toBe(0)
  // the dimension count (after magic, numrecs and the list tag) made negative
  const neg = failure(edit((v) => v.setInt32(12, -5)))
  expect([neg.offset, neg.reason]).toEqual([12, "negative dimension count -5"])
  // a count no file of this size can hold
  const many = failure(edit((v) => v.setInt32(12, 0x7fffffff)))
  expect([many.offset, many.reason.includes("cannot fit")]).toEqual([8, true])
  // the first dimension (len_string, name padded to 12 bytes) made 2^31 - 1 long: qa_records runs past the end
  const absurd = failure(edit((v) => v.setInt32(32, 0x7fffffff)))
  expect(absurd.reason).toMatch("past the end of the file")
  // a record count the file cannot hold
  const recs = failure(edit((v) => v.setInt32(4, 0x7fffffff)))
  expect(recs.reason).toMatch("past the end of the file")
  // the last variable's begin (the header's last 8 bytes in CDF-2) moved past the end of the file
  const h = readHeader(memorySource("cube.g", bytes))
  const past = failure(edit((v) => v.setBigInt64(h.headerBytes - 8, BigInt(bytes.length + 100))))
  expect([past.offset, past.reason.includes("past the end")]).toEqual([bytes.length + 100, true])
  // ... or into the header
  const inside = failure(edit((v) => v.setBigInt64(h.headerBytes - 8, 16n)))
  expect(inside.reason).toMatch("inside the header")
  // an unknown type code for the first attribute (after the attribute name "api_version")
  const at = Buffer.from(bytes).indexOf("api_version") + 12
  const type = failure(edit((v) => v.setInt32(at, 99)))
  expect([type.offset, type.reason]).toEqual([at, "global:api_version: unknown nc_type 99"])
})

test("a file too short for a magic number, and an empty one", () => {
  expect(failure(new Uint8Array(0)).reason).toMatch("too short")
  expect(failure(new Uint8Array([0x43, 0x44])).offset).toBe(0)
})

const hdf5 = sharedFiles.find((f) => f.endsWith(".ex2"))

test.skipIf(!hdf5)("a truncated or corrupted NetCDF-4 file is InvalidInput with the byte offset (native reader)", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "brook-h5-"))
  const whole = new Uint8Array(fs.readFileSync(hdf5!))
  const truncated = path.join(dir, "truncated.ex2")
  fs.writeFileSync(truncated, whole.subarray(0, 20000))
  const e = await openContainer(truncated).catch((x) => x)
  expect(e).toBeInstanceOf(InvalidInput)
  expect(e.reason).toMatch("lies outside the file (20000 bytes)")
  expect(typeof e.offset).toBe("number")
  const garbled = path.join(dir, "garbled.ex2")
  const b = whole.slice()
  for (let k = 0; k < 64; k++) b[1200 + k] = (k * 37) & 255
  fs.writeFileSync(garbled, b)
  const g = await openContainer(garbled).then((c) => openExodus(c)).catch((x) => x)
  expect(g).toBeInstanceOf(InvalidInput)
  expect([g.reason.startsWith("HDF5: "), typeof g.offset]).toEqual([true, "number"])
  // h5wasm, the fallback, names HDF5's innermost reason
  const h = await openContainer(truncated, { netcdf4: "h5wasm" }).catch((x) => x)
  expect(h).toBeInstanceOf(InvalidInput)
  expect(h.reason).toMatch("truncated file: eof = 20000")
  const hg = await openContainer(garbled, { netcdf4: "h5wasm" }).then((c) => openExodus(c)).catch((x) => x)
  expect(hg).toBeInstanceOf(InvalidInput)
  expect(hg.reason).toMatch("checksum")
})

test.skipIf(!cube || spawnSync("nccopy", []).error !== undefined)(
  "numrecs all ones is streaming mode (records counted from the file size) in CDF-2 and CDF-5; negative is InvalidInput",
  () => {
    const cdf5 = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "brook-cdf5-")), "cube5.nc")
    expect(spawnSync("nccopy", ["-k", "64-bit-data", cube!, cdf5]).status).toBe(0)
    const five = new Uint8Array(fs.readFileSync(cdf5))
    const with5 = (f: (v: DataView) => void) => {
      const b = five.slice()
      f(new DataView(b.buffer))
      return b
    }
    const recs = (b: Uint8Array) => readHeader(memorySource("x.nc", b)).numrecs
    expect(recs(five)).toBe(4)
    expect(recs(with5((v) => v.setBigInt64(4, -1n)))).toBe(4)
    expect(recs(edit((v) => v.setUint32(4, 0xffffffff)))).toBe(4)
    const neg = failure(with5((v) => v.setBigInt64(4, -5n)))
    expect([neg.offset, neg.reason]).toEqual([4, "numrecs -5"])
  },
)

test.skipIf(!cube)("random byte changes in the header: a clean read or InvalidInput, never another error", async () => {
  const hb = readHeader(memorySource("cube.g", bytes)).headerBytes
  let seed = 12345
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
  const outcomes = { read: 0, invalid: 0 }
  for (let t = 0; t < 800; t++) {
    const b = bytes.slice()
    for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) b[Math.floor(rnd() * hb)] = Math.floor(rnd() * 256)
    try {
      const c = classicContainer(memorySource("fuzz.exo", b))
      const m = openExodus(c)
      const reader = meshStream(c, m, select(m), ["static", "variables"], 4096).getReader()
      while (!(await reader.read()).done);
      outcomes.read++
    } catch (e) {
      if (!(e instanceof InvalidInput)) throw e
      outcomes.invalid++
    }
  }
  expect(outcomes.read).toBeGreaterThan(100)
  expect(outcomes.invalid).toBeGreaterThan(100)
}, SLOW_TEST)
