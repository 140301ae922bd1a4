/** The committed .wasm kernels are what their generator builds (source and binary never drift). */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import { cosineWat } from "../../../operators/kernels/cosine_wat.ts"

const here = new URL("../../../operators/kernels/", import.meta.url).pathname

test("committed .wat files match the generator", () => {
  for (const v of ["int8", "relaxed", "simd"] as const) {
    expect(fs.readFileSync(`${here}cosine_${v}.wat`, "utf8")).toBe(cosineWat(v))
  }
})

test("both kernel variants validate here; the plain SIMD one has no relaxed opcodes", () => {
  const relaxed = fs.readFileSync(`${here}cosine_relaxed.wasm`)
  const simd = fs.readFileSync(`${here}cosine_simd.wasm`)
  expect(WebAssembly.validate(relaxed)).toBe(true)
  expect(WebAssembly.validate(simd)).toBe(true)
  expect(cosineWat("simd")).not.toContain("relaxed")
})
