/** Varints, growable output, bounds-checked input, CRC-32 and metered array resizing. */
import { expect, test } from "bun:test"
import {
  ByteReader,
  ByteWriter,
  crc32,
  fitted,
  fromCharCodes,
  grown,
  type Metered,
  resized,
  ShortRead,
} from "../../core/bytes.ts"

const threw = (f: () => unknown): unknown => {
  try {
    f()
  } catch (e) {
    return e
  }
  return undefined
}

test("crc32 matches the standard check value and continues from a start", () => {
  const text = new TextEncoder().encode("123456789")
  expect(crc32(text)).toBe(0xcbf43926)
  expect(crc32(new Uint8Array(0))).toBe(0)
  expect(crc32(text.subarray(4), crc32(text.subarray(0, 4)))).toBe(0xcbf43926)
})

test("unsigned varints: exact LEB128 bytes and round trips up to 2^53", () => {
  const w = new ByteWriter(1)
  w.uint(0).uint(127).uint(128).uint(300).uint(2 ** 53 - 1)
  const b = w.take()
  expect(Array.from(b.subarray(0, 6))).toEqual([0, 127, 0x80, 1, 0xac, 2])
  expect(b.length).toBe(6 + 8) // 53 bits in 7-bit groups
  const r = new ByteReader(b)
  expect([r.uint(), r.uint(), r.uint(), r.uint(), r.uint()]).toEqual([0, 127, 128, 300, 2 ** 53 - 1])
  expect(r.done).toBe(true)
})

test("signed varints zigzag: 0, -1, 1, -2 as 0, 1, 2, 3, and extremes round trip", () => {
  const w = new ByteWriter()
  for (const v of [0, -1, 1, -2]) w.int(v)
  expect(Array.from(w.view())).toEqual([0, 1, 2, 3])
  const values = [-(2 ** 52), 2 ** 52 - 1, -64, 64, -65]
  const w2 = new ByteWriter()
  for (const v of values) w2.int(v)
  const r = new ByteReader(w2.take())
  expect(values.map(() => r.int())).toEqual(values)
})

test("bytes, blobs, text and u64 round trip; the writer grows past its capacity", () => {
  const w = new ByteWriter(4)
  const big = Uint8Array.from({ length: 1000 }, (_, k) => k & 0xff)
  w.byte(7).blob(big).text("héllo").u64(0x0102030405060708n).bytes(new Uint8Array([9, 9]))
  expect(w.length).toBe(1 + 2 + 1000 + 1 + 6 + 8 + 2)
  const view = w.view()
  expect(view.length).toBe(w.length)
  const r = new ByteReader(w.take())
  expect(r.byte()).toBe(7)
  expect(Array.from(r.blob())).toEqual(Array.from(big))
  expect(r.text()).toBe("héllo")
  expect(r.u64()).toBe(0x0102030405060708n)
  expect(Array.from(r.bytes(2))).toEqual([9, 9])
  expect(r.done).toBe(true)
})

test("take is a copy, view shares the writer's buffer", () => {
  const w = new ByteWriter(16)
  w.byte(1).byte(2)
  const view = w.view(), copy = w.take()
  view[0] = 99
  expect(w.view()[0]).toBe(99)
  expect(copy[0]).toBe(1)
})

test("reading past the end throws ShortRead and does not move the position", () => {
  const r = new ByteReader(new Uint8Array([5, 0x80]))
  expect(threw(() => r.bytes(3))).toBeInstanceOf(ShortRead)
  expect(r.pos).toBe(0)
  expect(r.byte()).toBe(5)
  // a varint cut off after a continuation byte
  expect(threw(() => r.uint())).toBeInstanceOf(ShortRead)
  const empty = new ByteReader(new Uint8Array(0))
  expect(empty.done).toBe(true)
  expect((threw(() => empty.byte()) as Error).message).toBe("byte at 0 of 0")
  expect(threw(() => empty.u64())).toBeInstanceOf(ShortRead)
  // a blob whose length runs past the end
  expect(threw(() => new ByteReader(new Uint8Array([10, 1, 2])).blob())).toBeInstanceOf(ShortRead)
})

test("a varint of more than 8 continuation groups is refused as too long", () => {
  const r = new ByteReader(new Uint8Array(12).fill(0x80))
  const e = threw(() => r.uint()) as Error
  expect(e).toBeInstanceOf(ShortRead)
  expect(e.message).toMatch(/varint too long/)
})

/** A Metered that keeps a running count and a log. */
function meter() {
  const m = { held: 0, log: [] as string[] }
  const memory: Metered = {
    reserve: (b) => (m.held += b, void m.log.push(`+${b}`)),
    release: (b) => (m.held -= b, void m.log.push(`-${b}`)),
  }
  return { m, memory }
}

test("resized reserves the new array before making it and releases the old after", () => {
  const { m, memory } = meter()
  const a = new Uint32Array([1, 2, 3, 4])
  const b = resized(a, 6, memory)
  expect(b).toBeInstanceOf(Uint32Array)
  expect(Array.from(b)).toEqual([1, 2, 3, 4, 0, 0])
  expect(m.log).toEqual(["+24", "-16"])
  const c = resized(new Float64Array([1.5, 2.5, 3.5]), 2, memory)
  expect(Array.from(c)).toEqual([1.5, 2.5])
  expect(m.log.slice(2)).toEqual(["+16", "-24"])
})

test("a refused reservation leaves the array as it was", () => {
  const memory: Metered = {
    reserve: () => {
      throw new RangeError("refused")
    },
    release: () => {},
  }
  expect(() => grown(new Uint8Array(4), 5, memory)).toThrow("refused")
})

test("grown at least doubles; fitted trims only when it frees an eighth or more", () => {
  const { memory } = meter()
  expect(grown(new Uint16Array(10), 11, memory).length).toBe(20)
  expect(grown(new Uint16Array(10), 50, memory).length).toBe(50)
  expect(grown(new Int32Array(0), 3, memory).length).toBe(3)
  const a = new Uint8Array(80)
  expect(fitted(a, 71, memory)).toBe(a) // 9 spare of 80: under an eighth
  expect(fitted(a, 70, memory).length).toBe(70) // 10 spare: exactly an eighth
  expect(fitted(a, 0, memory).length).toBe(0)
})

test("fromCharCodes decodes bytes and UTF-16 units, past apply's 4096-argument chunk", () => {
  expect(fromCharCodes(new Uint8Array(0))).toBe("")
  expect(fromCharCodes(new Uint8Array([104, 0xe9, 108]))).toBe("hél")
  expect(fromCharCodes(new Uint16Array([0x65e5, 0x672c]))).toBe("日本")
  const long = Uint8Array.from({ length: 10_000 }, (_, k) => 65 + (k % 26))
  const s = fromCharCodes(long)
  expect(s.length).toBe(10_000)
  expect(s.slice(4094, 4098)).toBe("MNOP")
  expect(s.charCodeAt(9999)).toBe(65 + (9999 % 26))
})
