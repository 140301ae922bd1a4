/**
 * Reads of runs of a chunked, compressed dataset: one record of a record variable touches only that record's
 * chunk (the cache counts one decode), a second read of it none; a run crossing chunks and partial edge
 * chunks reads what the whole variable holds there. The chunk indexes of HDF5 1.10 that NetCDF tools do not
 * write by default (implicit, v2 B-tree with record types 10 and 11, extensible array with super blocks), read
 * from files h5py writes at test time (tests/fixtures/scripts/hdf5_chunk_indexes.py; skipped without h5py).
 */
import { expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import * as path from "node:path"
import { fileSource } from "../../../core/byte_source.ts"
import { ChunkCache } from "../../../formats/hdf5/chunk_cache.ts"
import { DatasetReader } from "../../../formats/hdf5/dataset.ts"
import { openHdf5 } from "../../../formats/hdf5/file.ts"
import { spawnSyncGroup, tempDir } from "../../helpers.ts"
import { sharedFiles } from "../../ncdump.ts"

const hasNccopy = spawnSync("nccopy", [], { encoding: "utf8" }).error === undefined
if (!hasNccopy) console.warn("skipping chunked-read tests: nccopy (netcdf-bin) is absent")
const block8 = sharedFiles.find((f) => f.endsWith("8-block.g"))
const file = hasNccopy && block8 ? path.join(tempDir(), "8-block.nc4") : undefined
// 8-block.g as NetCDF-4 with zlib + shuffle, chunks of 3 records x 100 nodes
if (file) spawnSync("nccopy", ["-k", "nc4", "-d", "1", "-s", "-c", "time_step/3,num_nodes/100", block8!, file])

test.skipIf(!file)("one record reads only its own chunks, each decoded once", () => {
  const f = openHdf5(fileSource(file!))
  const m = f.members.find((m) => m.name === "vals_nod_var1")!
  const [steps, nodes] = m.dataset!.space.dims
  const layout = m.dataset!.layout
  expect([layout.class, layout.class === "chunked" ? layout.chunk : []]).toEqual(["chunked", [3, 100]])
  const cache = new ChunkCache(1 << 20)
  const r = new DatasetReader(f.ctx, m.dataset!, cache)
  const whole = new Float64Array(steps * nodes)
  r.read(0, steps * nodes, new Uint8Array(whole.buffer))
  const wholeMisses = cache.misses
  expect(wholeMisses).toBe(Math.ceil(steps / 3) * Math.ceil(nodes / 100))
  const fresh = new ChunkCache(1 << 20)
  const one = new DatasetReader(f.ctx, m.dataset!, fresh)
  const step = new Float64Array(nodes)
  one.read(4 * nodes, nodes, new Uint8Array(step.buffer))
  expect(fresh.misses).toBe(Math.ceil(nodes / 100))
  expect(Array.from(step)).toEqual(Array.from(whole.subarray(4 * nodes, 5 * nodes)))
  one.read(4 * nodes, nodes, new Uint8Array(step.buffer))
  expect(fresh.misses).toBe(Math.ceil(nodes / 100))
  // runs across chunk edges
  for (const [from, n] of [[99, 2], [nodes - 3, 7], [5 * nodes + 250, 301], [steps * nodes - 1, 1]]) {
    const part = new Float64Array(n)
    one.read(from, n, new Uint8Array(part.buffer))
    expect(Array.from(part)).toEqual(Array.from(whole.subarray(from, from + n)))
  }
  expect(() => one.read(steps * nodes - 1, 2, new Uint8Array(16))).toThrow("elements 1374..1376 of 1375")
})

const indexDir = tempDir()
const made = spawnSyncGroup("/usr/bin/python3", [path.join(import.meta.dirname!, "../../fixtures/scripts/hdf5_chunk_indexes.py"), indexDir], {
  timeout: 120_000,
})
const hasH5py = made.status === 0
if (!hasH5py) {
  console.warn(`skipping the chunk index tests: /usr/bin/python3 with h5py is absent (${made.status} ${made.stderr?.slice(0, 200)})`)
}

/** Every dataset of an h5py file read whole, with its chunk index type; values are i * 0.5 + 1 at element i. */
function readAll(name: string): Record<string, { index: string; values: number[]; misses: number }> {
  const f = openHdf5(fileSource(path.join(indexDir, name)))
  return Object.fromEntries(f.members.filter((m) => m.dataset).map((m) => {
    const ds = m.dataset!
    const n = ds.space.dims.reduce((a, b) => a * b, 1)
    const values = new Float64Array(n)
    const cache = new ChunkCache(1 << 20)
    new DatasetReader(f.ctx, ds, cache).read(0, n, new Uint8Array(values.buffer))
    const index = ds.layout.class === "chunked" ? ds.layout.index.type : ds.layout.class
    return [m.name, { index, values: Array.from(values), misses: cache.misses }]
  }))
}
const expected = (n: number, keep = (_i: number) => true) =>
  Array.from({ length: n }, (_, i) => (keep(i) ? i * 0.5 + 1 : -1))

test.skipIf(!hasH5py)("the implicit chunk index: chunks placed in grid order, maximum sizes past the current", () => {
  const got = readAll("implicit.h5")
  expect(Object.keys(got).sort().map((k) => [k, got[k].index])).toEqual([["grid", "implicit"], ["room", "implicit"]])
  expect(got.grid.values).toEqual(expected(70))
  expect(got.room.values).toEqual(expected(30))
})

test.skipIf(!hasH5py)("the v2 B-tree chunk index: unfiltered (type 10), zlib + shuffle (type 11), internal nodes", () => {
  const got = readAll("btree2.h5")
  expect(Object.keys(got).sort().map((k) => [k, got[k].index])).toEqual([
    ["deep", "btree2"],
    ["plain", "btree2"],
    ["zlib", "btree2"],
  ])
  expect(got.deep.values).toEqual(expected(300 * 40))
  expect(got.plain.values).toEqual(expected(99))
  expect(got.zlib.values).toEqual(expected(99))
  expect(got.zlib.misses).toBe(5 * 4)
})

test.skipIf(!hasH5py)("the extensible array chunk index with super blocks: 1,000 chunks, some never written", () => {
  const got = readAll("earray_super.h5")
  expect(Object.keys(got).sort().map((k) => [k, got[k].index])).toEqual([
    ["plain", "extensible-array"],
    ["sparse", "extensible-array"],
    ["zlib", "extensible-array"],
  ])
  expect(got.plain.values).toEqual(expected(3000))
  expect(got.sparse.values).toEqual(expected(3000, (i) => Math.floor(i / 3) % 7 === 0))
  expect(got.zlib.values).toEqual(expected(3000))
})
