/** Spill files: opened for reading (with the int8 file when there is one), read back exactly, a short file a defect. */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { closeSpill, openSpill, readSpill } from "../../../operators/tiled_cosine/spill.ts"
import { tempDir } from "../../helpers.ts"

const dir = tempDir()
const f32 = path.join(dir, "rows.f32")
const q8 = path.join(dir, "rows.q8")
fs.writeFileSync(f32, Uint8Array.from({ length: 64 }, (_, k) => k))
fs.writeFileSync(q8, Uint8Array.from({ length: 16 }, (_, k) => 200 + k))

test("openSpill opens the float file, and the int8 file only when named; closeSpill closes both", () => {
  const both = openSpill({ f32, q8 })
  expect(typeof both.f32).toBe("number")
  expect(typeof both.q8).toBe("number")
  const into = new Uint8Array(4)
  readSpill(both.q8!, into, 12)
  expect(Array.from(into)).toEqual([212, 213, 214, 215])
  closeSpill(both)
  expect(() => fs.fstatSync(both.f32)).toThrow()
  expect(() => fs.fstatSync(both.q8!)).toThrow()
  const floats = openSpill({ f32, q8: undefined })
  expect(floats.q8).toBeUndefined()
  closeSpill(floats)
})

test("readSpill fills the array from the offset, up to the file's last byte", () => {
  const fds = openSpill({ f32, q8: undefined })
  try {
    const into = new Uint8Array(8)
    readSpill(fds.f32, into, 56)
    expect(Array.from(into)).toEqual([56, 57, 58, 59, 60, 61, 62, 63])
    readSpill(fds.f32, new Uint8Array(0), 64) // nothing to read at the end is no error
  } finally {
    closeSpill(fds)
  }
})

test("a spill file ending early is an Error (a defect) saying where it ended, not an InvalidInput", () => {
  const fds = openSpill({ f32, q8: undefined })
  try {
    let err: unknown
    try {
      readSpill(fds.f32, new Uint8Array(16), 60)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toBe("spill file ended at 64")
    expect((err as { _tag?: string })._tag).toBeUndefined()
  } finally {
    closeSpill(fds)
  }
})
