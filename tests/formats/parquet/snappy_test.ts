/** SnappyStream: a snappy block decoded a piece at a time equals snappyDecode of the whole; errors. */
import { expect, test } from "bun:test"
import { snappyCompress } from "hyparquet-writer/src/snappy.js"
import { SnappyStream, snappyDecode } from "../../../formats/parquet/snappy.ts"

/** Bytes with repeats near and far (copies of every tag size) and incompressible stretches (literals). */
function sample(n: number, seed: number): Uint8Array {
  const data = new Uint8Array(n)
  let s = seed
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    const mode = (i >> 12) % 4
    data[i] = mode === 0 ? s >>> 24 : mode === 1 ? i % 7 : mode === 2 ? data[Math.max(0, i - 3000)] : (i * 31) & 0xff
  }
  return data
}

const fileOf = (block: Uint8Array, at: number) => {
  const file = new Uint8Array(at + block.length + 5).fill(0xee) // other bytes around the block
  file.set(block, at)
  return (offset: number, length: number) => file.slice(offset, offset + length)
}

test("pieces of any size, small input reads and a small history give the whole block's bytes", () => {
  for (const n of [0, 1, 17, 70_000, 300_000]) {
    const data = sample(n, n + 1)
    const block = snappyCompress(data)
    const whole = new Uint8Array(n)
    snappyDecode(block, whole)
    expect(whole).toEqual(data)
    for (const [piece, input, history] of [[1, 7, 65_536], [1000, 100, 65_536], [65_536, 4096, 1 << 20], [n || 1, 1 << 20, 1 << 20]]) {
      const stream = new SnappyStream(fileOf(block, 123), 123, block.length, history, input)
      expect(stream.remaining).toBe(n)
      const got = new Uint8Array(n)
      for (let at = 0; at < n; at += piece) stream.take(got.subarray(at, Math.min(n, at + piece)))
      expect(stream.remaining).toBe(0)
      if (got.some((b, i) => b !== data[i])) expect(`n=${n} piece=${piece} input=${input}`).toBe("equal")
    }
  }
})

test("a truncated block, trailing bytes, a bad offset and taking past the end are Errors", () => {
  const data = sample(100_000, 9)
  const block = snappyCompress(data)
  const drain = (s: SnappyStream, n = data.length) => {
    const dst = new Uint8Array(4096)
    for (let left = n; left > 0; left -= 4096) s.take(dst.subarray(0, Math.min(4096, left)))
  }
  const cut = block.subarray(0, block.length - 50)
  expect(() => drain(new SnappyStream(fileOf(cut, 0), 0, cut.length, 65_536, 1000))).toThrow(/snappy/)
  const long = new Uint8Array(block.length + 3)
  long.set(block)
  expect(() => drain(new SnappyStream(fileOf(long, 0), 0, long.length, 65_536, 1000))).toThrow(/trailing/)
  expect(() => new SnappyStream(fileOf(block, 0), 0, block.length).take(new Uint8Array(data.length + 1))).toThrow(
    /ends/,
  )
  // a copy reaching before the block's start: a 2-byte-offset copy of offset 60000 right after a short literal
  const bad = new Uint8Array([20, 0x0c, 1, 2, 3, 4, (15 << 2) | 2, 0x60, 0xea])
  expect(() => drain(new SnappyStream(fileOf(bad, 0), 0, bad.length), 20)).toThrow(/offset/)
})
