/**
 * Builds values.wasm from values.wat (hand-written): `bun formats/netcdf/kernel/build.ts`.
 * The .wasm is committed so running brook needs no assembler.
 */
import * as fs from "node:fs"
// @ts-ignore: wabt ships no types
import wabtInit from "wabt"

const wabt = await wabtInit()
const here = new URL(".", import.meta.url).pathname
const text = fs.readFileSync(`${here}values.wat`, "utf8")
const { buffer } = wabt.parseWat("values.wat", text, { simd: true }).toBinary({})
if (!WebAssembly.validate(new Uint8Array(buffer))) throw new Error("values.wasm does not validate")
fs.writeFileSync(`${here}values.wasm`, buffer)
console.log(`values.wasm: ${buffer.length} bytes`)
