/**
 * The NetCDF-4 / HDF5 fuzz target: brook's own HDF5 reader (formats/hdf5/) and the NetCDF-4 model over it
 * (formats/netcdf/netcdf4_native.ts), read directly, never through the h5wasm fallback. Bases are made by the
 * real tools at build time: nccopy's NetCDF-4 copies of the shared cube.g (v1 B-tree chunk index, zlib +
 * shuffle; and plain), h5repack's copy of it in the newest format (superblock 3, v2 object headers, fixed and
 * extensible array indexes, fletcher32 added), and h5py's chunk index files when h5py is there
 * (tests/fixtures/scripts/hdf5_chunk_indexes.py: implicit, v2 B-tree, extensible array super blocks).
 * Field-aware mutations rewrite the numbers after every structure signature and in the superblock;
 * format-aware ones change bytes inside a checksummed structure (object header, B-tree node, heap, chunk
 * index block) and redo its lookup3 checksum, so the change gets past the check; the rest are blind.
 * A read opens the file, reads every dataset through the chunk cache (at most 4 MiB each, in 1 MiB
 * pieces), then builds the NetCDF-4 model and reads the first values of each variable.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileSource } from "../../core/byte_source.ts"
import { lookup3 } from "../../formats/hdf5/checksum.ts"
import { ChunkCache } from "../../formats/hdf5/chunk_cache.ts"
import { DatasetReader } from "../../formats/hdf5/dataset.ts"
import { elements } from "../../formats/hdf5/dataspace.ts"
import { openHdf5 } from "../../formats/hdf5/file.ts"
import { openNetcdf4Native } from "../../formats/netcdf/netcdf4_native.ts"
import type { Field, Rnd } from "./mutate.ts"
import { mutateBlind } from "./mutate.ts"
import type { Base, Target } from "./targets.ts"

const SHARED = new URL("../../../shared/data/exodus", import.meta.url).pathname
const SCRIPT = path.join(
  path.dirname(new URL(import.meta.url).pathname),
  "..",
  "..",
  "tests",
  "fixtures",
  "scripts",
  "hdf5_chunk_indexes.py",
)
const SIGNATURES = [
  "OHDR",
  "OCHK",
  "TREE",
  "SNOD",
  "HEAP",
  "GCOL",
  "FRHP",
  "FHDB",
  "FHIB",
  "BTHD",
  "BTIN",
  "BTLF",
  "FAHD",
  "FADB",
  "EAHD",
  "EAIB",
  "EASB",
  "EADB",
]
const SUPERBLOCK = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
/** Largest part of a dataset a read touches, and the piece it reads at once. */
const DATASET_BYTES = 4 << 20
const PIECE_BYTES = 1 << 20

const text = (s: string) => new TextEncoder().encode(s)

/** Offsets of the superblock and of every structure signature. */
function structures(b: Uint8Array): number[] {
  const out = [0]
  const sigs = SIGNATURES.map(text)
  for (let i = 1; i + 4 <= b.length; i++) {
    if (sigs.some((s) => s[0] === b[i] && s[1] === b[i + 1] && s[2] === b[i + 2] && s[3] === b[i + 3])) out.push(i)
  }
  return out
}

/** The numbers right after each signature (versions, flags, sizes, counts, addresses), little-endian. */
function fields(b: Uint8Array): Field[] {
  const out: Field[] = []
  for (const p of structures(b)) {
    const start = p === 0 ? SUPERBLOCK.length : p + 4
    for (let k = 0; k < 12; k++) out.push({ at: start + k, width: 1, label: `+${start + k - p}` })
    for (const k of [0, 2, 4, 6]) out.push({ at: start + k, width: 2, label: `+${start + k - p}` })
    for (const k of [0, 4, 8, 12, 16, 20, 24]) out.push({ at: start + k, width: 4, label: `+${start + k - p}` })
    for (const k of [4, 8, 12, 16, 20, 28, 36]) out.push({ at: start + k, width: 8, label: `+${start + k - p}` })
  }
  return out.filter((f) => f.at + f.width <= b.length)
}

