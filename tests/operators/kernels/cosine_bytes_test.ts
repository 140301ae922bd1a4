/** The inline kernel bytes (single-file binaries read no file beside them) are the committed .wasm files. */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import { KERNEL_BASE64 } from "../../../operators/kernels/cosine_bytes.ts"
import { kernelBytes } from "../../../operators/tiled_cosine/kernel.ts"

const here = new URL("../../../operators/kernels/", import.meta.url).pathname
const decode = (b64: string) => new Uint8Array(Buffer.from(b64, "base64"))

test("one inline kernel per variant, no more", () => {
  expect(Object.keys(KERNEL_BASE64).sort()).toEqual(["int8", "relaxed", "simd"])
})

test("the inline kernel bytes (single-file binaries) are the committed .wasm files", () => {
  for (const v of ["int8", "relaxed", "simd"] as const) {
    expect(Buffer.from(decode(KERNEL_BASE64[v])).equals(fs.readFileSync(`${here}cosine_${v}.wasm`))).toBe(true)
    expect(Buffer.from(kernelBytes(v)).equals(fs.readFileSync(`${here}cosine_${v}.wasm`))).toBe(true)
  }
})

test("each inline kernel is a WebAssembly module importing one shared memory and exporting its entry points", () => {
  const want: Record<string, string[]> = {
    int8: ["exact", "expand_a", "screen8"],
    relaxed: ["exact", "screen"],
    simd: ["exact", "screen"],
  }
  for (const v of ["int8", "relaxed", "simd"] as const) {
    const bytes = decode(KERNEL_BASE64[v])
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]) // "\0asm", version 1
    if (!WebAssembly.validate(bytes)) continue // relaxed SIMD where the runtime lacks it
    const mod = new WebAssembly.Module(bytes)
    expect(WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}:${i.kind}`)).toEqual(["env.memory:memory"])
    expect(WebAssembly.Module.exports(mod).map((e) => e.name).sort()).toEqual(want[v])
  }
})
