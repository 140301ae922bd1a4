/**
 * Builds the WebAssembly kernels from their text sources: `npm run build:kernels`.
 * Writes cosine_<variant>.wat (generated source, kept for reading) and .wasm beside this file.
 * The .wasm files are committed so running brook needs no assembler.
 */
import * as fs from "node:fs"
import { cosineWat, type KernelVariant } from "./cosine_wat.ts"
// @ts-ignore: wabt ships no types
import wabtInit from "wabt"

const wabt = await wabtInit()
const here = new URL(".", import.meta.url).pathname
for (const variant of ["relaxed", "simd", "int8"] as KernelVariant[]) {
  const text = cosineWat(variant)
  fs.writeFileSync(`${here}cosine_${variant}.wat`, text)
  const mod = wabt.parseWat(`cosine_${variant}.wat`, text, { simd: true, relaxed_simd: true, threads: true })
  const { buffer } = mod.toBinary({})
  // wabt.js's validate() rejects shared memories even with threads on; the runtime validates instead
  if (!WebAssembly.validate(new Uint8Array(buffer))) throw new Error(`cosine_${variant}.wasm does not validate`)
  fs.writeFileSync(`${here}cosine_${variant}.wasm`, buffer)
  console.log(`cosine_${variant}.wasm: ${buffer.length} bytes`)
}
