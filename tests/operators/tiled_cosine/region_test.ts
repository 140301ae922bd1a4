/** Region: a block's float panels then int8 panels in the shared heap, 64-byte aligned, filled from the spill files. */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { packed8Bytes, packedBytes, paddedDim } from "../../../operators/tiled_cosine/kernel.ts"
import { align, Region } from "../../../operators/tiled_cosine/region.ts"
import { closeSpill, openSpill } from "../../../operators/tiled_cosine/spill.ts"
import { tempDir } from "../../helpers.ts"

const dir = tempDir()

test("align rounds up to 64 bytes", () => {
  expect([0, 1, 63, 64, 65, 128].map(align)).toEqual([0, 64, 64, 64, 128, 128])
})

test("the int8 panels start at the first 64-byte boundary after the float panels; end is aligned too", () => {
  const r = new Region(100, 20, 5, true)
  expect(packedBytes(20, 5)).toBe(480) // 24 rows (3 panels of 8) x 5 dims x 4 B
  expect(r.q8).toBe(640) // align(100 + 480)
  expect(packed8Bytes(20, 5)).toBe(256) // 32 rows (2 panels of 16) x 8 padded dims
  expect(r.end).toBe(896)
  const floats = new Region(64, 8, 3, false)
  expect(floats.q8).toBe(align(64 + 96))
  expect(floats.end).toBe(floats.q8) // no int8 panels
})

test("f32At and q8At address a row's panel", () => {
  const r = new Region(1024, 512, 10, true)
  expect(r.f32At(0)).toBe(1024)
  expect(r.f32At(8)).toBe(1024 + 8 * 10 * 4)
  expect(r.f32At(256)).toBe(1024 + 256 * 10 * 4)
  expect(r.q8At(0)).toBe(r.q8)
  expect(r.q8At(256)).toBe(r.q8 + 256 * paddedDim(10))
})

test("read copies rows [row0, row0 + rows) of both spill files into the region's places in the heap", () => {
  const dim = 3, total = 40
  const f32 = path.join(dir, "r.f32"), q8 = path.join(dir, "r.q8")
  const fBytes = Uint8Array.from({ length: packedBytes(total, dim) }, (_, k) => k % 251)
  const qBytes = Uint8Array.from({ length: packed8Bytes(total, dim) }, (_, k) => (k * 7) % 253)
  fs.writeFileSync(f32, fBytes)
  fs.writeFileSync(q8, qBytes)
  const r = new Region(64, 16, dim, true)
  const heap = new SharedArrayBuffer(r.end + 64)
  new Uint8Array(heap).fill(0xee)
  const fds = openSpill({ f32, q8 })
  try {
    r.read(heap, fds, 16, 16)
  } finally {
    closeSpill(fds)
  }
  const h = new Uint8Array(heap)
  const fLen = packedBytes(16, dim), qLen = packed8Bytes(16, dim)
  expect(Array.from(h.subarray(r.f32, r.f32 + fLen))).toEqual(
    Array.from(fBytes.subarray(packedBytes(16, dim), packedBytes(32, dim))),
  )
  expect(Array.from(h.subarray(r.q8, r.q8 + qLen))).toEqual(
    Array.from(qBytes.subarray(packed8Bytes(16, dim), packed8Bytes(32, dim))),
  )
  // nothing outside the region was touched (the int8 panels follow the float ones at once here)
  expect(h[r.f32 - 1]).toBe(0xee)
  expect(h[r.q8 + qLen]).toBe(0xee)
})

test("read of a float-only region reads no int8 file; a spill file too short is an Error", () => {
  const dim = 2
  const f32 = path.join(dir, "short.f32")
  fs.writeFileSync(f32, new Uint8Array(packedBytes(8, dim)))
  const r = new Region(0, 16, dim, false)
  const heap = new SharedArrayBuffer(r.end)
  const fds = openSpill({ f32, q8: undefined })
  try {
    r.read(heap, fds, 0, 8)
    expect(() => r.read(heap, fds, 0, 16)).toThrow("spill file ended at 64")
  } finally {
    closeSpill(fds)
  }
})
