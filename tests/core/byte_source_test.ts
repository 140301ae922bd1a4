/** The one I/O seam: files and memory read by position, short reads at the end, errors naming the source. */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileSource, memorySource, openFile, readExactly } from "../../core/byte_source.ts"
import { InvalidInput } from "../../core/errors.ts"
import { tempDir } from "../helpers.ts"

const dir = tempDir()
const bytes = Uint8Array.from({ length: 100 }, (_, k) => k)

test("memorySource reads by position, fewer bytes at the end and none past it", () => {
  const src = memorySource("mem.bin", bytes)
  expect(src.name).toBe("mem.bin")
  expect(src.byteLength).toBe(100)
  const into = new Uint8Array(8)
  expect(src.read(10, into)).toBe(8)
  expect(Array.from(into)).toEqual([10, 11, 12, 13, 14, 15, 16, 17])
  const tail = new Uint8Array(8)
  expect(src.read(96, tail)).toBe(4)
  expect(Array.from(tail)).toEqual([96, 97, 98, 99, 0, 0, 0, 0])
  expect(src.read(100, new Uint8Array(4))).toBe(0)
  expect(src.read(250, new Uint8Array(4))).toBe(0)
  expect(src.read(0, new Uint8Array(0))).toBe(0)
})

test("fileSource reads a file by position and agrees with memorySource", () => {
  const file = path.join(dir, "hundred.bin")
  fs.writeFileSync(file, bytes)
  const src = fileSource(file)
  try {
    expect(src.name).toBe(file)
    expect(src.byteLength).toBe(100)
    const into = new Uint8Array(16)
    expect(src.read(90, into)).toBe(10)
    expect(Array.from(into.subarray(0, 10))).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99])
    expect(src.read(100, into)).toBe(0)
    const a = readExactly(src, 33, new Uint8Array(20))
    const b = readExactly(memorySource("m", bytes), 33, new Uint8Array(20))
    expect(Array.from(a)).toEqual(Array.from(b))
  } finally {
    src.close()
  }
})

test("fileSource of an empty file has length 0 and reads nothing", () => {
  const file = path.join(dir, "empty.bin")
  fs.writeFileSync(file, new Uint8Array(0))
  const src = fileSource(file)
  expect(src.byteLength).toBe(0)
  expect(src.read(0, new Uint8Array(4))).toBe(0)
  src.close()
})

test("readExactly returns the filled array, or throws InvalidInput at the offset where the source ended", () => {
  const src = memorySource("short.bin", bytes.subarray(0, 10))
  const into = new Uint8Array(10)
  expect(readExactly(src, 0, into)).toBe(into)
  let err: unknown
  try {
    readExactly(src, 6, new Uint8Array(8))
  } catch (e) {
    err = e
  }
  expect(err).toBeInstanceOf(InvalidInput)
  const e = err as InvalidInput
  expect(e.file).toBe("short.bin")
  expect(e.offset).toBe(10)
  expect(e.reason).toBe("file ends while reading 8 bytes at 6")
  expect(e.message).toBe("short.bin (byte offset 10): file ends while reading 8 bytes at 6")
  // starting past the end: the offset is where the read began
  let past: InvalidInput | undefined
  try {
    readExactly(src, 40, new Uint8Array(1))
  } catch (e) {
    past = e as InvalidInput
  }
  expect(past?.offset).toBe(40)
})

test("openFile of a missing file is an InvalidInput naming it; fileSource throws the system error", () => {
  const missing = path.join(dir, "nope.bin")
  let err: unknown
  try {
    openFile(missing)
  } catch (e) {
    err = e
  }
  expect(err).toBeInstanceOf(InvalidInput)
  expect((err as InvalidInput).file).toBe(missing)
  expect((err as InvalidInput).reason).toMatch(/^cannot open: /)
  expect(() => fileSource(missing)).toThrow()
  let raw: unknown
  try {
    fileSource(missing)
  } catch (e) {
    raw = e
  }
  expect(raw instanceof InvalidInput).toBe(false)
})

test("openFile opens an existing file like fileSource", () => {
  const file = path.join(dir, "open.bin")
  fs.writeFileSync(file, bytes.subarray(0, 5))
  const src = openFile(file)
  expect(src.byteLength).toBe(5)
  expect(Array.from(readExactly(src, 1, new Uint8Array(4)))).toEqual([1, 2, 3, 4])
  src.close()
})
