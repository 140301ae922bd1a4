/** Undoing the filter pipeline: shuffle, deflate, fletcher32 (checked) in the order written; other filters refused. */
import { expect, test } from "bun:test"
import { deflateSync } from "node:zlib"
import { memorySource } from "../../../core/byte_source.ts"
import { fletcher32 } from "../../../formats/hdf5/checksum.ts"
import type { Filter } from "../../../formats/hdf5/filter_pipeline.ts"
import { checkFilters, unfilter, unshuffle, unshuffleInto } from "../../../formats/hdf5/filters.ts"

const src = memorySource("chunks.h5", new Uint8Array(0))
const shuffle = (d: Uint8Array, size: number) => {
  const n = Math.floor(d.length / size)
  const out = d.slice()
  for (let i = 0; i < n; i++) for (let b = 0; b < size; b++) out[b * n + i] = d[i * size + b]
  return out
}
const filter = (id: number, values: number[] = []): Filter => ({ id, name: `f${id}`, optional: false, values })

test("unshuffle inverts shuffle for every element size, leftover bytes kept", () => {
  for (const size of [1, 2, 3, 4, 8, 16]) {
    for (const length of [0, 1, 7, size * 5, size * 37 + 3]) {
      const d = Uint8Array.from({ length }, (_, k) => (k * 31 + size) & 255)
      expect(Array.from(unshuffle(shuffle(d, size), size))).toEqual(Array.from(d))
    }
  }
})

test("unshuffleInto: a range of elements of a shuffled chunk, at any output byte", () => {
  for (const size of [2, 4, 8]) {
    const n = 37
    const d = Uint8Array.from({ length: n * size }, (_, k) => (k * 13 + size) & 255)
    const s = shuffle(d, size)
    for (const [from, count, at] of [[0, n, 0], [5, 20, 8], [36, 1, 3], [3, 0, 0]]) {
      const out = new Uint8Array(at + count * size + 5)
      unshuffleInto(s, size, n, from, count, out, at)
      expect(Array.from(out.subarray(at, at + count * size))).toEqual(Array.from(d.subarray(from * size, (from + count) * size)))
      expect(out.subarray(0, at).every((b) => b === 0) && out.subarray(at + count * size).every((b) => b === 0)).toBe(true)
    }
  }
})

test("a shuffle left for the reader (keepShuffled) comes back still shuffled, with its element size", () => {
  const raw = new Uint8Array(new Float64Array([1.5, -2, 3e10, 7]).buffer)
  const z = new Uint8Array(deflateSync(shuffle(raw, 8)))
  const u = unfilter(src, 0, z, [filter(2, [8]), filter(1, [1])], 0, raw.length, 8, undefined, true)
  expect([Array.from(u.bytes), u.shuffled]).toEqual([Array.from(shuffle(raw, 8)), 8])
})

test("shuffle + deflate + fletcher32 come off in reverse; a bad sum or bad stream is an InvalidInput", () => {
  const values = Float64Array.from({ length: 300 }, (_, k) => Math.sin(k))
  const raw = new Uint8Array(values.buffer)
  const z = new Uint8Array(deflateSync(shuffle(raw, 8), { level: 1 }))
  const stored = new Uint8Array(z.length + 4)
  stored.set(z)
  new DataView(stored.buffer).setUint32(z.length, fletcher32(z), true)
  const pipeline = [filter(2, [8]), filter(1, [1]), filter(3)]
  expect(Array.from(unfilter(src, 100, stored, pipeline, 0, raw.length, 8).bytes)).toEqual(Array.from(raw))
  // a mask bit skips a filter: here fletcher32 was not applied
  expect(Array.from(unfilter(src, 100, z, pipeline, 4, raw.length, 8).bytes)).toEqual(Array.from(raw))
  const bad = stored.slice()
  bad[10] ^= 4
  expect(() => unfilter(src, 100, bad, pipeline, 0, raw.length, 8)).toThrow("fletcher32")
  expect(() => unfilter(src, 100, stored.subarray(0, 20), [filter(1)], 0, raw.length, 8)).toThrow("inflate")
  try {
    unfilter(src, 100, bad, pipeline, 0, raw.length, 8)
  } catch (e) {
    expect([(e as { _tag: string })._tag, (e as { offset: number }).offset]).toEqual(["InvalidInput", 100])
  }
  // a chunk that inflates to more than its size is refused, not allocated
  expect(() => unfilter(src, 100, new Uint8Array(deflateSync(new Uint8Array(1 << 20))), [filter(1)], 0, 64, 8)).toThrow(
    "HDF5",
  )
})

test("a filter brook does not undo is a FormatUnsupported naming it", () => {
  expect(() => checkFilters(src, "vals", [filter(2), { id: 4, name: "szip", optional: false, values: [] }])).toThrow(
    "vals uses the szip filter (id 4)",
  )
  expect(() => checkFilters(src, "vals", [filter(1), filter(2), filter(3)])).not.toThrow()
})
