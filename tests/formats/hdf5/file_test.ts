/**
 * Bad HDF5 input ends in typed errors: a seeded mutation test over the metadata of small NetCDF-4 files (bytes
 * just after every structure signature: superblock, object headers and their continuations, v1 and v2
 * B-tree nodes, symbol nodes, local, global and fractal heaps) and truncations at random lengths. Each case
 * opens the file through openHdf5 and the NetCDF-4 model, then reads the start of every variable: it either
 * succeeds or throws InvalidInput / FormatUnsupported, never another error, a hang or a huge allocation.
 */
import { expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { memorySource } from "../../../core/byte_source.ts"
import { openHdf5 } from "../../../formats/hdf5/file.ts"
import { openNetcdf4Native } from "../../../formats/netcdf/netcdf4_native.ts"
import { tempDir } from "../../helpers.ts"
import { sharedFiles } from "../../ncdump.ts"

const hasNccopy = spawnSync("nccopy", [], { encoding: "utf8" }).error === undefined
if (!hasNccopy) console.warn("skipping the HDF5 mutation test on nccopy copies: nccopy (netcdf-bin) is absent")
const dir = tempDir()
const cube = sharedFiles.find((f) => f.endsWith("cube.g"))
const ex2 = sharedFiles.find((f) => f.endsWith(".ex2"))
/** cube.g as NetCDF-4 (superblock 2, dense links, v2 headers) with zlib + shuffle chunks; the v0 .ex2 file. */
const inputs = [
  ...(hasNccopy && cube
    ? [(() => {
      const out = path.join(dir, "cube.nc4")
      const r = spawnSync("nccopy", ["-k", "nc4", "-d", "1", "-s", cube, out], { encoding: "utf8" })
      if (r.status !== 0) throw new Error(`nccopy: ${r.stderr}`)
      return out
    })()]
    : []),
  ...(ex2 ? [ex2] : []),
]

const SIGNATURES = ["OHDR", "OCHK", "TREE", "SNOD", "HEAP", "GCOL", "FRHP", "FHDB", "FHIB", "BTHD", "BTIN", "BTLF", "FAHD", "FADB", "EAHD", "EAIB", "EADB"]

/** Offsets of every structure signature, and of the superblock. */
function structures(bytes: Uint8Array): number[] {
  const out = [0]
  const text = Buffer.from(bytes).toString("latin1")
  for (const s of SIGNATURES) for (let k = text.indexOf(s); k >= 0; k = text.indexOf(s, k + 1)) out.push(k)
  return out
}

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Opens and reads the bytes; returns the error tag, or "ok". */
function attempt(name: string, bytes: Uint8Array): string {
  try {
    openHdf5(memorySource(name, bytes))
    const c = openNetcdf4Native(memorySource(name, bytes), { cacheBytes: 1 << 20 })
    for (const v of c.header.vars) {
      for (let r = 0; r < Math.min(c.header.numrecs, 2) || r === 0; r++) c.read(v, r, 0, Math.min(v.count, 4096))
    }
    return "ok"
  } catch (e) {
    const tag = (e as { _tag?: string })._tag
    if (tag === "InvalidInput" || tag === "FormatUnsupported") return tag
    throw new Error(`${name}: ${e instanceof Error ? e.stack : e}`)
  }
}

for (const file of inputs) {
  test(`${path.basename(file)}: 400 seeded mutations of its metadata end well or in typed errors`, () => {
    const original = new Uint8Array(fs.readFileSync(file))
    expect(attempt(file, original)).toBe("ok")
    const at = structures(original)
    const next = rng(16)
    const seen: Record<string, number> = {}
    for (let k = 0; k < 400; k++) {
      const bytes = original.slice()
      const edits = 1 + Math.floor(next() * 3)
      for (let e = 0; e < edits; e++) {
        const where = Math.min(bytes.length - 1, at[Math.floor(next() * at.length)] + Math.floor(next() * 96))
        const how = next()
        bytes[where] = how < 0.4 ? Math.floor(next() * 256) : how < 0.7 ? bytes[where] ^ (1 << Math.floor(next() * 8)) : how < 0.85 ? 0xff : 0
      }
      const tag = attempt(`${file} #${k}`, bytes)
      seen[tag] = (seen[tag] ?? 0) + 1
    }
    // most mutations must be noticed (checksums, signatures, bounds), not read as something else
    expect(seen.InvalidInput).toBeGreaterThan(100)
  }, 120_000)

  test(`${path.basename(file)}: truncated anywhere, an InvalidInput with the byte offset`, () => {
    const original = new Uint8Array(fs.readFileSync(file))
    const next = rng(7)
    for (let k = 0; k < 60; k++) {
      const len = k < 10 ? k * 7 : Math.floor(next() * original.length)
      const tag = attempt(`${file} cut at ${len}`, original.subarray(0, len))
      if (len < original.length / 2) expect(tag).toBe("InvalidInput")
    }
    let err: { offset?: number; _tag?: string } = {}
    try {
      openHdf5(memorySource("cut", original.subarray(0, 40)))
    } catch (e) {
      err = e as typeof err
    }
    expect([err._tag, typeof err.offset]).toEqual(["InvalidInput", "number"])
  }, 120_000)
}
