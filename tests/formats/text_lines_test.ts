/**
 * TextOut: digits written without strings must read back exactly, and floats must be the text that
 * JavaScript's own toPrecision search gives (the shortest of 6 to 9 digits that reads back as the float32).
 */
import { expect, test } from "bun:test"
import * as fs from "node:fs"
import * as path from "node:path"
import { formatF32, TextOut } from "../../formats/text_lines.ts"
import { tempDir } from "../helpers.ts"

function byToPrecision(w: number): string {
  for (let p = 6; p < 9; p++) {
    const s = String(Number(w.toPrecision(p)))
    if (Math.fround(Number(s)) === w) return s
  }
  return String(Number(w.toPrecision(9)))
}

function sample(count: number): Float32Array {
  const out = new Float32Array(count)
  let s = 2463534242
  const next = () => ((s ^= s << 13, s ^= s >>> 17, s ^= s << 5), (s >>> 0) / 2 ** 32)
  for (let k = 0; k < count; k++) {
    const r = next()
    out[k] = k % 3 === 0
      ? 1 / (1 - (0.7 + 0.3 * r) + 1e-6) // edge weights
      : (next() < 0.5 ? -1 : 1) * 10 ** (r * 50 - 25) // every scale, both notations
  }
  out.set([0, -0, 1, 1e6, 1e-6, 5e-7, 1e21, 3e21, 0.1, 123456789, 16777217, 3.4e38, 1e-45], 0)
  return out
}

test("formatF32 equals the toPrecision search and reads back as the same float32", () => {
  const values = sample(200_000)
  for (const w of values) {
    const s = formatF32(w)
    if (s !== byToPrecision(w)) expect(`${w}: ${s}`).toBe(`${w}: ${byToPrecision(w)}`)
    if (Math.fround(Number(s)) !== w) expect(s).toBe(String(w)) // -0 writes as "0", as String does
  }
})

test("TextOut writes integers, floats, text and lines across its 1 MiB flushes", () => {
  const file = path.join(tempDir(), "text-out.tsv")
  const fd = fs.openSync(file, "w")
  const out = new TextOut(fd)
  const values = sample(120_000)
  const want: string[] = []
  for (let k = 0; k < values.length; k++) {
    const n = k * 7919 + (k % 5 === 0 ? 2 ** 40 : 0)
    out.uint(n).tab().f32(values[k]).tab().text(k % 1000 === 0 ? "ид-é" : "x").end()
    want.push(`${n}\t${formatF32(values[k])}\t${k % 1000 === 0 ? "ид-é" : "x"}`)
  }
  out.text("y".repeat(3_000_000)).end()
  want.push("y".repeat(3_000_000))
  out.flush()
  fs.closeSync(fd)
  expect(fs.readFileSync(file, "utf8")).toBe(want.join("\n") + "\n")
})
