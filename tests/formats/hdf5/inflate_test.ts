/** Inflating into the caller's buffer: whole streams, streams larger than the buffer, bad streams, reuse after errors. */
import { expect, test } from "bun:test"
import { deflateSync } from "node:zlib"
import { Inflater } from "../../../formats/hdf5/inflate.ts"

const data = Uint8Array.from({ length: 100_000 }, (_, k) => (k * 7 + (k >> 9)) & 255)
const z = new Uint8Array(deflateSync(data, { level: 1 }))

test("a stream inflates into the given buffer, exactly or with room to spare, again and again", () => {
  const inf = new Inflater()
  for (const room of [0, 1, 4096]) {
    const out = new Uint8Array(data.length + room)
    expect(inf.inflate(z, out)).toBe(data.length)
    expect(out.subarray(0, data.length)).toEqual(data)
  }
})

test("a stream larger than the buffer, or broken, is an Error; the next stream inflates", () => {
  const inf = new Inflater()
  expect(() => inf.inflate(z, new Uint8Array(data.length - 1))).toThrow(`inflates past ${data.length - 1} bytes`)
  const bad = z.slice()
  for (let k = 20; k < 60; k++) bad[k] ^= 0x5a
  let written = -1
  try {
    written = inf.inflate(bad, new Uint8Array(data.length))
  } catch (e) {
    expect(e).toBeInstanceOf(Error)
  }
  // a broken stream throws, or (if zlib only notices at the end) comes out short or different
  if (written >= 0) expect(written).toBeLessThanOrEqual(data.length)
  // a truncated stream: zlib's "unexpected end of file", or fewer bytes than the buffer holds
  let short = -1
  try {
    short = inf.inflate(z.subarray(0, 100), new Uint8Array(data.length))
  } catch (e) {
    expect(String(e)).toContain("unexpected end of file")
  }
  expect(short).toBeLessThan(data.length)
  const out = new Uint8Array(data.length)
  expect(inf.inflate(z, out)).toBe(data.length)
  expect(out).toEqual(data)
})
