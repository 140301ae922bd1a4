/** lookup3 against the published test values of Jenkins' lookup3.c; Fletcher-32 over 16-bit big-endian words. */
import { expect, test } from "bun:test"
import { checksumOk, fletcher32, lookup3 } from "../../../formats/hdf5/checksum.ts"

const text = (s: string) => new TextEncoder().encode(s)

test("lookup3 hashlittle: the values lookup3.c's driver prints", () => {
  expect(lookup3(new Uint8Array(0))).toBe(0xdeadbeef)
  expect(lookup3(new Uint8Array(0), 0xdeadbeef)).toBe(0xbd5b7dde)
  expect(lookup3(text("Four score and seven years ago"))).toBe(0x17770551)
  expect(lookup3(text("Four score and seven years ago"), 1)).toBe(0xcd628161)
})

test("checksumOk reads the little-endian sum that follows the bytes", () => {
  const b = new Uint8Array(17)
  b.set(text("a short structure"), 0)
  const withSum = new Uint8Array(21)
  withSum.set(b)
  new DataView(withSum.buffer).setUint32(17, lookup3(b), true)
  expect(checksumOk(withSum, 17)).toBe(true)
  withSum[3] ^= 1
  expect(checksumOk(withSum, 17)).toBe(false)
  expect(checksumOk(withSum, 19)).toBe(false)
})

test("fletcher32: sums of 16-bit big-endian words, an odd byte as a high byte", () => {
  expect(fletcher32(Uint8Array.of(1, 2))).toBe(0x01020102)
  expect(fletcher32(Uint8Array.of(1, 2, 3, 4))).toBe(((0x0102 + 0x0102 + 0x0304) << 16 | (0x0102 + 0x0304)) >>> 0)
  expect(fletcher32(Uint8Array.of(1, 2, 3))).toBe(((0x0102 + 0x0102 + 0x0300) << 16 | (0x0102 + 0x0300)) >>> 0)
  // long inputs fold their sums every 360 words and stay within 16 bits each
  const big = fletcher32(new Uint8Array(100_000).fill(0xff))
  expect(big & 0xffff).toBeLessThanOrEqual(0xffff)
  expect(big >>> 16).toBeLessThanOrEqual(0xffff)
})
