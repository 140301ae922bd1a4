/**
 * Reads of runs of a chunked, compressed dataset: one record of a record variable touches only that record's
 * chunk (the cache counts one decode), a second read of it none; a run crossing chunks and partial edge
 * chunks reads what the whole variable holds there.
 */
import { expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import * as path from "node:path"
import { fileSource } from "../../../core/byte_source.ts"
import { ChunkCache } from "../../../formats/hdf5/chunk_cache.ts"
import { DatasetReader } from "../../../formats/hdf5/dataset.ts"
import { openHdf5 } from "../../../formats/hdf5/file.ts"
import { tempDir } from "../../helpers.ts"
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
