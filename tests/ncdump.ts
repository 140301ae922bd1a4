/**
 * The reference for the Exodus tests: ncdump's (Debian netcdf-bin) text of every variable, parsed into
 * numbers (17 significant digits, so doubles round-trip) and strings (char rows).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"

export const SHARED_EXODUS = new URL("../../shared/data/exodus", import.meta.url).pathname
export const hasNcdump = spawnSync("ncdump", [], { encoding: "utf8" }).error === undefined
export const sharedFiles = fs.existsSync(SHARED_EXODUS)
  ? fs.readdirSync(SHARED_EXODUS).sort().map((f) => `${SHARED_EXODUS}/${f}`)
  : []
if (!sharedFiles.length) console.warn(`skipping shared-file Exodus tests: ${SHARED_EXODUS} is absent`)
if (!hasNcdump) console.warn("skipping ncdump comparisons: ncdump (Debian netcdf-bin) is not installed")

/** Every variable's values as ncdump prints them: numbers, "_" for fill values, or char rows as strings. */
export function ncdump(file: string): Map<string, Array<number | string | null>> {
  const out = spawnSync("ncdump", ["-p", "9,17", file], { encoding: "utf8", maxBuffer: 1 << 28 })
  if (out.status !== 0) throw new Error(`ncdump ${file}: ${out.stderr}`)
  const text = out.stdout.slice(out.stdout.indexOf("\ndata:\n") + 7)
  const vars = new Map<string, Array<number | string | null>>()
  let k = 0
  const ws = () => {
    while (k < text.length && /\s/.test(text[k])) k++
  }
  while (true) {
    ws()
    if (text[k] === "}") break
    const eq = text.indexOf("=", k)
    const name = text.slice(k, eq).trim()
    k = eq + 1
    const values: Array<number | string | null> = []
    while (true) {
      ws()
      if (text[k] === '"') {
        let s = ""
        k++
        while (text[k] !== '"') {
          if (text[k] === "\\") {
            const e = text[k + 1]
            s += e === "n" ? "\n" : e === "t" ? "\t" : e === "0" ? "\0" : e
            k += 2
          } else s += text[k++]
        }
        k++
        values.push(s)
      } else {
        let j = k
        while (text[j] !== "," && text[j] !== ";") j++
        const tok = text.slice(k, j).trim()
        values.push(tok === "_" ? null : Number(tok.replace(/[a-zA-Z]+$/, "")))
        k = j
      }
      ws()
      if (text[k++] === ";") break
    }
    vars.set(name, values)
  }
  return vars
}