/** Checksummed structures: [start, checksum offset], found as the first length whose lookup3 matches. */
function checksummed(b: Uint8Array): Array<[number, number]> {
  const out: Array<[number, number]> = []
  const dv = new DataView(b.buffer, b.byteOffset, b.length)
  for (const p of structures(b)) {
    for (let e = p + 8; e + 4 <= b.length && e - p <= 2048; e++) {
      if (dv.getUint32(e, true) === lookup3(b.subarray(p, e))) {
        out.push([p, e])
        break
      }
    }
  }
  return out
}

function base(name: string, bytes: Uint8Array): Base {
  const sums = checksummed(bytes)
  return {
    name,
    bytes,
    fields: fields(bytes),
    special: (rnd: Rnd) => {
      if (!sums.length) return mutateBlind(bytes, rnd)
      // a change inside one checksummed structure, its checksum redone
      const [p, e] = rnd.pick(sums)
      const out = bytes.slice()
      const n = 1 + rnd.int(3)
      for (let k = 0; k < n; k++) {
        const at = p + 4 + rnd.int(Math.max(1, e - p - 4))
        out[at] = rnd.chance(0.5) ? rnd.int(256) : out[at] ^ (1 << rnd.int(8))
      }
      new DataView(out.buffer).setUint32(e, lookup3(out.subarray(p, e)), true)
      return { bytes: out, kind: `inside ${new TextDecoder().decode(bytes.subarray(p, p + 4))}@${p}, checksum redone` }
    },
  }
}

const tool = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: "utf8", timeout: 120_000 })

export const hdf5: Target = {
  name: "hdf5",
  ext: "nc4",
  async build(dir) {
    const out: Base[] = []
    const cube = path.join(SHARED, "cube.g")
    const made: Array<[string, string]> = []
    if (fs.existsSync(cube)) {
      const zlib = path.join(dir, "cube-zlib.nc4")
      const plain = path.join(dir, "cube-plain.nc4")
      const latest = path.join(dir, "cube-latest.nc4")
      if (tool("nccopy", ["-k", "nc4", "-d", "1", "-s", "-c", "time_step/1,num_nodes/9", cube, zlib]).status === 0) {
        made.push(["cube zlib", zlib])
      }
      if (tool("nccopy", ["-k", "nc4", cube, plain]).status === 0) made.push(["cube plain", plain])
      if (fs.existsSync(zlib) && tool("h5repack", ["--low=2", "--high=2", "-f", "FLET", zlib, latest]).status === 0) {
        made.push(["cube latest", latest])
      }
    }
    if (tool("/usr/bin/python3", [SCRIPT, dir]).status === 0) {
      for (const f of ["implicit", "btree2", "earray_super"]) made.push([f, path.join(dir, `${f}.h5`)])
    }
    for (const [name, file] of made) out.push(base(name, new Uint8Array(fs.readFileSync(file))))
    if (!out.length) {
      throw new Error(`no HDF5 bases: needs nccopy and h5repack with ${SHARED}, or /usr/bin/python3 with h5py`)
    }
    return out
  },
  async read(file, signal) {
    const src = fileSource(file)
    try {
      const f = openHdf5(src)
      const cache = new ChunkCache(4 << 20)
      let values = 0
      for (const m of f.members) {
        if (!m.dataset) continue
        const ds = m.dataset
        const size = ds.type.size
        const r = new DatasetReader(f.ctx, ds, cache)
        const total = Math.min(elements(ds.space), Math.floor(DATASET_BYTES / size))
        const per = Math.max(1, Math.floor(PIECE_BYTES / size))
        const buf = new Uint8Array(per * size)
        for (let at = 0; at < total; at += per) {
          if (signal.aborted) throw new Error("aborted")
          r.read(at, Math.min(per, total - at), buf)
        }
        values += total
      }
      // NetCDF-4 files: the model over it, and the first values of each variable
      let vars = 0
      if (f.members.some((m) => m.attrs.some((a) => a.name === "_Netcdf4Dimid" || a.name === "DIMENSION_LIST"))) {
        const c = openNetcdf4Native(src)
        for (const v of c.header.vars) c.read(v, 0, 0, Math.min(v.count, 64)), vars++
      }
      return { shape: `${f.members.length} members, ${values} values, ${vars} variables` }
    } finally {
      src.close()
    }
  },
}
