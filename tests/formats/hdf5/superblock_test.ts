/**
 * Superblocks 0 (the shared .ex2 file), 2 (nccopy -k nc4) and 3 (h5repack --low=2): found past a user block,
 * sizes read, v2/3 checksums verified; a bad signature or checksum is an InvalidInput at its byte offset.
 */
import { expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { memorySource } from "../../../core/byte_source.ts"
import { readSuperblock } from "../../../formats/hdf5/superblock.ts"
import { openNetcdf4Native } from "../../../formats/netcdf/netcdf4_native.ts"
import { tempDir } from "../../helpers.ts"
import { sharedFiles } from "../../ncdump.ts"

const hasNccopy = spawnSync("nccopy", [], { encoding: "utf8" }).error === undefined
const hasRepack = spawnSync("h5repack", ["-h"], { encoding: "utf8" }).error === undefined
if (!hasNccopy || !hasRepack) console.warn("skipping superblock 2/3 tests: nccopy (netcdf-bin) or h5repack (hdf5-tools) is absent")
const dir = tempDir()
const cube = sharedFiles.find((f) => f.endsWith("cube.g"))
const ex2 = sharedFiles.find((f) => f.endsWith(".ex2"))
const v2 = hasNccopy && cube ? path.join(dir, "cube.nc4") : undefined
if (v2) spawnSync("nccopy", ["-k", "nc4", cube!, v2])
const v3 = v2 && hasRepack ? path.join(dir, "cube.v3.nc4") : undefined
if (v3) spawnSync("h5repack", ["--low=2", "--high=2", v2!, v3])

const bytes = (f: string) => new Uint8Array(fs.readFileSync(f))

test.skipIf(!ex2 || !v2 || !v3)("versions 0, 2 and 3, with 8-byte offsets and lengths", () => {
  const got = [ex2!, v2!, v3!].map((f) => readSuperblock(memorySource(f, bytes(f))))
  expect(got.map((s) => [s.version, s.offsetSize, s.lengthSize, s.base])).toEqual([[0, 8, 8, 0], [2, 8, 8, 0], [3, 8, 8, 0]])
})

test.skipIf(!v2)("a 512-byte user block: the superblock is found after it, addresses count from it", () => {
  const b = bytes(v2!)
  const shifted = new Uint8Array(512 + b.length)
  shifted.set(b, 512)
  const sb = readSuperblock(memorySource("shifted", shifted))
  expect([sb.version, sb.base]).toEqual([2, 512])
  const c = openNetcdf4Native(memorySource("shifted", shifted))
  expect(c.header.vars.length).toBe(openNetcdf4Native(memorySource("plain", b)).header.vars.length)
})

test.skipIf(!v2)("a bad signature, checksum or size is an InvalidInput with the offset", () => {
  const b = bytes(v2!)
  const err = (d: Uint8Array) => {
    try {
      readSuperblock(memorySource("bad", d))
    } catch (e) {
      const x = e as { _tag: string; offset?: number; message: string }
      return [x._tag, x.offset, x.message.replace(/.*HDF5: /, "")]
    }
    return ["no error"]
  }
  const noSig = b.slice()
  noSig[1] = 0
  expect(err(noSig)).toEqual(["InvalidInput", 0, "no HDF5 signature at 0 or any power of two from 512"])
  const badSum = b.slice()
  badSum[30] ^= 0x10
  expect(err(badSum)).toEqual(["InvalidInput", 0, "superblock: superblock checksum mismatch"])
  const badSize = b.slice()
  badSize[9] = 3
  expect(err(badSize)[0]).toBe("InvalidInput")
  expect(err(b.subarray(0, 20))[0]).toBe("InvalidInput")
})
