import { expect, test } from "bun:test"
import * as path from "node:path"
import { npyScratchBytes, openNpy, readNpyRows } from "../../formats/npy.ts"
import { type NpyDtype, tempDir, writeNpy } from "../helpers.ts"

const dir = tempDir()
// values every dtype holds exactly: binary16 subnormals and its largest finite value among them
const ROWS = 5, DIM = 3
const VALUES = [1, -2, 0.5, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, 65504, -65504, 0.099609375, 3, 4, 5, -0, 7.25, 1e-3]
  .map((x) => Math.fround(x))

test("float16, float32 and float64 in either byte order read as the same float32 rows, from any row", () => {
  const want = new Float32Array(VALUES)
  want[14] = Math.fround(0.0010004043579101562) // 1e-3 in binary16
  for (const dtype of ["<f2", ">f2", "<f4", ">f4", "<f8", ">f8"] as NpyDtype[]) {
    const file = path.join(dir, `v${dtype.replace(/[<>]/, (c) => (c === "<" ? "le" : "be"))}.npy`)
    writeNpy(file, ROWS, DIM, dtype[2] === "2" ? want : VALUES, dtype)
    const npy = openNpy(file)
    try {
      expect([npy.dtype, npy.itemSize, npy.littleEndian]).toEqual([`f${dtype[2]}`, Number(dtype[2]), dtype[0] === "<"])
      expect(npyScratchBytes(npy, 2)).toBe(dtype[2] === "4" ? 0 : 2 * DIM * Number(dtype[2]))
      const all = new Float32Array(ROWS * DIM)
      readNpyRows(npy, 0, ROWS, all)
      const expected = dtype[2] === "2" ? want : new Float32Array(VALUES)
      expect(Array.from(all)).toEqual(Array.from(expected))
      const tail = new Float32Array(2 * DIM)
      readNpyRows(npy, 3, 2, tail, new Uint8Array(64))
      expect(Array.from(tail)).toEqual(Array.from(expected.subarray(3 * DIM)))
    } finally {
      npy.close()
    }
  }
})

test("other dtypes are refused, naming the dtype and what brook reads", () => {
  const file = path.join(dir, "ints.npy")
  writeNpy(file, 1, 2, [1, 2], "<i4")
  expect(() => openNpy(file)).toThrow(/\.npy dtype <i4.*<f2 <f4 <f8 >f2 >f4 >f8/)
})
