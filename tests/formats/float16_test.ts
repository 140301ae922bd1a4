import { expect, test } from "bun:test"
import { float16Bits, float16ToFloat32 } from "../../formats/float16.ts"
import { float16Of } from "../helpers.ts"

/** A binary16 value by its definition: (-1)^s 2^(e-15) (1 + m/1024), subnormals 2^-14 (m/1024). */
function reference(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff
  if (e === 0x1f) return m ? NaN : s * Infinity
  return e === 0 ? s * 2 ** -14 * (m / 1024) : s * 2 ** (e - 15) * (1 + m / 1024)
}

test("every one of the 65536 binary16 values widens exactly to float32 (signed zeros, subnormals, Inf, NaN)", () => {
  const f = new Float32Array(1), bits = new Uint32Array(f.buffer)
  for (let h = 0; h < 0x10000; h++) {
    bits[0] = float16Bits(h)
    const want = reference(h)
    if (Number.isNaN(want)) expect(Number.isNaN(f[0])).toBe(true)
    else expect(Object.is(f[0], want)).toBe(true)
  }
})

test("the edges of the format, by their bits", () => {
  const as32 = (h: number) => new Float32Array(new Uint32Array([float16Bits(h)]).buffer)[0]
  expect(as32(0x0001)).toBe(2 ** -24) // smallest subnormal
  expect(as32(0x03ff)).toBe(1023 * 2 ** -24) // largest subnormal
  expect(as32(0x0400)).toBe(2 ** -14) // smallest normal
  expect(as32(0x7bff)).toBe(65504) // largest finite
  expect(as32(0x3c00)).toBe(1)
  expect(as32(0xc000)).toBe(-2)
  expect(as32(0x7c00)).toBe(Infinity)
  expect(as32(0xfc00)).toBe(-Infinity)
  expect(Number.isNaN(as32(0x7e00))).toBe(true)
  expect(Object.is(as32(0x8000), -0)).toBe(true)
  expect(float16Bits(0x7e01)).toBe(0x7fc02000) // a NaN keeps its payload
})

test("float16ToFloat32 reads either byte order from an unaligned offset into an offset of the output", () => {
  const values = [1, -0.5, 2 ** -24, 65504, -Infinity]
  for (const little of [true, false]) {
    const bytes = new Uint8Array(1 + values.length * 2)
    const view = new DataView(bytes.buffer)
    values.forEach((x, k) => view.setUint16(1 + 2 * k, float16Of(x), little))
    const out = new Float32Array(values.length + 2)
    float16ToFloat32(bytes, 1, values.length, out, 2, little)
    expect(Array.from(out)).toEqual([0, 0, ...values])
  }
})
