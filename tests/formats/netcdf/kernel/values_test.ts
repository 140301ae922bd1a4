/** The SIMD value kernels against the scalar TypeScript paths they replace: same bytes, same stats. */
import { expect, test } from "bun:test"
import { valueKernel } from "../../../../formats/netcdf/kernel/values.ts"
import { decodeInPlace, type NcType, TYPE_SIZE } from "../../../../formats/netcdf/types.ts"
import { BufferPool } from "../../../../formats/netcdf/reads.ts"
import { randomValues } from "../../../helpers.ts"

const kernel = valueKernel(1 << 16)

test("the runtime validates the SIMD kernel (Deno and Bun both do)", () => {
  expect(kernel).toBeDefined()
})

test("swap gives the scalar decoder's bytes for every type and length, tails included", () => {
  const noise = randomValues(4096, 11)
  const bytes = new Uint8Array(noise.buffer)
  for (const type of ["double", "int64", "float", "int", "short", "ushort", "uint", "byte", "char"] as NcType[]) {
    for (const count of [0, 1, 2, 3, 5, 7, 8, 9, 31, 33, 100]) {
      const size = TYPE_SIZE[type]
      const scalar = bytes.slice(0, count * size)
      decodeInPlace(type, scalar, count)
      const wasm = new Uint8Array(kernel!.memory.buffer, kernel!.base, count * size)
      wasm.set(bytes.subarray(0, count * size))
      kernel!.swap(type, kernel!.base, count)
      expect(Array.from(wasm)).toEqual(Array.from(scalar))
    }
  }
})

test("fold64 gives min and max exactly and the sum within rounding, every length", () => {
  const values = new Float64Array(Array.from(randomValues(300, 5), (v, k) => v * 1000 + k))
  for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 9, 63, 300]) {
    const at = kernel!.base + 8
    new Float64Array(kernel!.memory.buffer, at, n).set(values.subarray(0, n))
    const [lo, hi, sum] = kernel!.fold64(at, n)
    const ref = values.subarray(0, n)
    expect([lo, hi]).toEqual([Math.min(Infinity, ...ref), Math.max(-Infinity, ...ref)])
    expect(Math.abs(sum - ref.reduce((a, v) => a + v, 0))).toBeLessThan(1e-9 * Math.max(1, n))
  }
})

test("a NaN shows in the kernel's sum (so the stats sink refolds it) and the pool keeps its SIMD slots", () => {
  const at = kernel!.base
  new Float64Array(kernel!.memory.buffer, at, 6).set([1, 2, NaN, 4, 5, 6])
  expect(Number.isNaN(kernel!.fold64(at, 6)[2])).toBe(true)
  const pool = new BufferPool(1024, 2)
  const a = pool.take(), b = pool.take(), c = pool.take()
  expect([a.buffer, b.buffer].every((x) => x === pool.kernel!.memory.buffer)).toBe(true)
  expect(c.buffer === pool.kernel!.memory.buffer).toBe(false)
  pool.give(a)
  expect(pool.take()).toBe(a)
})
